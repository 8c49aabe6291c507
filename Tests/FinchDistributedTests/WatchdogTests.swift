import FinchDistributed
import Foundation
import FinchTestSupport
import XCTest
@testable import FinchDistributed

/// The watchdog (`distributed.timeout_s`) under `mpirun -np 2`: a stopped rank ends the job
/// within seconds, naming the step, the operation and the rank that did not answer; a rank
/// that is only slow does not.
final class WatchdogTests: XCTestCase {
    func testHeartbeatsRoundTripAndRefuseOtherBytes() {
        let beat = Heartbeat(rank: 3, step: 1_234_567, operation: "waiting for the rollout workers' trajectories")
        XCTAssertEqual(Heartbeat(beat.bytes[...]), beat)
        XCTAssertEqual(beat.bytes.count, Heartbeat.size)
        let long = Heartbeat(rank: 0, step: 1, operation: String(repeating: "x", count: 500))
        XCTAssertEqual(Heartbeat(long.bytes[...])?.operation.count, Heartbeat.size - 16, "a long operation is cut, not overflowed")
        XCTAssertNil(Heartbeat([UInt8](repeating: 7, count: Heartbeat.size)[...]))
        XCTAssertNil(Heartbeat(beat.bytes.dropLast()))
    }

    func testStoppedRankEndsTheJobNamingIt() throws {
        let result = try drill("testRankOneStopsInStepThree")
        print("watchdog drill, rank 1 stopped: exit \(result.exitCode) after \(String(format: "%.1f", result.elapsedSeconds)) s")
        XCTAssertFalse(result.succeeded)
        XCTAssertFalse(result.timedOut, "the watchdog, not the test's deadline, ended the job:\n\(result.output)")
        XCTAssertLessThan(result.elapsedSeconds, 20, result.output)
        XCTAssertTrue(result.output.contains("watchdog on rank 0: no heartbeat for over 2 s from rank 1"), result.output)
        XCTAssertTrue(result.output.contains("in step 3, computing"), "rank 1's last word:\n\(result.output)")
        XCTAssertTrue(result.output.contains("this rank is in step 3, MPI_Barrier"), result.output)
    }

    func testStoppedCoordinatorIsNamedByTheOthers() throws {
        let result = try drill("testRankZeroStopsInAnAllReduceWait")
        XCTAssertFalse(result.succeeded)
        XCTAssertFalse(result.timedOut, result.output)
        XCTAssertTrue(result.output.contains("watchdog on rank 1: no heartbeat for over 2 s from rank 0"), result.output)
        XCTAssertTrue(result.output.contains("this rank is in step 7, MPI_Allreduce"), result.output)
    }

    func testSlowRankDoesNotFire() throws {
        let result = try drill("testRankOneIsBusyForThreeTimesTheTimeout")
        XCTAssertTrue(result.succeeded, "a busy rank keeps its heartbeat:\n\(result.output)")
        XCTAssertFalse(result.output.contains("watchdog on rank"), result.output)
    }

    private func drill(_ method: String) throws -> MPIJobResult {
        try MPITestHarness.runInnerTests([MPITestHarness.testName(WatchdogDrills.self, method)], processCount: 2,
                                         timeoutSeconds: 40, environment: [RankFailureDrills.drillVariable: "1"])
    }
}

/// Inner tests run only by `WatchdogTests` (they stop a rank on purpose).
final class WatchdogDrills: XCTestCase {
    private var isDrill: Bool { ProcessInfo.processInfo.environment[RankFailureDrills.drillVariable] == "1" }

    func testRankOneStopsInStepThree() {
        guard isDrill else { return }
        MPITestHarness.onEveryRank { comm in
            try Watchdog.start(comm: comm, timeoutSeconds: 2)
            Watchdog.note(step: 3)
            if comm.rank == 1 {
                Thread.sleep(forTimeInterval: 1.5)  // a heartbeat from step 3 first
                raise(SIGSTOP)
                return  // mpirun continues it to end it; what it does then is not the drill's
            }
            try comm.barrier()
            XCTFail("rank 0 passed a barrier that a stopped rank never reached")
        }
    }

    func testRankZeroStopsInAnAllReduceWait() {
        guard isDrill else { return }
        MPITestHarness.onEveryRank { comm in
            try Watchdog.start(comm: comm, timeoutSeconds: 2)
            Watchdog.note(step: 7)
            if comm.rank == 0 {
                raise(SIGSTOP)
                return
            }
            var values: [Float] = [1]
            try comm.allReduce(&values, .sum)
            XCTFail("rank 1 finished an all-reduce that a stopped rank never joined")
        }
    }

    func testRankOneIsBusyForThreeTimesTheTimeout() {
        guard isDrill else { return }
        MPITestHarness.onEveryRank { comm in
            try Watchdog.start(comm: comm, timeoutSeconds: 2)
            if comm.rank == 1 {
                let until = Date().addingTimeInterval(6)
                var x = 0.0
                while Date() < until { x += 1 }  // the main thread busy, as in a long step
                XCTAssertGreaterThan(x, 0)
            }
            try comm.barrier()
        }
    }
}
