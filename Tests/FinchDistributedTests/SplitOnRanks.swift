import FinchDistributed
import FinchTestSupport
import XCTest

/// Inner tests: run as every rank of `mpirun -np 2` and `-np 3` by `MultiRankJobTests`.
final class SplitOnRanks: XCTestCase {
    /// Even and odd world ranks form two groups; each group's all-reduce sees
    /// only its own members.
    func testSplitByParityReducesEachGroupIndependently() {
        MPITestHarness.onEveryRank { world in
            let parity = world.rank % 2
            let group = try world.split(color: parity, key: world.rank)
            let members = (0..<world.size).filter { $0 % 2 == parity }
            XCTAssertEqual(group.size, members.count)
            XCTAssertEqual(group.rank, members.firstIndex(of: world.rank))

            var total: [Int64] = [Int64(world.rank + 1)]
            try group.allReduce(&total, .sum)
            XCTAssertEqual(total, [Int64(members.map { $0 + 1 }.reduce(0, +))])
            XCTAssertEqual(try group.allGather(world.rank), members)

            var worldTotal: [Int64] = [1]
            try world.allReduce(&worldTotal, .sum)
            XCTAssertEqual(worldTotal, [Int64(world.size)])
        }
    }

    /// A key that reverses the order reverses the ranks in the new communicator.
    func testSplitOrdersRanksByKey() {
        MPITestHarness.onEveryRank { world in
            let reversed = try world.split(color: 0, key: world.size - world.rank)
            XCTAssertEqual(reversed.size, world.size)
            XCTAssertEqual(reversed.rank, world.size - 1 - world.rank)
        }
    }
}
