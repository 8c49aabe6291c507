import FinchData
import FinchTasks
import FinchKernels
import FinchModel
import XCTest
@testable import FinchEval
import FinchTrain

final class TaskEvaluationTests: XCTestCase {
    func testPassAtKMatchesHandComputedValues() {
        // 1 − C(n−c, k)/C(n, k), worked by hand.
        XCTAssertEqual(unbiasedPassAtK(samples: 5, correct: 0, k: 1), 0)
        XCTAssertEqual(unbiasedPassAtK(samples: 5, correct: 2, k: 1), 2.0 / 5, accuracy: 1e-12)
        XCTAssertEqual(unbiasedPassAtK(samples: 5, correct: 2, k: 2), 1 - 3.0 / 10, accuracy: 1e-12)   // C(3,2)/C(5,2)
        XCTAssertEqual(unbiasedPassAtK(samples: 10, correct: 3, k: 5), 1 - 21.0 / 252, accuracy: 1e-12) // C(7,5)/C(10,5)
        XCTAssertEqual(unbiasedPassAtK(samples: 4, correct: 1, k: 4), 1)
        XCTAssertEqual(unbiasedPassAtK(samples: 4, correct: 3, k: 2), 1)                                 // n−c < k
        XCTAssertEqual(unbiasedPassAtK(samples: 200, correct: 1, k: 100), 0.5, accuracy: 1e-12)
    }

    private func tinyModel() throws -> Transformer {
        try Transformer(config: ModelConfig(family: .gpt2, vocabSize: 262, hiddenSize: 16, numLayers: 1, numHeads: 2,
                                            maxPositions: 96), seed: 3)
    }

    private func problems(_ count: Int) throws -> (ArithmeticTask, [TaskInstance]) {
        let task = try ArithmeticTask(digits: 1...1, operations: 1...2)
        return (task, try task.split(count: 0, evalCount: count, seed: 4).eval.map(task.instance(of:)))
    }

    func testEvaluationOfARandomModelReturnsWellFormedCounts() throws {
        let (task, instances) = try problems(5)
        let options = TaskEvalOptions(maxNewTokens: 12, samples: 3, temperature: 1, seed: 7, batchSize: 4)
        let result = try evaluateTask(model: try tinyModel(), tokenizer: ByteTokenizer(), task: task,
                                      problems: instances[...], options: options)
        let counts = result.counts
        XCTAssertEqual(counts.problems, 5)
        XCTAssertEqual(counts.samplesPerProblem, 3)
        XCTAssertEqual(counts.sampledAnswers, 15)
        XCTAssertTrue((0...5).contains(counts.greedyCorrect))
        XCTAssertTrue((counts.greedyCorrect...5).contains(counts.greedyFormatErrors + counts.greedyCorrect))
        XCTAssertTrue((0...5).contains(counts.greedyTruncated))
        XCTAssertTrue((0...15).contains(counts.sampledCorrect))
        XCTAssertTrue((0...15).contains(counts.sampledFormatErrors))
        XCTAssertEqual(counts.passAt1Sum, Double(counts.sampledCorrect) / 3, accuracy: 1e-9)
        XCTAssertGreaterThanOrEqual(counts.passAtKSum, counts.passAt1Sum)
        // An untrained byte model practically never writes "answer: <n>".
        XCTAssertGreaterThan(counts.greedyFormatErrors + counts.sampledFormatErrors, 0)
        // The per-problem outcomes are the counts, problem by problem.
        XCTAssertEqual(result.outcomes.greedyCorrect.count, 5)
        XCTAssertEqual(result.outcomes.greedyCorrect.reduce(0, +), counts.greedyCorrect)
        XCTAssertEqual(result.outcomes.sampledCorrect.count, 5)
        XCTAssertEqual(result.outcomes.sampledCorrect.reduce(0, +), counts.sampledCorrect)
        XCTAssertTrue(result.outcomes.sampledCorrect.allSatisfy { (0...3).contains($0) })
        XCTAssertEqual(result.examples.count, 3)
        XCTAssertEqual(result.examples[0].prompt, instances[0].prompt)
        XCTAssertTrue(counts.greedyPassAt1.isFinite && counts.sampledPassAtK.isFinite)
    }

    func testSlicesAddUpToTheWholeWhateverTheBatching() throws {
        let (task, instances) = try problems(6)
        let model = try tinyModel()
        let options = TaskEvalOptions(maxNewTokens: 8, samples: 2, temperature: 1.5, seed: 11, batchSize: 5)
        let whole = try evaluateTask(model: model, tokenizer: ByteTokenizer(), task: task, problems: instances[...],
                                     options: options)
        var merged = TaskEvalCounts()
        var mergedOutcomes = ProblemOutcomes(greedyCorrect: [], sampledCorrect: [])
        var sliceOptions = options
        sliceOptions.batchSize = 2
        for range in [0..<1, 1..<4, 4..<6] {
            let slice = try evaluateTask(model: model, tokenizer: ByteTokenizer(), task: task, problems: instances[range],
                                         options: sliceOptions)
            merged.add(slice.counts)
            mergedOutcomes.greedyCorrect += slice.outcomes.greedyCorrect
            mergedOutcomes.sampledCorrect += slice.outcomes.sampledCorrect
        }
        XCTAssertEqual(mergedOutcomes, whole.outcomes)
        XCTAssertEqual(merged.problems, whole.counts.problems)
        XCTAssertEqual(merged.greedyCorrect, whole.counts.greedyCorrect)
        XCTAssertEqual(merged.greedyFormatErrors, whole.counts.greedyFormatErrors)
        XCTAssertEqual(merged.sampledAnswers, whole.counts.sampledAnswers)
        XCTAssertEqual(merged.sampledCorrect, whole.counts.sampledCorrect)
        XCTAssertEqual(merged.sampledRewardSum, whole.counts.sampledRewardSum, accuracy: 1e-9)
        XCTAssertEqual(merged.passAtKSum, whole.counts.passAtKSum, accuracy: 1e-9)
    }

    func testSampledAnswersDependOnTheSeedOnly() throws {
        XCTAssertEqual(answerSeed(base: 1, problem: 3, sample: 2), answerSeed(base: 1, problem: 3, sample: 2))
        XCTAssertNotEqual(answerSeed(base: 1, problem: 3, sample: 2), answerSeed(base: 1, problem: 2, sample: 3))
        XCTAssertNotEqual(answerSeed(base: 1, problem: 0, sample: 0), answerSeed(base: 2, problem: 0, sample: 0))
    }

    func testAPromptThatFillsTheContextIsAnErrorNamingTheProblem() throws {
        let task = GeneralPointsTask(rule: .id)
        var rng = RNG(seed: 1)
        let instances = [task.instance(of: task.randomProblem(using: &rng))]  // ~230 bytes, more than 96 positions
        XCTAssertThrowsError(try evaluateTask(model: try tinyModel(), tokenizer: ByteTokenizer(), task: task,
                                              problems: instances[...], options: TaskEvalOptions(maxNewTokens: 4))) {
            XCTAssertTrue("\($0)".contains("problem 0: the prompt is"), "\($0)")
        }
        let otherTask = try CountdownTask()
        XCTAssertThrowsError(try evaluateTask(model: try tinyModel(), tokenizer: ByteTokenizer(), task: otherTask,
                                              problems: instances[...], options: TaskEvalOptions(maxNewTokens: 4))) {
            XCTAssertTrue("\($0)".contains("task is \"generalpoints\", expected \"countdown\""), "\($0)")
        }
    }
}
