import XCTest
import Foundation
import FinchDistributed
import FinchTestSupport
@testable import FinchAlgorithms
import FinchEval
@testable import FinchTrain

/// RL roles under real `mpirun` jobs started from inside `swift test`: the outer tests launch
/// `RLOnRanks` as the ranks of a job and read what rank 0 wrote (metrics, checkpoints).
final class DistributedRLTests: XCTestCase {
    private var fixture: RLFixture!

    override func setUpWithError() throws { fixture = try RLFixture() }
    override func tearDownWithError() throws { fixture.remove() }

    private func runRanks(_ method: String, ranks: Int, _ env: [String: String]) throws -> MPIJobResult {
        try MPITestHarness.runInnerTests([MPITestHarness.testName(RLOnRanks.self, method)], processCount: ranks,
                                         environment: env.merging(["FINCH_TEST_DIR": fixture.dir.path]) { a, _ in a })
    }

    private func assertSucceeded(_ r: MPIJobResult, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(r.succeeded, "\(what): mpirun exited \(r.exitCode):\n\(r.output)", file: file, line: line)
    }

    /// step → (reward, staleness) from a run's metrics file (a later line for a step wins).
    private func steps(run: String) throws -> [Int: (reward: Double, staleness: Int)] {
        let text = try String(contentsOf: fixture.path(run).appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        var out: [Int: (Double, Int)] = [:]
        for line in text.split(separator: "\n") where line.contains("\"kind\":\"rl\"") {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            out[(obj["step"] as! NSNumber).intValue] = ((obj["reward"] as! NSNumber).doubleValue,
                                                        (obj["staleness"] as! NSNumber).intValue)
        }
        return out
    }

    private func meanReward(_ s: [Int: (reward: Double, staleness: Int)], _ range: ClosedRange<Int>) -> Double {
        range.reduce(0) { $0 + s[$1]!.reward } / Double(range.count)
    }

    /// 1 learner + 2 rollout workers: GRPO raises the reward, every answer within the bound.
    func testOneLearnerTwoRolloutWorkersImproveTheReward() throws {
        assertSucceeded(try runRanks("testRun", ranks: 3, ["FINCH_TEST_RUN": "split", "FINCH_TEST_STEPS": "24",
                                                           "FINCH_TEST_DIST": "learners: 1, rollout_workers: 2"]), "np 3")
        let s = try steps(run: "split")
        XCTAssertEqual(s.keys.sorted(), Array(1...24))
        XCTAssertEqual(s.values.map(\.staleness).max(), 0, "sync mode trains only on the current version")
        print("1 learner + 2 workers: mean reward steps 1-4 \(meanReward(s, 1...4)), steps 21-24 \(meanReward(s, 21...24))")
        XCTAssertGreaterThan(meanReward(s, 21...24), meanReward(s, 1...4) + 0.3)
    }

    /// GRPO with `model.lora` on 1 learner + 1 rollout worker: only the adapters travel, and the
    /// worker generates with them — its run gives, step for step, the rewards of the same run in one
    /// process (a worker still on the start adapters would diverge from step 2 on).
    func testLoRAAdaptersAloneReachTheRolloutWorker() throws {
        try RLTrainer(config: try fixture.config(steps: 6, run: "base", every: 6), world: nil, task: DigitsTask(), log: { _ in }).run()
        let lora = ["model.init=\(fixture.path("base/step-00000006").path)", "model.config=null", "model.lora.r=4",
                    "model.lora.target_modules=all-linear", "train.lr=3e-2", "train.min_lr=3e-2"]
        try RLTrainer(config: try fixture.config(steps: 5, run: "alone", overrides: lora), world: nil, task: DigitsTask(), log: { _ in }).run()
        let result = try runRanks("testRun", ranks: 2, ["FINCH_TEST_RUN": "split-lora", "FINCH_TEST_STEPS": "5",
                                                        "FINCH_TEST_DIST": "learners: 1, rollout_workers: 1",
                                                        "FINCH_TEST_SET": lora.joined(separator: " ")])
        assertSucceeded(result, "np 2 lora")
        XCTAssertTrue(result.output.contains("MB per sync (the LoRA adapters only)"), result.output)
        let alone = try steps(run: "alone"), split = try steps(run: "split-lora")
        print("lora grpo rewards, one process \((1...5).map { alone[$0]!.reward }), learner + worker \((1...5).map { split[$0]!.reward })")
        XCTAssertEqual((1...5).map { split[$0]!.reward }, (1...5).map { alone[$0]!.reward })
        XCTAssertNotEqual(Set((1...5).map { alone[$0]!.reward }).count, 1, "the adapters should change what is generated")
    }

    /// Async mode over MPI: every batch after the first was made one version behind the learner.
    func testAsyncRolloutWorkersStayWithinTheBound() throws {
        assertSucceeded(try runRanks("testRun", ranks: 3, ["FINCH_TEST_RUN": "async", "FINCH_TEST_STEPS": "8",
                                                           "FINCH_TEST_DIST": "learners: 1, rollout_workers: 2",
                                                           "FINCH_TEST_RL": "mode: async"]), "np 3 async")
        let s = try steps(run: "async")
        XCTAssertEqual((1...8).map { s[$0]!.staleness }, [0, 1, 1, 1, 1, 1, 1, 1])
    }

    /// Two learners sharing one rollout worker, and two colocated learners: the batch reaches
    /// both learners and their gradients are summed; both learn.
    func testTwoLearners() throws {
        assertSucceeded(try runRanks("testRun", ranks: 3, ["FINCH_TEST_RUN": "two", "FINCH_TEST_STEPS": "20",
                                                           "FINCH_TEST_DIST": "learners: 2, rollout_workers: 1"]), "2+1")
        assertSucceeded(try runRanks("testRun", ranks: 2, ["FINCH_TEST_RUN": "colocated", "FINCH_TEST_STEPS": "20"]), "colocated")
        for run in ["two", "colocated"] {
            let s = try steps(run: run)
            XCTAssertGreaterThan(meanReward(s, 17...20), meanReward(s, 1...4) + 0.2, run)
        }
    }

    /// PPO on two colocated learners with a 3-step critic warm-up: the learners agree on which
    /// steps update the policy (a disagreement would hang the gradient all-reduce), the policy
    /// saved at step 3 is still the initial one while the value head has learned, and the reward
    /// rises once the policy trains.
    func testPPOWithCriticWarmupOnTwoLearners() throws {
        let ppo = "rl.algorithm=ppo rl.group_size=4 rl.prompts_per_step=8 rl.critic_warmup=3 rl.vf_coef=0.5"
        assertSucceeded(try runRanks("testRun", ranks: 2, ["FINCH_TEST_RUN": "ppo", "FINCH_TEST_STEPS": "30",
                                                           "FINCH_TEST_EVERY": "3", "FINCH_TEST_SET": ppo]), "ppo np 2")
        let s = try steps(run: "ppo")
        print("PPO, 2 learners: mean reward steps 1-5 \(meanReward(s, 1...5)), steps 26-30 \(meanReward(s, 26...30))")
        XCTAssertGreaterThan(meanReward(s, 26...30), meanReward(s, 1...5) + 0.3)
        let initial = try RLTrainer(config: try fixture.config(steps: 30, run: "ppo-initial",
                                                               overrides: ppo.split(separator: " ").map(String.init)),
                                    world: nil, task: DigitsTask(), log: { _ in })
        let wte = initial.model.namedTensors(initial.model.params).first { $0.name == "wte.weight" }!
        let warm = try LoadedCheckpoint<RLTrainerState>(directory: fixture.path("ppo").appendingPathComponent("step-00000003"))
        XCTAssertEqual(try warm.model.floats("wte.weight"), Array(wte.data), "the policy moved during the warm-up")
        XCTAssertGreaterThan(try warm.model.floats("v_head.summary.weight").map(abs).max()!, 0, "the value head did not learn")
    }

    /// Stopped at step 3 and resumed under mpirun: the same run as an uninterrupted job.
    func testResumeUnderMPIContinuesTheSameRun() throws {
        let env = ["FINCH_TEST_STEPS": "6", "FINCH_TEST_DIST": "learners: 1, rollout_workers: 2", "FINCH_TEST_EVERY": "3"]
        assertSucceeded(try runRanks("testRun", ranks: 3, env.merging(["FINCH_TEST_RUN": "whole"]) { a, _ in a }), "whole")
        assertSucceeded(try runRanks("testRun", ranks: 3, env.merging(["FINCH_TEST_RUN": "resumed", "FINCH_TEST_STOP": "3"]) { a, _ in a }), "first half")
        assertSucceeded(try runRanks("testRun", ranks: 3, env.merging(["FINCH_TEST_RUN": "resumed", "FINCH_TEST_RESUME": "auto"]) { a, _ in a }), "second half")
        let whole = try steps(run: "whole"), resumed = try steps(run: "resumed")
        XCTAssertEqual((1...6).map { resumed[$0]!.reward }, (1...6).map { whole[$0]!.reward })
        let a = try LoadedCheckpoint<RLTrainerState>(directory: fixture.path("whole").appendingPathComponent("step-00000006"))
        let b = try LoadedCheckpoint<RLTrainerState>(directory: fixture.path("resumed").appendingPathComponent("step-00000006"))
        XCTAssertEqual(a.state.policyVersion, 6)
        XCTAssertEqual(b.state.promptCursor, 24)
        XCTAssertEqual(try a.model.floats("wte.weight"), try b.model.floats("wte.weight"))
    }

    /// A rollout worker killed mid-run ends the job quickly and non-zero; the last checkpoint stays whole.
    func testKilledRolloutWorkerEndsTheJobAndKeepsTheLastCheckpoint() throws {
        let r = try runRanks("testRun", ranks: 3, ["FINCH_TEST_RUN": "killed", "FINCH_TEST_STEPS": "12", "FINCH_TEST_EVERY": "2",
                                                   "FINCH_TEST_DIST": "learners: 1, rollout_workers: 2",
                                                   "FINCH_TEST_KILL_BATCH": "4"])
        XCTAssertFalse(r.succeeded, "the job must fail when a rollout worker dies:\n\(r.output)")
        XCTAssertFalse(r.timedOut, "the job must end by itself, not at the timeout")
        let point = try CheckpointStore(root: fixture.path("killed"), keepLast: 0).resolve(resume: "auto")
        XCTAssertEqual(point.checkpoint?.lastPathComponent, "step-00000004")
        XCTAssertNoThrow(try CheckpointStore.verify(checkpoint: XCTUnwrap(point.checkpoint)))
    }

    /// A rollout worker that stops (SIGSTOP) without dying: its connections stay open, so only
    /// the watchdog (`distributed.timeout_s`, 3 s here) ends the job, naming the worker and what
    /// the learner waits for.
    func testStoppedRolloutWorkerIsNamedByTheWatchdog() throws {
        let r = try runRanks("testRun", ranks: 2, ["FINCH_TEST_RUN": "stopped", "FINCH_TEST_STEPS": "40",
                                                   "FINCH_TEST_DIST": "learners: 1, rollout_workers: 1, timeout_s: 3",
                                                   "FINCH_TEST_STOP_BATCH": "3"])
        print("stopped rollout worker: exit \(r.exitCode) after \(String(format: "%.1f", r.elapsedSeconds)) s")
        XCTAssertFalse(r.succeeded)
        XCTAssertFalse(r.timedOut, "the watchdog, not the test's deadline, must end the job:\n\(r.output)")
        XCTAssertTrue(r.output.contains("watchdog on rank 0: no heartbeat for over 3 s from rank 1"), r.output)
        // The learner waits in the exchange with the worker: for its trajectories, or to hand it
        // the next order and weights (a broadcast the stopped worker never joins).
        XCTAssertTrue(r.output.contains("; this rank is in step ") && r.output.contains("the rollout workers"), r.output)
    }
}

/// The ranks' side of `DistributedRLTests`; each method does nothing outside an mpirun job.
final class RLOnRanks: XCTestCase {
    private var env: [String: String] { ProcessInfo.processInfo.environment }

    func testRun() {
        MPITestHarness.onEveryRank { comm in
            let fixture = RLFixture(existing: URL(fileURLWithPath: self.env["FINCH_TEST_DIR"]!))
            let config = try fixture.config(steps: Int(self.env["FINCH_TEST_STEPS"]!)!, run: self.env["FINCH_TEST_RUN"]!,
                                            every: Int(self.env["FINCH_TEST_EVERY"] ?? "0")!, rl: self.env["FINCH_TEST_RL"] ?? "",
                                            distributed: self.env["FINCH_TEST_DIST"] ?? "",
                                            overrides: (self.env["FINCH_TEST_SET"] ?? "").split(separator: " ").map(String.init))
            // As `finch rl` does: every drill here also runs under the watchdog (default 60 s).
            try TrainingWorld(comm: comm).startWatchdog(timeoutSeconds: config.distributed.timeoutSeconds)
            let trainer = try RLTrainer(config: config, world: comm, resume: self.env["FINCH_TEST_RESUME"], task: DigitsTask(),
                                        log: { print($0) })
            if let kill = self.env["FINCH_TEST_KILL_BATCH"].flatMap(Int.init) {
                trainer.afterRollout = { batch in
                    if batch == kill && comm.rank == comm.size - 1 { Glibc.kill(getpid(), SIGKILL) }
                }
            }
            if let stop = self.env["FINCH_TEST_STOP_BATCH"].flatMap(Int.init) {
                trainer.afterRollout = { batch in
                    if batch == stop && comm.rank == comm.size - 1 { raise(SIGSTOP) }
                }
            }
            try trainer.run(stopAfter: self.env["FINCH_TEST_STOP"].flatMap(Int.init))
        }
    }
}
