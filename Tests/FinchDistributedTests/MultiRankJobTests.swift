import FinchDistributed
import FinchTestSupport
import XCTest

/// Outer tests: start the inner test classes as real multi-process MPI jobs
/// and check how the jobs end. Each skips inside a rank of such a job, so a
/// bundle run whole under `mpirun` cannot launch jobs recursively.
final class MultiRankJobTests: XCTestCase {
    private static let innerTests = [CollectivesOnRanks.self, PointToPointOnRanks.self,
                                     GradientSyncOnRanks.self, SplitOnRanks.self].map(MPITestHarness.testName)

    func testInnerTestsPassOnTwoRanks() throws {
        try XCTSkipIf(MPITestHarness.isInnerRun, "already a rank of an MPI job")
        MPITestHarness.assertInnerTestsPass(Self.innerTests, processCount: 2)
    }

    func testInnerTestsPassOnThreeOversubscribedRanks() throws {
        try XCTSkipIf(MPITestHarness.isInnerRun, "already a rank of an MPI job")
        MPITestHarness.assertInnerTestsPass(Self.innerTests, processCount: 3)
    }

    /// A rank killed by SIGKILL while its peer waits in an all-reduce: `mpirun`
    /// notices the death and kills the peer, so the job fails fast instead of hanging.
    func testKilledRankMakesJobFailWithinSeconds() throws {
        try XCTSkipIf(MPITestHarness.isInnerRun, "already a rank of an MPI job")
        let result = try runDrill("testRankKilledDuringAllReduce")
        XCTAssertNotEqual(result.exitCode, 0, result.output)
        XCTAssertFalse(result.timedOut, result.output)
        XCTAssertLessThan(result.elapsedSeconds, 20, result.output)
        XCTAssertTrue(result.output.contains("exited on signal 9"), result.output)
    }

    /// `abort(code:message:)` on one rank ends the job with that code and its message.
    func testAbortingRankEndsJobWithItsCode() throws {
        try XCTSkipIf(MPITestHarness.isInnerRun, "already a rank of an MPI job")
        let result = try runDrill("testAbortWhilePeersWait")
        XCTAssertEqual(result.exitCode, 3, result.output)
        XCTAssertLessThan(result.elapsedSeconds, 20, result.output)
        XCTAssertTrue(result.output.contains("finch: rank 1 aborting the job (code 3): drill: rank 1 gives up"), result.output)
    }

    private func runDrill(_ method: String) throws -> MPIJobResult {
        try MPITestHarness.runInnerTests([MPITestHarness.testName(RankFailureDrills.self, method)], processCount: 2,
                                         timeoutSeconds: 20, environment: [RankFailureDrills.drillVariable: "1"])
    }
}
