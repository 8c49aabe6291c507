import XCTest
import FinchData
@testable import FinchAlgorithms
import FinchEval
@testable import FinchTrain

/// RL in one process (colocated roles): what GRPO and PPO learn on the toy digits task.
final class RLTrainerTests: XCTestCase {
    private var fixture: RLFixture!

    override func setUpWithError() throws { fixture = try RLFixture() }
    override func tearDownWithError() throws { fixture.remove() }

    private func run(_ config: RLRunConfig) throws -> RLTrainer {
        let trainer = try RLTrainer(config: config, world: nil, task: DigitsTask(), log: { print($0) })
        try trainer.run()
        return trainer
    }

    /// `config` run up to `step` (`--stop-after`), then a trainer that resumes it with
    /// `--resume auto`, not yet run: the halves of what should be one uninterrupted run.
    private func stopped(_ config: RLRunConfig, at step: Int) throws -> (first: RLTrainer, resumed: RLTrainer) {
        let first = try RLTrainer(config: config, world: nil, task: DigitsTask(), log: { _ in })
        try first.run(stopAfter: step)
        return (first, try RLTrainer(config: config, world: nil, resume: "auto", task: DigitsTask(), log: { _ in }))
    }

    private func meanReward(_ records: ArraySlice<RLStepRecord>) -> Double {
        records.reduce(0) { $0 + $1.meanReward } / Double(records.count)
    }

    func testGRPOLearnsToWriteDigits() throws {
        let trainer = try run(try fixture.config(steps: 30, run: "grpo"))
        let first = meanReward(trainer.history.prefix(5)), last = meanReward(trainer.history.suffix(5))
        print("GRPO digits: mean reward of steps 1-5 \(first), of steps 26-30 \(last)")
        XCTAssertGreaterThan(last, first + 0.3)
    }

    func testPPOWithValueHeadAndAdaptiveKLLearnsToWriteDigits() throws {
        let config = try fixture.config(steps: 30, run: "ppo", rl: "kl_coef: 0.02, kl_target: 1.0, kl_horizon: 100, vf_coef: 0.5",
                                        overrides: ["rl.algorithm=ppo", "rl.group_size=4", "rl.prompts_per_step=8"])
        let trainer = try run(config)
        let first = meanReward(trainer.history.prefix(5)), last = meanReward(trainer.history.suffix(5))
        print("PPO digits: mean reward of steps 1-5 \(first), of steps 26-30 \(last); β \(trainer.history.first!.beta) → \(trainer.history.last!.beta)")
        XCTAssertGreaterThan(last, first + 0.3)
        // The policy moves away from the reference, so the controller must have changed β.
        XCTAssertNotEqual(trainer.history.last!.beta, 0.02)
        XCTAssertGreaterThan(trainer.history.last!.kl, 0)
    }

    /// Async mode trains on answers made one version earlier, and says so.
    func testAsyncModeTrainsOnAnswersOneVersionOld() throws {
        let trainer = try run(try fixture.config(steps: 20, run: "async", rl: "mode: async"))
        XCTAssertEqual(trainer.history.map(\.staleness), [0] + Array(repeating: 1, count: 19))
        XCTAssertGreaterThan(trainer.history.suffix(3).map(\.clipFraction).max()!, 0, "old answers must move the ratio")
        XCTAssertGreaterThan(meanReward(trainer.history.suffix(5)), meanReward(trainer.history.prefix(5)) + 0.3)
    }

    /// Stopped after step 3 and resumed: the same answers and updates as one uninterrupted run.
    func testResumedRunRepeatsTheUninterruptedOne() throws {
        let whole = try run(try fixture.config(steps: 6, run: "whole", rl: "kl_coef: 0.1, kl_target: 0.5, kl_horizon: 50"))
        let config = try fixture.config(steps: 6, run: "split", every: 3, rl: "kl_coef: 0.1, kl_target: 0.5, kl_horizon: 50")
        let (first, second) = try stopped(config, at: 3)
        XCTAssertEqual(second.state?.step, 3)
        XCTAssertEqual(second.state?.promptCursor, 12)
        XCTAssertEqual(second.state?.policyVersion, 3)
        try second.run()
        let resumed = first.history + second.history
        XCTAssertEqual(resumed.map(\.meanReward), whole.history.map(\.meanReward))
        XCTAssertEqual(resumed.map(\.beta), whole.history.map(\.beta))
        XCTAssertEqual(second.model.params.array, whole.model.params.array)
    }

    /// Async mode stopped after step 3 and resumed: the batch in flight at the checkpoint is
    /// sampled again from the weights that sampled it first (kept in the checkpoint), so the
    /// resumed run trains on answers one version old, like the uninterrupted one, bit for bit.
    func testAsyncResumeRepeatsTheUninterruptedRun() throws {
        let whole = try run(try fixture.config(steps: 6, run: "async-whole", rl: "mode: async"))
        let config = try fixture.config(steps: 6, run: "async-split", every: 3, rl: "mode: async")
        let (first, second) = try stopped(config, at: 3)
        try second.run()
        let resumed = first.history + second.history
        XCTAssertEqual(resumed.map(\.staleness), whole.history.map(\.staleness))
        XCTAssertEqual(resumed.map(\.policyLoss), whole.history.map(\.policyLoss))
        XCTAssertEqual(resumed.map(\.gradNorm), whole.history.map(\.gradNorm))
        XCTAssertTrue(second.model.params.array == whole.model.params.array, "the final weights differ")
    }

    /// During PPO's critic warm-up the policy stays exactly the initial one while the value
    /// head learns; after it both learn, and a resume past the warm-up repeats the whole run
    /// (the head's optimiser has taken more steps than the policy's).
    func testCriticWarmupTrainsOnlyTheValueHeadThenResumes() throws {
        let ppo = ["rl.algorithm=ppo", "rl.group_size=4", "rl.prompts_per_step=8", "rl.critic_warmup=2"]
        let warm = try RLTrainer(config: try fixture.config(steps: 2, run: "warm", overrides: ppo), world: nil,
                                 task: DigitsTask(), log: { _ in })
        let initial = warm.model.params.array
        try warm.run()
        XCTAssertEqual(warm.model.params.array, initial, "the policy must not move during the warm-up")
        XCTAssertGreaterThan(warm.valueHead!.params.array.map(abs).max()!, 0, "the value head must learn")
        XCTAssertEqual(warm.state?.optimizerStep, 0)

        let whole = try run(try fixture.config(steps: 4, run: "whole", overrides: ppo))
        XCTAssertNotEqual(whole.model.params.array, initial, "the policy learns after the warm-up")
        let config = try fixture.config(steps: 4, run: "split", every: 3, overrides: ppo)
        let (first, second) = try stopped(config, at: 3)
        try second.run()
        XCTAssertEqual((first.history + second.history).map(\.meanReward), whole.history.map(\.meanReward))
        XCTAssertEqual(second.model.params.array, whole.model.params.array)
        XCTAssertEqual(second.valueHead!.params.array, whole.valueHead!.params.array)
    }

    func testConfigErrorsNameTheKey() throws {
        XCTAssertThrowsError(try fixture.config(steps: 1, run: "x", rl: "algoritm: ppo")) {
            XCTAssertTrue("\($0)".contains("rl.algoritm"), "\($0)")
        }
        XCTAssertThrowsError(try fixture.config(steps: 1, run: "x", rl: "mode: eventually")) {
            XCTAssertTrue("\($0)".contains("rl.mode") && "\($0)".contains("sync, async"), "\($0)")
        }
        XCTAssertThrowsError(try RLTrainer(config: try fixture.config(steps: 1, run: "x", overrides: ["rl.group_size=1"]), world: nil,
                                           task: DigitsTask())) {
            XCTAssertTrue("\($0)".contains("rl.group_size"), "\($0)")
        }
        XCTAssertThrowsError(try RLTrainer(config: try fixture.config(steps: 1, run: "x", distributed: "rollout_workers: 1"),
                                           world: nil, task: DigitsTask())) {
            XCTAssertTrue("\($0)".contains("distributed"), "\($0)")
        }
        XCTAssertThrowsError(try RLTrainer(config: try fixture.config(steps: 1, run: "x", rl: "critic_warmup: 2"), world: nil,
                                           task: DigitsTask())) {
            XCTAssertTrue("\($0)".contains("rl.critic_warmup"), "\($0)")
        }
    }
}
