import FinchDistributed
import Foundation
import XCTest

/// Runs XCTest methods as the ranks of an MPI job from inside `swift test`.
///
/// An *outer* test, running in the ordinary `swift test` process, starts
/// `mpirun -np N <this test bundle> Module.Class,Module.Class/testMethod,...`
/// with `FINCH_MPI_INNER=1` set. Each rank then runs only the named *inner*
/// tests (XCTest on Linux takes one comma-separated argument of such names).
/// Inner tests wrap their body in `onEveryRank`, which does nothing unless that
/// variable is set, so in the plain `swift test` run they pass as no-ops
/// instead of being reported as skipped.
///
/// It lives in its own small library target so every test target that needs
/// several ranks (communicator, trainer, RL roles) shares one copy.
public enum MPITestHarness {
    public static let innerRunVariable = "FINCH_MPI_INNER"

    /// Whether this process is a rank started by `runInnerTests`.
    public static var isInnerRun: Bool { ProcessInfo.processInfo.environment[innerRunVariable] == "1" }

    /// The test bundle executable of this process. On Linux `swift test` runs
    /// `.build/<triple>/debug/<Package>PackageTests.xctest` directly, so that is
    /// the program whose tests each rank should run.
    public static var testBundleExecutable: String {
        Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    /// The XCTest name of a whole test class, e.g. `FinchDistributedTests.CollectivesOnRanks`.
    public static func testName(_ testClass: XCTestCase.Type) -> String {
        String(reflecting: testClass)
    }

    /// The XCTest name of one test method, e.g. `FinchDistributedTests.RankFailureDrills/testAbort`.
    public static func testName(_ testClass: XCTestCase.Type, _ method: String) -> String {
        "\(String(reflecting: testClass))/\(method)"
    }

    /// Runs the named tests of this bundle as the ranks of one `mpirun` job.
    public static func runInnerTests(_ names: [String], processCount: Int, timeoutSeconds: Int = 120,
                              environment: [String: String] = [:]) throws -> MPIJobResult {
        let job = MPIJob(processCount: processCount, timeoutSeconds: timeoutSeconds)
        return try job.run(executable: testBundleExecutable, arguments: [names.joined(separator: ",")],
                           environment: environment.merging([innerRunVariable: "1"]) { _, harness in harness })
    }

    /// Asserts that the named tests pass on every rank; on failure the whole
    /// job output, every rank's XCTest report included, becomes the message.
    public static func assertInnerTestsPass(_ names: [String], processCount: Int,
                                     file: StaticString = #filePath, line: UInt = #line) {
        do {
            let result = try runInnerTests(names, processCount: processCount)
            XCTAssertTrue(result.succeeded,
                          "mpirun -np \(processCount) exited \(result.exitCode) after \(Int(result.elapsedSeconds)) s"
                              + (result.timedOut ? " (timed out)" : "") + ":\n\(result.output)",
                          file: file, line: line)
        } catch {
            XCTFail("could not run mpirun -np \(processCount): \(error)", file: file, line: line)
        }
    }

    /// Runs `body` with the world communicator when this process is a rank of
    /// an inner run, and returns at once otherwise.
    ///
    /// An error thrown by `body` aborts the whole job: the peers of the failed
    /// rank may be waiting in a collective it will never join, and aborting
    /// ends the job in a second instead of at the timeout.
    public static func onEveryRank(file: StaticString = #filePath, line: UInt = #line,
                            _ body: (Communicator) throws -> Void) {
        guard isInnerRun else { return }
        let world: Communicator
        do {
            world = try Communicator.world()
        } catch {
            XCTFail("cannot join the MPI job: \(error)", file: file, line: line)
            return
        }
        do {
            try body(world)
        } catch {
            world.abort(code: 1, message: "\(file):\(line): \(error)")
        }
    }
}
