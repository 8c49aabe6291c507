/// MPI counts are 32-bit `int`s, but a model's gradient or a checkpoint blob can
/// exceed 2³¹ − 1 elements; these helpers split such transfers into pieces that
/// every rank cuts identically, so the pieces pair up across ranks.

/// The element ranges, in order, of at most `limit` elements each, that cover `0..<count`.
func mpiChunks(count: Int, limit: Int = Int(Int32.max)) -> [Range<Int>] {
    stride(from: 0, to: count, by: limit).map { $0..<min($0 + limit, count) }
}

/// Converts a rank, root, tag, color or key to MPI's `int`, failing with the
/// operation's name instead of trapping when the value cannot fit.
func mpiInt(_ value: Int, _ what: String, _ operation: String) throws -> Int32 {
    guard let converted = Int32(exactly: value) else {
        throw DistributedError(operation: operation, rank: MPIRuntime.worldRank,
                               reason: "\(what) \(value) does not fit in MPI's 32-bit int")
    }
    return converted
}
