import XCTest
import FinchData
import FinchEval
import FinchKernels
import FinchModel
import FinchTasks
@testable import FinchAlgorithms
@testable import FinchTrain

/// Chu et al.'s sequential revision (`rl.revisions`, `finch eval --revisions`): a wrong answer
/// is quoted back with the verifier's reason and the model asked again.
final class RevisionTests: XCTestCase {
    private let task = DigitsTask(firstByteEven: true)
    private let tokenizer = ByteTokenizer()

    private func model() throws -> Transformer {
        try Transformer(config: ModelConfig(family: .gpt2, vocabSize: 262, hiddenSize: 32, numLayers: 2, numHeads: 2,
                                            maxPositions: 160), seed: 5)
    }

    private func prompts(_ count: Int) throws -> [(global: Int, problem: TaskInstance, tokens: [Int32])] {
        let template = try ChatTemplate(tokenizer: tokenizer)
        return try task.split(count: count, evalCount: 0, seed: 4).train.enumerated().map { i, problem in
            let instance = task.instance(of: problem)
            return (10 + i, instance, template.promptTokens(for: instance.prompt))
        }
    }

    private func engine(_ model: Transformer, revisions: Int) throws -> RolloutEngine {
        var section = RLSection()
        (section.groupSize, section.maxNewTokens, section.rolloutBatch, section.revisions, section.seed) = (4, 6, 7, revisions, 3)
        return RolloutEngine(model: model, template: try ChatTemplate(tokenizer: tokenizer), task: task, reward: TaskReward(task: task),
                             section: section)
    }

    func testRevisionsFollowWrongTriesQuoteThemAndKeepFirstTries() throws {
        let model = try model(), prompts = try prompts(6)
        let plain = try engine(model, revisions: 0).rollouts(for: prompts, version: 0)
        let revised = try engine(model, revisions: 2).rollouts(for: prompts, version: 0)
        XCTAssertEqual(plain.count, 24)
        XCTAssertEqual(revised.filter { $0.revision == 0 }, plain, "first tries do not depend on revisions")
        let revisions = revised.filter { $0.revision > 0 }
        let stops = try ChatTemplate(tokenizer: tokenizer).stopTokens
        print("revisions: \(revisions.count) tries after \(plain.filter { !$0.correct }.count) wrong first tries; correct first \(plain.filter(\.correct).count), after revising \(Set(revised.filter(\.correct).map { [$0.prompt, $0.sample] }).count) of 24")
        XCTAssertGreaterThan(revisions.count, 5)
        XCTAssertLessThanOrEqual(revised.map(\.revision).max() ?? 0, 2)
        for (previous, next) in zip(revised, revised.dropFirst()) where next.revision > 0 {
            XCTAssertEqual([previous.prompt, previous.sample, previous.revision + 1], [next.prompt, next.sample, next.revision])
            XCTAssertFalse(previous.correct, "only a wrong try is revised")
            let asked = tokenizer.decode(next.promptTokens.filter { $0 < 256 })
            let answer = tokenizer.decode(previous.completion.filter { !stops.contains($0) })
            XCTAssertTrue(asked.hasPrefix(prompts.first { $0.global == next.prompt }!.problem.prompt), asked)
            XCTAssertTrue(asked.contains("Your answer was:\n" + answer.trimmingCharacters(in: .newlines)), asked)
            XCTAssertTrue(asked.contains("You failed this trial because the first byte is not even. Try again.\n"), asked)
        }
        // Every wrong try with tries left was revised.
        for (i, t) in revised.enumerated() where !t.correct && t.revision < 2 {
            XCTAssertEqual(revised[safe: i + 1]?.revision, t.revision + 1, "try \(t.revision) of answer \(t.prompt)/\(t.sample)")
        }
    }

    func testTheLearnerAcceptsWholeChainsOfTriesOnly() throws {
        let fixture = try RLFixture()
        defer { fixture.remove() }
        var stream = try PromptStream(file: fixture.path("train.jsonl").path, task: task, template: try ChatTemplate(tokenizer: tokenizer),
                                      promptsPerBatch: 3, seed: 1, maxPositions: 160)
        let model = try model()
        let ordered = stream.globalIndices(ofBatch: 0).map { g -> (global: Int, problem: TaskInstance, tokens: [Int32]) in
            let i = stream.problemIndex(ofGlobal: g)
            return (g, stream.problems[i], stream.tokens[i])
        }
        let batch = try engine(model, revisions: 2).rollouts(for: ordered, version: 0)
        XCTAssertEqual(try assembled([batch.reversed()], batch: 0, stream: stream, groupSize: 4, revisions: 2), batch)
        XCTAssertThrowsError(try assembled([batch], batch: 0, stream: stream, groupSize: 4, revisions: 1), "tries beyond rl.revisions")
        let gap = batch.firstIndex { $0.revision == 1 && batch.contains { $0.revision == 2 } }!
        var holed = batch
        holed.remove(at: gap)
        if holed.contains(where: { $0.revision == 2 }) {
            XCTAssertThrowsError(try assembled([holed], batch: 0, stream: stream, groupSize: 4, revisions: 2), "a missing try")
        }
        var afterRight = batch
        let right = afterRight.firstIndex { $0.correct }!
        var extra = afterRight[right]
        extra.revision += 1
        afterRight.insert(extra, at: right + 1)
        XCTAssertThrowsError(try assembled([afterRight], batch: 0, stream: stream, groupSize: 4, revisions: 9), "a revision of a right try")
    }

    /// A GeneralPoints revision quotes the cards and the rule, not the instructions, so that
    /// with a byte tokenizer it and the next answer fit the study base's 384 positions.
    func testAGeneralPointsRevisionFitsASmallContext() throws {
        let gp = GeneralPointsTask(rule: .ood)
        var rng = RNG(seed: 3)
        let deal = gp.randomProblem(using: &rng)
        let answer = "numbers: 10, 10, 13, 12\nformula: (10+10)*(13-12)+10/10 = 24"
        let verdict = gp.score(deal, completion: answer)
        XCTAssertFalse(verdict.correct)
        let text = RevisionPrompt.text(question: gp.revisionQuestion(for: deal), failedAnswer: answer, reason: verdict.reason)
        let tokens = try ChatTemplate(tokenizer: tokenizer).promptTokens(for: text)
        print("GeneralPoints revision (\(tokens.count) tokens):\n\(text)")
        XCTAssertTrue(text.hasPrefix("Cards: " + deal.cards.joined(separator: ", ") + "\nRule: A is 1, J is 11, Q is 12 and K is 13.\n"), text)
        XCTAssertTrue(text.contains("You failed this trial because " + verdict.reason + ". Try again.\n"))
        XCTAssertLessThan(tokens.count + 64, 384)
    }

    func testGroupAdvantagesOverUnequalGroups() {
        let rewards = [1.0, 0, 0, 1, 2, 2, 5]
        let fixed = groupAdvantages(rewards: Array(rewards.prefix(6)), groupSize: 2, scaleByStd: true)
        XCTAssertEqual(groupAdvantages(rewards: Array(rewards.prefix(6)), groupSizes: [2, 2, 2], scaleByStd: true), fixed)
        let unequal = groupAdvantages(rewards: rewards, groupSizes: [3, 4], scaleByStd: false)
        let third = 1.0 / 3
        let expected: [Double] = [1 - third, -third, -third, -1.5, -0.5, -0.5, 2.5]  // group means 1/3 and 2.5
        for (a, e) in zip(unequal, expected) { XCTAssertEqual(a, e, accuracy: 1e-12) }
    }

    /// Revisions can only add solved answers: first tries are the same draws, and a revised
    /// answer counts when any try is right. With a coin-flip grader they add many.
    func testEvaluationWithRevisionsSolvesAtLeastAsOften() throws {
        let model = try model()
        let problems = try task.split(count: 0, evalCount: 40, seed: 8).eval.map(task.instance(of:))
        func evaluate(_ revisions: Int) throws -> TaskEvalResult {
            try evaluateTask(model: model, tokenizer: tokenizer, task: task, problems: problems[...],
                             options: TaskEvalOptions(maxNewTokens: 4, samples: 4, seed: 2, batchSize: 16, revisions: revisions))
        }
        let once = try evaluate(0), revised = try evaluate(2)
        print("sampled pass@1 without revisions \(once.counts.sampledPassAt1), with 2: \(revised.counts.sampledPassAt1); greedy \(once.counts.greedyPassAt1) → \(revised.counts.greedyPassAt1)")
        for (a, b) in zip(once.outcomes.sampledCorrect, revised.outcomes.sampledCorrect) { XCTAssertGreaterThanOrEqual(b, a) }
        for (a, b) in zip(once.outcomes.greedyCorrect, revised.outcomes.greedyCorrect) { XCTAssertGreaterThanOrEqual(b, a) }
        XCTAssertGreaterThan(revised.counts.sampledPassAt1, once.counts.sampledPassAt1 + 0.15)
    }

    /// GRPO over tries and their revisions learns the coin task (the first byte even), and the
    /// run counts its compute.
    func testGRPOWithRevisionsLearnsAndCountsFLOPs() throws {
        let fixture = try RLFixture()
        defer { fixture.remove() }
        let config = try fixture.config(steps: 20, run: "revise", rl: "revisions: 1", positions: 160)
        let trainer = try RLTrainer(config: config, world: nil, task: DigitsTask(firstByteEven: true), log: { _ in })
        try trainer.run()
        let accuracy = trainer.history.map(\.accuracy)
        print("GRPO with 1 revision, accuracy per step: \(accuracy.map { String(format: "%.2f", $0) })")
        XCTAssertGreaterThan(accuracy.suffix(3).reduce(0, +) / 3, accuracy.prefix(3).reduce(0, +) / 3 + 0.15)
        let flops = trainer.history.map(\.flops)
        XCTAssertTrue(zip(flops, flops.dropFirst()).allSatisfy { $0 < $1 } && flops[0] > 0, "\(flops)")
    }
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
