import XCTest
import FinchData
import FinchTasks
@testable import FinchAlgorithms
@testable import FinchTrain

/// `rl.reward_model`: rollouts are rewarded with the reward model's normalised score of prompt,
/// answer and `<|eos|>`, and the task's own score travels beside it to the log.
final class RewardModelRewardTests: XCTestCase {
    func testRLRewardsAreTheRewardModelsScoresAndTheTaskScoreIsLogged() throws {
        let prefs = try PreferenceFixture()
        defer { prefs.remove() }
        try prefs.writeStylePreferences("style.jsonl", count: 32, seed: 1)
        let rmTrainer = try RewardModelTrainer(config: prefs.config(RMSection.self, steps: 2, run: "rm", trainFile: "style.jsonl",
                                                                    eval: "style.jsonl"), log: { _ in })
        try rmTrainer.run()
        let rmDir = prefs.path("rm/step-00000002")

        let rl = try RLFixture()
        defer { rl.remove() }
        let config = try rl.config(steps: 2, run: "rl", rl: "reward_model: \(rmDir.path)")
        let trainer = try RLTrainer(config: config, world: nil, task: DigitsTask(), log: { _ in })
        try trainer.run()
        XCTAssertEqual(trainer.history.count, 2)
        for record in trainer.history { XCTAssertNotNil(record.meanTaskReward, "step \(record.step) logs no task reward") }
        let metrics = try String(contentsOf: rl.path("rl/metrics.jsonl"), encoding: .utf8)
        XCTAssertTrue(metrics.contains("\"task_reward\":"), "metrics.jsonl has no task_reward")

        // The reward source scores exactly what the reward model scores, and reports the task's reward.
        let policy = try LoadedPolicy(section: config.model)
        let source = try RewardModelReward(directory: rmDir, task: DigitsTask(), template: try ChatTemplate(tokenizer: policy.tokenizer), batchSize: 2)
        let problem = try DigitsTask().split(count: 1, evalCount: 0, seed: 5).train[0]
        let instance = DigitsTask().instance(of: problem)
        let prompt = try ChatTemplate(tokenizer: policy.tokenizer).promptTokens(for: instance.prompt)
        let answers = ["12", "abc", ""].map { ScoredAnswer(problem: instance, promptTokens: prompt,
                                                           completion: policy.tokenizer.encode($0), text: $0) }
        let scored = try source.score(answers)
        let direct = try RewardModel(directory: rmDir).scores(answers.map { prompt + $0.completion + [policy.tokenizer.eosID] })
        for (i, answer) in answers.enumerated() {
            XCTAssertEqual(scored[i].verdict.reward, direct[i], accuracy: 1e-6, answer.text)
            XCTAssertEqual(scored[i].taskReward, DigitsTask().score(problem, completion: answer.text).reward, answer.text)
        }
    }
}
