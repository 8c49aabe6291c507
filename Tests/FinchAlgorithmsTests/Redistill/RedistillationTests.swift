import XCTest
import FinchData
import FinchEval
import FinchModel
import FinchTasks
@testable import FinchAlgorithms
@testable import FinchTrain

/// Re-distillation (arXiv 2505.17988): one correct sample of a policy per prompt, then SFT of a
/// base on them.
final class RedistillationTests: XCTestCase {
    /// The coin task: an answer is right when its first byte is even (`DigitsTask.firstByteEven`).
    private let task = DigitsTask(firstByteEven: true)

    private func problems(_ count: Int) throws -> [TaskInstance] {
        try task.split(count: 0, evalCount: count, seed: 6).eval.map(task.instance(of:))
    }

    private func policy() throws -> Transformer {
        try Transformer(config: ModelConfig(family: .gpt2, vocabSize: 262, hiddenSize: 32, numLayers: 2, numHeads: 2,
                                            maxPositions: 48), seed: 7)
    }

    func testKeepsOneCorrectSamplePerPromptAndSlicesAddUp() throws {
        let model = try policy(), problems = try problems(24)
        let options = RedistillationOptions(samplesPerProblem: 4, maxNewTokens: 6, seed: 9, batchSize: 10)
        let records = try redistillationRecords(policy: model, tokenizer: ByteTokenizer(), task: task, problems: problems[...], options: options)
        print("re-distillation: \(records.count) of 24 prompts have a correct sample; correct per prompt \(records.map(\.correctSamples))")
        XCTAssertGreaterThan(records.count, 12)
        XCTAssertLessThan(records.count, 24, "some prompts have no correct sample of 4 and are left out")
        XCTAssertEqual(records.map(\.problem), records.map(\.problem).sorted())
        XCTAssertEqual(Set(records.map(\.problem)).count, records.count, "one record per prompt")
        for record in records {
            XCTAssertTrue(task.score(try task.problem(from: problems[record.problem]), completion: record.completion).correct, record.completion)
            XCTAssertEqual(record.prompt, problems[record.problem].prompt)
            XCTAssertTrue((1...4).contains(record.correctSamples))
        }
        // Two ranks' slices give together what one process gives.
        let halves = try [problems[..<11], problems[11...]].flatMap {
            try redistillationRecords(policy: model, tokenizer: ByteTokenizer(), task: task, problems: $0, options: options)
        }
        XCTAssertEqual(halves, records)
        // The reference selection trains on the same prompts with the task's solutions.
        var reference = options
        reference.selection = .reference
        let references = try redistillationRecords(policy: model, tokenizer: ByteTokenizer(), task: task, problems: problems[...], options: reference)
        XCTAssertEqual(references.map(\.problem), records.map(\.problem))
        XCTAssertEqual(Set(references.map(\.completion)), ["0123456789"])
        XCTAssertTrue(references.allSatisfy { $0.sample == nil })
    }

    /// `--select effect`: every correct answer is a candidate; of each prompt's, the one of
    /// largest effect under the base, then the `count` prompts whose best effect is largest.
    func testSelectionByEffectKeepsEachPromptsBestAndTheLargest() throws {
        let model = try policy(), problems = try problems(24)
        var options = RedistillationOptions(samplesPerProblem: 4, maxNewTokens: 6, seed: 9, batchSize: 10)
        options.selection = .effect
        let candidates = try redistillationRecords(policy: model, tokenizer: ByteTokenizer(), task: task, problems: problems[...], options: options)
        let perProblem = Dictionary(grouping: candidates, by: \.problem)
        XCTAssertEqual(candidates.count, perProblem.values.reduce(0) { $0 + $1[0].correctSamples }, "every correct answer is a candidate")
        let base = try Transformer(config: model.config, seed: 99)
        let kept = try selectByEffect(candidates, base: base, tokenizer: ByteTokenizer(), maxLength: 48, count: 5)
        XCTAssertEqual(kept.count, 5)
        XCTAssertEqual(kept.map(\.problem), kept.map(\.problem).sorted())
        // The direct computation: every candidate's effect against all of them.
        let examples = try SFTDataset(records: candidates.map { .promptCompletion(prompt: $0.prompt, completion: $0.completion) },
                                      tokenizer: ByteTokenizer(), maxLength: 48).examples
        let effects = try sampleEffects(model: base, samples: examples, target: examples, maxLength: 48).map(\.effect)
        var best: [Int: Double] = [:]
        for (c, e) in zip(candidates, effects) { best[c.problem] = max(best[c.problem] ?? -.infinity, e) }
        let threshold = best.values.sorted(by: >)[4]
        for record in kept {
            XCTAssertEqual(record.effect, best[record.problem], "the prompt's best candidate")
            XCTAssertGreaterThanOrEqual(record.effect!, threshold, "among the 5 largest")
            XCTAssertTrue(candidates.contains { $0.problem == record.problem && $0.sample == record.sample && $0.completion == record.completion })
        }
        print("selection by effect: \(candidates.count) candidates on \(perProblem.count) prompts; kept effects \(kept.map { $0.effect! })")
    }

    /// A policy trained by GRPO on the coin task is re-distilled into a fresh base: SFT on its
    /// correct samples raises the base's rate of right answers.
    func testSFTOnTheRLPolicysCorrectSamplesTeachesTheBase() throws {
        let fixture = try RLFixture()
        defer { fixture.remove() }
        let rl = try RLTrainer(config: try fixture.config(steps: 20, run: "policy"), world: nil, task: task, log: { _ in })
        try rl.run()
        let policy = rl.model
        let prompts = try problems(64)
        let records = try redistillationRecords(policy: policy, tokenizer: ByteTokenizer(), task: task, problems: prompts[...],
                                                options: RedistillationOptions(samplesPerProblem: 4, maxNewTokens: 8, seed: 1))
        let data = fixture.path("redistill.jsonl")
        let encoder = JSONEncoder()
        try (records.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n")
            .write(to: data, atomically: true, encoding: .utf8)

        let sft = try SFTFixture(dir: fixture.path("sft"))
        let config = try sft.config(steps: 40, every: 0, run: "redistilled", overrides: [
            "data.train=\(data.path)", "data.eval=\(data.path)", "train.lr=1e-2", "train.batch_size=8",
            "model.config.n_positions=48", "data.max_length=48"])
        let trainer = try SFTTrainer(config: config, log: { _ in })
        let held = try task.split(count: 0, evalCount: 40, seed: 11).eval.map(task.instance(of:))
        func rate(_ model: Transformer) throws -> Double {
            try evaluateTask(model: model, tokenizer: ByteTokenizer(), task: task, problems: held[...],
                             options: TaskEvalOptions(maxNewTokens: 8, samples: 8, seed: 3)).counts.sampledPassAt1
        }
        let before = try rate(trainer.model)
        try trainer.run()
        let after = try rate(trainer.model), teacher = try rate(policy)
        print("re-distillation on \(records.count) samples: base \(before) -> \(after) (the RL policy: \(teacher))")
        XCTAssertGreaterThan(after, before + 0.2)
    }
}
