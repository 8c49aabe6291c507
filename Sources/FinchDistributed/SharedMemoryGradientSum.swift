import CMPI
import Foundation

/// Sums gradients between ranks of one node through memory they share, with no message
/// passing: each rank copies its gradients into its segment of an MPI shared-memory window,
/// each rank then adds up one contiguous slice of every segment (rank 0's, then rank 1's, …,
/// so the sum is the same on every rank), and each copies the finished slices back out.
///
/// Why: OpenMPI's shared-memory transport moves an all-reduce through small fragments, copied
/// in by one rank and out by the other. For GPT-2 small's 498 MB of gradients between two
/// ranks that took 500–650 ms of a 2 s step on a 2-core EPYC; a direct sum of the same bytes
/// reads and writes each only a few times (docs/performance.md).
///
/// The copy into the window happens as the backward pass finishes each layer (`ready(from:)`),
/// while that layer's gradients are still in cache. Only for ranks that share a node
/// (`make(comm:)` says nil otherwise).
public final class SharedMemoryGradientSum: GradientSumDuringBackward {
    public let comm: Communicator
    private var window: MPI_Win? = cmpi_win_null()
    /// Every rank's segment of the window, by rank.
    private var segments: [UnsafeMutablePointer<Float>] = []
    private var capacity = 0
    private var grads: UnsafeMutableBufferPointer<Float>?
    /// Everything from here to the end of `grads` is already in this rank's segment.
    private var copiedFrom = 0
    private var scratch = [Float](repeating: 0, count: 4096)

    /// A sum over `comm`'s ranks if they all share this node's memory, else nil (collective).
    public static func make(comm: Communicator) throws -> SharedMemoryGradientSum? {
        var node: MPI_Comm? = cmpi_comm_null()
        try checkMPI(MPI_Comm_split_type(comm.handle, cmpi_comm_type_shared(), 0, cmpi_info_null(), &node),
                     "MPI_Comm_split_type")
        var size: Int32 = 0
        try checkMPI(MPI_Comm_size(node, &size), "MPI_Comm_size")
        MPI_Comm_free(&node)
        // Every rank learns the same answer: whether all of them landed on one node.
        var allLocal: [Int64] = [size == comm.size ? 1 : 0]
        try comm.allReduce(&allLocal, .min)
        return allLocal[0] == 1 ? SharedMemoryGradientSum(comm: comm) : nil
    }

    private init(comm: Communicator) { self.comm = comm }

    deinit { freeWindow() }

    public func begin(_ grads: UnsafeMutableBufferPointer<Float>) throws {
        precondition(self.grads == nil, "SharedMemoryGradientSum: begin before the previous step finished")
        if grads.count != capacity { try allocate(grads.count) }
        self.grads = grads
        copiedFrom = grads.count
    }

    public func ready(from offset: Int) {
        guard let grads, offset < copiedFrom else { return }
        (segments[comm.rank] + offset).update(from: grads.baseAddress! + offset, count: copiedFrom - offset)
        copiedFrom = offset
    }

    public func finish() throws -> Double {
        guard let grads else { preconditionFailure("SharedMemoryGradientSum: finish before begin") }
        defer { self.grads = nil }
        let t0 = DispatchTime.now().uptimeNanoseconds
        ready(from: 0)
        try fence("the ranks' gradients in shared memory")
        let mine = slice(comm.rank)
        sumSlice(mine)
        try fence("the summed slices")
        for q in 0..<comm.size {
            let s = slice(q)
            (grads.baseAddress! + s.lowerBound).update(from: segments[q] + s.lowerBound, count: s.count)
        }
        // No rank may overwrite its segment in the next step while another still copies from it.
        try fence("copying the sums out")
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    /// Rank q's slice of the buffer: [q·n/P, (q+1)·n/P).
    private func slice(_ q: Int) -> Range<Int> { (q * capacity / comm.size)..<((q + 1) * capacity / comm.size) }

    /// Σ over ranks of `range`, in rank order, into this rank's segment: 4096 floats at a time
    /// through a scratch block, so each segment is read once.
    private func sumSlice(_ range: Range<Int>) {
        let own = segments[comm.rank]
        scratch.withUnsafeMutableBufferPointer { acc in
            var start = range.lowerBound
            while start < range.upperBound {
                let n = min(acc.count, range.upperBound - start)
                acc.baseAddress!.update(from: segments[0] + start, count: n)
                for q in 1..<comm.size {
                    let src = segments[q] + start
                    for i in 0..<n { acc[i] += src[i] }
                }
                (own + start).update(from: acc.baseAddress!, count: n)
                start += n
            }
        }
    }

    /// Makes every rank's stores to the window visible to the others, then waits for all of
    /// them (MPI's shared-memory model: sync, barrier, sync).
    private func fence(_ what: String) throws {
        try Watchdog.during("MPI_Barrier (\(what))") {
            try checkMPI(MPI_Win_sync(window), "MPI_Win_sync")
            try checkMPI(MPI_Barrier(comm.handle), "MPI_Barrier")
            try checkMPI(MPI_Win_sync(window), "MPI_Win_sync")
        }
    }

    private func allocate(_ count: Int) throws {
        freeWindow()
        var base: UnsafeMutableRawPointer?
        let bytes = MPI_Aint(count * MemoryLayout<Float>.stride)
        try checkMPI(MPI_Win_allocate_shared(bytes, Int32(MemoryLayout<Float>.stride), cmpi_info_null(), comm.handle,
                                             &base, &window), "MPI_Win_allocate_shared")
        try checkMPI(MPI_Win_lock_all(cmpi_mode_nocheck(), window), "MPI_Win_lock_all")
        segments = try (0..<comm.size).map { q in
            var size: MPI_Aint = 0, unit: Int32 = 0
            var pointer: UnsafeMutableRawPointer?
            try checkMPI(MPI_Win_shared_query(window, Int32(q), &size, &unit, &pointer), "MPI_Win_shared_query")
            guard let pointer, size == bytes else {
                throw DistributedError(operation: "MPI_Win_shared_query", rank: comm.rank,
                                       reason: "rank \(q)'s segment has \(size) bytes, expected \(bytes)")
            }
            return pointer.bindMemory(to: Float.self, capacity: count)
        }
        capacity = count
    }

    private func freeWindow() {
        guard capacity > 0, !MPIRuntime.isFinalised else { return }
        MPI_Win_unlock_all(window)
        MPI_Win_free(&window)
        capacity = 0
        segments = []
    }
}
