import CMPI
import Foundation

extension Communicator {
    /// Returns one value from each rank, in rank order, on every rank.
    ///
    /// Meant for small per-rank facts (token counts, losses, timings) that
    /// every rank needs, e.g. to weight an average or to detect stragglers.
    public func allGather<Element: MPIScalar>(_ value: Element) throws -> [Element] {
        var mine = value
        var all = [Element](repeating: value, count: size)
        try Watchdog.during("MPI_Allgather") {
            try all.withUnsafeMutableBufferPointer { gathered in
                try checkMPI(MPI_Allgather(&mine, 1, Element.mpiDatatype, gathered.baseAddress, 1, Element.mpiDatatype, handle),
                             "MPI_Allgather")
            }
        }
        return all
    }

    /// Collects every rank's bytes at `root`, in rank order; returns nil on other ranks.
    ///
    /// Blobs may differ in length per rank (e.g. serialized evaluation results).
    /// All ranks learn all lengths first, so an oversized gather fails on
    /// every rank together instead of leaving some waiting.
    public func gatherBytes(_ bytes: Data, root: Int) throws -> [Data]? {
        let operation = "gatherBytes"
        let mpiRoot = try mpiInt(root, "root", operation)
        let lengths = try allGather(Int64(bytes.count))
        let total = lengths.reduce(0, +)
        guard total <= Int64(Int32.max) else {
            throw DistributedError(operation: operation, rank: MPIRuntime.worldRank,
                                   reason: "\(total) bytes in total exceed MPI_Gatherv's 2 GiB limit; gather in parts")
        }
        let counts = lengths.map { Int32($0) }
        var offsets = [Int32](repeating: 0, count: size)
        for index in counts.indices.dropFirst() {
            offsets[index] = offsets[index - 1] + counts[index - 1]
        }
        var gathered = [UInt8](repeating: 0, count: rank == root ? Int(total) : 0)
        try Watchdog.during("MPI_Gatherv to rank \(root)") {
            try bytes.withUnsafeBytes { mine in
                try gathered.withUnsafeMutableBytes { all in
                    try checkMPI(MPI_Gatherv(mine.baseAddress, counts[rank], cmpi_uint8(),
                                             all.baseAddress, counts, offsets, cmpi_uint8(), mpiRoot, handle), "MPI_Gatherv")
                }
            }
        }
        guard rank == root else { return nil }
        return counts.indices.map { index in
            let start = Int(offsets[index])
            return Data(gathered[start..<start + Int(counts[index])])
        }
    }
}
