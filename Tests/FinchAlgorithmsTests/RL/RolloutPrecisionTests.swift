import XCTest
import FinchKernels
import FinchModel
@testable import FinchAlgorithms
@testable import FinchTrain

/// With BF16 rollouts the learner does not trust the sampled log-probs: it recomputes log π_old
/// with its FP32 pass, so the first update's ratios are exactly 1. Shown with log-probs that are
/// deliberately wrong: trusted (FP32 rollouts), every positively advantaged token is clipped.
final class RolloutPrecisionTests: XCTestCase {
    private func clippedTokens(rolloutPrecision: DecodePrecision, epochs: Int = 1) throws -> (clipped: Double, tokens: Double) {
        var section = RLSection()
        (section.algorithm, section.task, section.groupSize, section.rolloutPrecision) = (.grpo, "digits", 4, rolloutPrecision)
        section.epochs = epochs
        let config = ModelConfig(family: .gpt2, vocabSize: 262, hiddenSize: 32, numLayers: 2, numHeads: 2, maxPositions: 32)
        let model = try Transformer(config: config, seed: 1)
        let update = PolicyUpdate(section: section, model: model, valueHead: nil, reference: nil,
                                  optimizer: AdamW(model: model, config: AdamWConfig()), headOptimizer: nil,
                                  world: .single(), gradClip: 1, padID: 258)
        let batch = [1.0, 0, 0, 1].enumerated().map { i, reward in
            Trajectory(prompt: 0, sample: i, promptTokens: [256, 50, 51], completion: [52, 53, 54, Int32(55 + i)],
                       logprobs: [-30, -30, -30, -30], reward: reward, correct: reward > 0, formatOK: true,
                       finish: .length, version: 0)
        }
        let sums = try update.update(batch: batch, beta: 0, lr: 1e-6).sums
        return (sums.clipped, sums.tokens)
    }

    func testBF16RolloutsAreReweightedWithTheLearnersFP32LogProbs() throws {
        let trusted = try clippedTokens(rolloutPrecision: .fp32)
        let recomputed = try clippedTokens(rolloutPrecision: .bf16)
        XCTAssertEqual(trusted.tokens, 16)
        XCTAssertEqual(trusted.clipped, 8, "ratios e^(log π + 30) clip every token of the two rewarded answers")
        XCTAssertEqual(recomputed.clipped, 0, "log π_old from the update's own pass makes every ratio exactly 1")
        // With two passes over the answers, log π_old comes from a pass of its own before the first.
        let twice = try clippedTokens(rolloutPrecision: .fp32, epochs: 2), recomputedTwice = try clippedTokens(rolloutPrecision: .bf16, epochs: 2)
        XCTAssertEqual(twice.clipped, 16)
        XCTAssertEqual(recomputedTwice.clipped, 0, "a tiny first update (lr 1e-6) moves no ratio past the clip")
    }

    func testBF16RolloutsNeedSyncMode() throws {
        let fixture = try RLFixture()
        defer { fixture.remove() }
        XCTAssertThrowsError(try RLTrainer(config: try fixture.config(steps: 1, run: "x", rl: "rollout_precision: bf16, mode: async"),
                                           world: nil, task: DigitsTask())) {
            XCTAssertTrue("\($0)".contains("rl.rollout_precision"), "\($0)")
        }
    }

    /// A short GRPO run with BF16 rollouts still learns the digits task.
    func testGRPOWithBF16RolloutsLearns() throws {
        let fixture = try RLFixture()
        defer { fixture.remove() }
        let trainer = try RLTrainer(config: try fixture.config(steps: 12, run: "bf16", rl: "rollout_precision: bf16"), world: nil,
                                    task: DigitsTask(), log: { _ in })
        try trainer.run()
        let rewards = trainer.history.map(\.meanReward)
        print("GRPO with BF16 rollouts, mean reward per step: \(rewards.map { String(format: "%.2f", $0) })")
        XCTAssertGreaterThan(rewards.suffix(3).reduce(0, +) / 3, rewards.prefix(3).reduce(0, +) / 3 + 0.1)
    }
}
