import FinchTasks
import FinchData
import FinchDistributed
import FinchModel
import FinchTestSupport
import XCTest
@testable import FinchEval
import FinchTrain

/// `finch eval` under mpirun: each rank evaluates its share of the problems and the summed
/// counts, and the gathered per-problem outcomes, equal what one process reports for all of them.
final class TaskEvaluationOnRanksTests: XCTestCase {
    func testRanksSplitTheProblemsAndAgreeWithOneProcess() {
        for ranks in [2, 3] {
            MPITestHarness.assertInnerTestsPass([MPITestHarness.testName(TaskEvaluationOnRanks.self)], processCount: ranks)
        }
    }
}

final class TaskEvaluationOnRanks: XCTestCase {
    func testShardedCountsEqualTheWhole() {
        MPITestHarness.onEveryRank { comm in
            let world = try TrainingWorld(comm: comm)
            let task = try ArithmeticTask(digits: 1...1, operations: 1...2)
            let problems = try task.split(count: 0, evalCount: 7, seed: 4).eval.map(task.instance(of:))
            let model = try Transformer(config: ModelConfig(family: .gpt2, vocabSize: 262, hiddenSize: 16, numLayers: 1,
                                                            numHeads: 2, maxPositions: 96), seed: 3)
            let options = TaskEvalOptions(maxNewTokens: 8, samples: 2, temperature: 1.5, seed: 11, batchSize: 3)
            let whole = try evaluateTask(model: model, tokenizer: ByteTokenizer(), task: task, problems: problems[...],
                                         options: options)
            let share = world.share(of: problems.count)
            let mine = try evaluateTask(model: model, tokenizer: ByteTokenizer(), task: task,
                                        problems: problems[share], options: options)
            let summed = try mine.counts.summed(over: world)
            XCTAssertEqual(summed, whole.counts, "rank \(world.rank) of \(world.size)")
            XCTAssertEqual(summed.problems, 7)
            let gathered = try mine.outcomes.gathered(over: world, offset: share.lowerBound, total: problems.count)
            XCTAssertEqual(gathered, whole.outcomes, "rank \(world.rank) of \(world.size)")
        }
    }
}
