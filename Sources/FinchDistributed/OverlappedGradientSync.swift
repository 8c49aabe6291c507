import CMPI
import Foundation

/// Sums data-parallel gradients across ranks while the backward pass is still running, as
/// PyTorch DDP does: the flat gradient buffer is cut into buckets from its end, and a bucket's
/// non-blocking all-reduce starts as soon as every gradient in it is final.
///
/// A transformer's backward pass finishes its gradients back to front — the final norm, then
/// the last block, …, the first block, the embeddings — and the parameter layout puts them in
/// forward order, so what is final is always a growing suffix of the buffer. The pass reports
/// it with `ready(from:)` at each layer boundary; `finish()` starts what is left, waits, and
/// says how long it waited: the communication the backward pass did not hide.
///
/// Every rank starts the same buckets in the same order (top of the buffer first) whatever
/// its readiness calls were, so the collectives always pair up. MPI is only called from the
/// thread that runs the pass (MPI_THREAD_FUNNELED); each `ready` call also lets the started
/// transfers progress.
public final class OverlappedGradientSync: GradientSumDuringBackward {
    public let comm: Communicator
    /// Floats per bucket (the bottom bucket of the buffer holds the remainder).
    public let bucketElements: Int
    private var buffer: UnsafeMutableBufferPointer<Float>?
    /// Buckets started so far this step, counted from the top of the buffer.
    private var started = 0
    private var requests: [MPI_Request?] = []
    /// The first MPI error of a `ready` call, thrown by `finish` (the pass that calls `ready`
    /// cannot throw).
    private var failure: Error?

    public init(comm: Communicator, bucketBytes: Int = 25 << 20) throws {
        guard bucketBytes >= MemoryLayout<Float>.stride else {
            throw DistributedError(operation: "OverlappedGradientSync", rank: MPIRuntime.worldRank,
                                   reason: "bucketBytes must hold at least one Float (4 bytes), got \(bucketBytes)")
        }
        self.comm = comm
        bucketElements = min(bucketBytes / MemoryLayout<Float>.stride, Int(Int32.max))
    }

    /// Starts a step whose gradients will be summed in `grads` in place.
    public func begin(_ grads: UnsafeMutableBufferPointer<Float>) throws {
        precondition(buffer == nil && requests.isEmpty, "OverlappedGradientSync: begin before the previous step finished")
        buffer = grads
        started = 0
    }

    /// Gradients in `grads[offset...]` are final on this rank: start every bucket that lies
    /// wholly inside that range, and let the ones already started progress.
    public func ready(from offset: Int) {
        guard let buffer, comm.size > 1, failure == nil else { return }
        do {
            while started < bucketCount(buffer.count), bucketRange(started, buffer.count).lowerBound >= offset {
                try start(started, buffer)
            }
            try progress()
        } catch {
            failure = error
        }
    }

    /// Starts the buckets not yet started, waits for all of them, and returns the seconds it
    /// waited. After it, every rank holds the sum of every rank's gradients.
    @discardableResult
    public func finish() throws -> Double {
        guard let buffer else { preconditionFailure("OverlappedGradientSync: finish before begin") }
        defer { self.buffer = nil }
        guard comm.size > 1 else { return 0 }
        if let failure { self.failure = nil; throw failure }
        let t0 = DispatchTime.now().uptimeNanoseconds
        while started < bucketCount(buffer.count) { try start(started, buffer) }
        try Watchdog.during("MPI_Waitall (gradient buckets)") {
            try checkMPI(MPI_Waitall(Int32(requests.count), &requests, cmpi_statuses_ignore()), "MPI_Waitall")
        }
        requests.removeAll(keepingCapacity: true)
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    private func bucketCount(_ count: Int) -> Int { (count + bucketElements - 1) / bucketElements }

    /// Bucket `k` from the top: [count − (k+1)·E, count − k·E), clipped at 0.
    private func bucketRange(_ k: Int, _ count: Int) -> Range<Int> {
        max(0, count - (k + 1) * bucketElements)..<(count - k * bucketElements)
    }

    private func start(_ k: Int, _ buffer: UnsafeMutableBufferPointer<Float>) throws {
        let range = bucketRange(k, buffer.count)
        var request: MPI_Request? = cmpi_request_null()
        try checkMPI(MPI_Iallreduce(cmpi_in_place(), buffer.baseAddress! + range.lowerBound, Int32(range.count),
                                    cmpi_float(), cmpi_op_sum(), comm.handle, &request), "MPI_Iallreduce")
        requests.append(request)
        started += 1
    }

    /// One MPI_Testall: OpenMPI advances non-blocking collectives only inside MPI calls.
    private func progress() throws {
        guard !requests.isEmpty else { return }
        var done: Int32 = 0
        try checkMPI(MPI_Testall(Int32(requests.count), &requests, &done, cmpi_statuses_ignore()), "MPI_Testall")
    }
}
