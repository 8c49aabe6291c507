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

    func testGlobalNormCombinesSquaredSums() {
        MPITestHarness.onEveryRank { world in
            let sync = try GradientSync(comm: world)
            let norm = try sync.globalNorm(localSquaredSum: Double(world.rank + 1))
            XCTAssertEqual(norm, Double(world.size * (world.size + 1) / 2).squareRoot(), accuracy: 1e-12)
        }
    }
}
