import XCTest
import Foundation
import FinchDistributed
import FinchTestSupport
@testable import FinchAlgorithms
@testable import FinchTrain

/// `finch dpo` and `finch rm` under real `mpirun` jobs: two ranks sharing each batch train as one
/// rank with the whole batch, and a run saved on two ranks resumes on one.
final class DataParallelPreferenceTests: XCTestCase {
    private var fixture: PreferenceFixture!

    override func setUpWithError() throws { fixture = try PreferenceFixture() }
    override func tearDownWithError() throws { fixture.remove() }

    private func runRanks(_ algorithm: String, run: String, ranks: Int, stop: Int, resume: Bool = false) throws {
        var env = ["FINCH_TEST_DIR": fixture.dir.path, "FINCH_TEST_ALGORITHM": algorithm, "FINCH_TEST_RUN": run,
                   "FINCH_TEST_STOP": String(stop)]
        if resume { env["FINCH_TEST_RESUME"] = "auto" }
        let r = try MPITestHarness.runInnerTests([MPITestHarness.testName(PreferenceOnRanks.self, "testTrain")],
                                                 processCount: ranks, environment: env)
        XCTAssertTrue(r.succeeded, "\(algorithm) on \(ranks) ranks: mpirun exited \(r.exitCode):\n\(r.output)")
    }

    /// step → loss from a run's metrics file (a later line for the same step wins).
    private func losses(run: String) throws -> [Int: Double] {
        let text = try String(contentsOf: fixture.path(run).appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        var out: [Int: Double] = [:]
        for line in text.split(separator: "\n") where line.contains("\"kind\":\"train\"") {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            out[(obj["step"] as! NSNumber).intValue] = (obj["loss"] as! NSNumber).doubleValue
        }
        return out
    }

    private func check(_ algorithm: String, reference: [Int: Double]) throws {
        try runRanks(algorithm, run: "\(algorithm)-dp", ranks: 2, stop: 6)
        try runRanks(algorithm, run: "\(algorithm)-elastic", ranks: 2, stop: 3)
        try runRanks(algorithm, run: "\(algorithm)-elastic", ranks: 1, stop: 6, resume: true)
        for run in ["\(algorithm)-dp", "\(algorithm)-elastic"] {
            let ranks = try losses(run: run)
            let worst = (1...6).map { abs((ranks[$0] ?? .nan) - reference[$0]!) / abs(reference[$0]!) }.max()!
            print("\(run): max relative loss difference vs one process: \(worst)")
            XCTAssertLessThan(worst, 1e-4, run)
        }
    }

    func testDPOOnTwoRanksTrainsLikeOneAndResumesOnOne() throws {
        let trainer = try DPOTrainer(config: fixture.config(DPOSection.self, steps: 6, run: "dpo-reference"), log: { _ in })
        try trainer.run()
        try check("dpo", reference: trainer.losses)
    }

    func testRewardModelOnTwoRanksTrainsLikeOneAndResumesOnOne() throws {
        let trainer = try RewardModelTrainer(config: fixture.config(RMSection.self, steps: 6, run: "rm-reference"), log: { _ in })
        try trainer.run()
        try check("rm", reference: trainer.losses)
    }
}

/// The ranks' side of `DataParallelPreferenceTests`; does nothing outside an mpirun job.
final class PreferenceOnRanks: XCTestCase {
    func testTrain() {
        let env = ProcessInfo.processInfo.environment
        MPITestHarness.onEveryRank { comm in
            let fixture = PreferenceFixture(existing: URL(fileURLWithPath: env["FINCH_TEST_DIR"]!))
            let world = try TrainingWorld(comm: comm, bucketBytes: 4096)
            let run = env["FINCH_TEST_RUN"]!, stop = Int(env["FINCH_TEST_STOP"]!)!, resume = env["FINCH_TEST_RESUME"]
            if env["FINCH_TEST_ALGORITHM"] == "dpo" {
                let config = try fixture.config(DPOSection.self, steps: 6, run: run, every: 3)
                try DPOTrainer(config: config, world: world, resume: resume, log: { _ in }).run(stopAfter: stop)
            } else {
                let config = try fixture.config(RMSection.self, steps: 6, run: run, every: 3)
                try RewardModelTrainer(config: config, world: world, resume: resume, log: { _ in }).run(stopAfter: stop)
            }
        }
    }
}
