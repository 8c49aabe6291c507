/// Averages data-parallel gradients across the ranks of a communicator.
///
/// The flat gradient buffer is reduced in buckets of a fixed byte size rather
/// than in one call: OpenMPI's all-reduce algorithms allocate scratch space
/// as large as the message, so buckets bound that extra memory, and fixed
/// buckets are the unit a later version can overlap with the backward pass.
public struct GradientSync {
    public let comm: Communicator
    /// Floats per bucket; the last bucket holds the remainder.
    public let bucketElements: Int

    /// The default bucket size, 25 MiB, is large enough that per-call latency
    /// is negligible and small enough that scratch memory stays modest.
    public init(comm: Communicator, bucketBytes: Int = 25 << 20) throws {
        guard bucketBytes >= MemoryLayout<Float>.stride else {
            throw DistributedError(operation: "GradientSync", rank: MPIRuntime.worldRank,
                                   reason: "bucketBytes must hold at least one Float (4 bytes), got \(bucketBytes)")
        }
        self.comm = comm
        self.bucketElements = bucketBytes / MemoryLayout<Float>.stride
    }

    /// Replaces every rank's gradients by the mean over ranks, in place.
    ///
    /// Collective: every rank must pass a buffer of the same length. A world
    /// of one process returns at once, since the mean of one is itself.
    public func average(_ grads: UnsafeMutableBufferPointer<Float>) throws {
        try reduce(grads, scale: 1 / Float(comm.size))
    }

    /// Replaces every rank's gradients by their sum over ranks, in place: what a loss
    /// already normalised by the global token count needs (each rank's part is a share
    /// of one global mean, so the shares add up).
    public func sum(_ grads: UnsafeMutableBufferPointer<Float>) throws {
        try reduce(grads, scale: 1)
    }

    private func reduce(_ grads: UnsafeMutableBufferPointer<Float>, scale: Float) throws {
        guard comm.size > 1 else { return }
        var start = 0
        while start < grads.count {
            let end = min(start + bucketElements, grads.count)
            let bucket = UnsafeMutableBufferPointer(rebasing: grads[start..<end])
            try comm.allReduce(bucket, .sum)
            if scale != 1 { for index in bucket.indices { bucket[index] *= scale } }
            start = end
        }
    }

    /// The L2 norm of a vector whose parts live on different ranks, given each
    /// rank's sum of squares: what gradient clipping needs once parameters or
    /// gradients are sharded. (Replicated, averaged gradients already have the
    /// same norm on every rank and need no communication.)
    public func globalNorm(localSquaredSum: Double) throws -> Double {
        var sum = [localSquaredSum]
        try comm.allReduce(&sum, .sum)
        return sum[0].squareRoot()
    }
}
