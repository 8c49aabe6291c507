import FinchDistributed
import FinchTestSupport
import XCTest

/// Inner tests: run as every rank of `mpirun -np 2` and `-np 3` by `MultiRankJobTests`.
final class GradientSyncOnRanks: XCTestCase {
    /// 10 037 floats in 1 KiB buckets: 39 full buckets of 256 floats and a
    /// ragged 40th of 53, so both the bucket loop and its remainder are exercised.
    func testAverageOverManyBucketsWithRaggedTail() {
        MPITestHarness.onEveryRank { world in
            let count = 10_037
            let sync = try GradientSync(comm: world, bucketBytes: 1024)
            XCTAssertNotEqual(count % sync.bucketElements, 0)
            XCTAssertGreaterThan(count / sync.bucketElements, 3)
            var grads = (0..<count).map { Float(world.rank + 1) * Float($0 % 17) - Float(world.rank) }
            try grads.withUnsafeMutableBufferPointer { try sync.average($0) }
            // Mean over ranks r of (r + 1) * k - r  =  (n + 1) / 2 * k - (n - 1) / 2.
            let n = Float(world.size)
            for index in 0..<count {
                let expected = (n + 1) / 2 * Float(index % 17) - (n - 1) / 2
                if abs(grads[index] - expected) > 1e-4 {
                    return XCTFail("element \(index): \(grads[index]) != \(expected)")
                }
            }
        }
    }

    /// The overlapped sum equals the blocking one bit for bit, even when the ranks report their
    /// gradients final at different offsets (or, rank 1, never before `finish`): buckets start
    /// in the same order everywhere, so the collectives pair up whatever each rank's pass did.
    func testOverlappedSumEqualsBlockingSumWhateverEachRankReports() throws {
        try assertSumDuringBackwardEqualsBlockingSum { try OverlappedGradientSync(comm: $0, bucketBytes: 1024) }
    }

    /// Ranks of one job on this machine share a node, so the shared-memory sum applies.
    func testSharedMemorySumEqualsBlockingSumWhateverEachRankReports() throws {
        try assertSumDuringBackwardEqualsBlockingSum { try XCTUnwrap(SharedMemoryGradientSum.make(comm: $0)) }
    }

    /// The sum equals the blocking one bit for bit, even when the ranks report their gradients
    /// final at different offsets (or, rank 1, never before `finish`), over three steps and a
    /// change of buffer size: what each rank's pass reported never changes what is summed.
    private func assertSumDuringBackwardEqualsBlockingSum(_ make: @escaping (Communicator) throws -> GradientSumDuringBackward) throws {
        MPITestHarness.onEveryRank { world in
            let blocking = try GradientSync(comm: world, bucketBytes: 1024)
            let sum = try make(world)
            for (step, count) in [10_037, 10_037, 777].enumerated() {
                // Small integers: every summation order gives the same float, on any number of ranks.
                let local = (0..<count).map { Float(world.rank + 1) * Float(($0 + step) % 17) - Float(world.rank) }
                var expected = local
                try expected.withUnsafeMutableBufferPointer { try blocking.sum($0) }
                var grads = local
                let waited = try grads.withUnsafeMutableBufferPointer { buffer -> Double in
                    try sum.begin(buffer)
                    if world.rank != 1 {
                        for offset in [9_000, 8_999, 5_000 + 13 * world.rank, 300, 0] where offset < count { sum.ready(from: offset) }
                    }
                    return try sum.finish()
                }
                XCTAssertGreaterThanOrEqual(waited, 0)
                let mismatches = (0..<count).filter { grads[$0] != expected[$0] }
                XCTAssertEqual(mismatches.count, 0, "step \(step): first mismatch at \(mismatches.first ?? -1)")
            }
        }
    }

    func testGlobalNormCombinesSquaredSums() {
        MPITestHarness.onEveryRank { world in
            let sync = try GradientSync(comm: world)
            let norm = try sync.globalNorm(localSquaredSum: Double(world.rank + 1))
            XCTAssertEqual(norm, Double(world.size * (world.size + 1) / 2).squareRoot(), accuracy: 1e-12)
        }
    }
}
