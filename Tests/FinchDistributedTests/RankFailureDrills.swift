import FinchDistributed
import Foundation
import FinchTestSupport
import XCTest

/// Inner tests in which one rank dies on purpose: run only by
/// `MultiRankJobTests`, which names each test and sets `FINCH_MPI_FAILURE_DRILL`,
/// so a job that runs the other inner tests never runs these by accident.
final class RankFailureDrills: XCTestCase {
    static let drillVariable = "FINCH_MPI_FAILURE_DRILL"

    private var isDrill: Bool { ProcessInfo.processInfo.environment[Self.drillVariable] == "1" }

    /// Rank 1 is killed outright (no cleanup, no message) while the others
    /// wait for it in an all-reduce.
    func testRankKilledDuringAllReduce() {
        guard isDrill else { return }
        MPITestHarness.onEveryRank { world in
            var values: [Float] = [1]
            try world.allReduce(&values, .sum)
            if world.rank == 1 { kill(getpid(), SIGKILL) }
            try world.allReduce(&values, .sum)
            XCTFail("rank \(world.rank) finished an all-reduce that a killed rank never joined")
        }
    }

    /// Rank 1 gives up with `abort(code: 3, …)` while the others wait in a barrier.
    func testAbortWhilePeersWait() {
        guard isDrill else { return }
        MPITestHarness.onEveryRank { world in
            if world.rank == 1 { world.abort(code: 3, message: "drill: rank 1 gives up") }
            try world.barrier()
            XCTFail("rank \(world.rank) passed a barrier that an aborted rank never reached")
        }
    }
}
