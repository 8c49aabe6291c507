import Foundation
import FinchTestSupport
import XCTest
@testable import FinchData
@testable import FinchTasks

final class AdditionTaskTests: XCTestCase {
    func testFormatOfAWorkedExample() {
        let problem = AdditionProblem(a: 4821, b: 375)
        XCTAssertEqual(problem.prompt, "4821+0375=")
        XCTAssertEqual(problem.completion, "1+5+0=06,2+7+0=09,8+3+0=11,4+0+1=05;5196")
        XCTAssertEqual(problem.answer, 5196)
        XCTAssertEqual(AdditionProblem(a: 95, b: 7).completion, "5+7+0=12,9+0+1=10;102")
    }

    /// Checks a completion from first principles: every step is a true equation on the right
    /// digits with the previous step's carry, and the stated answer is the true sum.
    private func assertWorkedCorrectly(_ problem: AdditionProblem, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(AdditionProblem.answer(fromCompletion: problem.completion), problem.a + problem.b,
                       problem.completion, file: file, line: line)
        let operands = problem.prompt.dropLast().split(separator: "+").map { Array($0) }
        XCTAssertEqual(operands.count, 2, file: file, line: line)
        XCTAssertEqual(Int(String(operands[0])), problem.a, file: file, line: line)
        XCTAssertEqual(Int(String(operands[1])), problem.b, file: file, line: line)
        XCTAssertEqual(operands[0].count, operands[1].count, "operands are padded to one width", file: file, line: line)

        let steps = problem.completion.split(separator: ";")[0].split(separator: ",")
        XCTAssertEqual(steps.count, operands[0].count, file: file, line: line)
        var carry = 0
        for (column, step) in steps.enumerated() {
            let characters = Array(step)
            let digit = { (index: Int) in Int(String(characters[index]))! }
            XCTAssertEqual(characters.count, 8, String(step), file: file, line: line)
            XCTAssertEqual(characters[0], operands[0][operands[0].count - 1 - column], file: file, line: line)
            XCTAssertEqual(characters[2], operands[1][operands[1].count - 1 - column], file: file, line: line)
            XCTAssertEqual(digit(4), carry, "carry into column \(column)", file: file, line: line)
            XCTAssertEqual(digit(0) + digit(2) + digit(4), digit(6) * 10 + digit(7), String(step), file: file, line: line)
            carry = digit(6)
        }
    }

    func testGeneratedProblemsAreWorkedCorrectly() throws {
        let problems = try AdditionTask(minDigits: 1, maxDigits: 6).generate(count: 2_000, seed: 3)
        XCTAssertEqual(problems.count, 2_000)
        for problem in problems { assertWorkedCorrectly(problem) }
        for problem in [AdditionProblem(a: 0, b: 0), AdditionProblem(a: 9_999, b: 9_999), AdditionProblem(a: 1, b: 99_999)] {
            assertWorkedCorrectly(problem)
        }
    }

    func testOperandsRespectTheDigitRange() throws {
        let problems = try AdditionTask(minDigits: 2, maxDigits: 3).generate(count: 500, seed: 5)
        let lengths = Set(problems.flatMap { [String($0.a).count, String($0.b).count] })
        XCTAssertEqual(lengths, [2, 3])
    }

    func testFourDigitCompletionsStayShort() throws {
        let problems = try AdditionTask(minDigits: 4, maxDigits: 4).generate(count: 500, seed: 11)
        XCTAssertLessThanOrEqual(problems.map { $0.completion.utf8.count }.max()!, 41)
    }

    func testGenerationIsReproducible() throws {
        let task = try AdditionTask(minDigits: 1, maxDigits: 4)
        XCTAssertEqual(task.generate(count: 100, seed: 9), task.generate(count: 100, seed: 9))
        XCTAssertNotEqual(task.generate(count: 100, seed: 9), task.generate(count: 100, seed: 10))
    }

    func testSplitNeverSharesAProblemInEitherOrder() throws {
        // Two digits make collisions frequent, so disjointness is really exercised.
        let task = try AdditionTask(minDigits: 1, maxDigits: 2)
        let (train, eval) = try task.split(count: 5_000, evalCount: 500, seed: 21)
        XCTAssertEqual(train.count, 5_000)
        XCTAssertEqual(eval.count, 500)
        let evalPairs = Set(eval.map { [min($0.a, $0.b), max($0.a, $0.b)] })
        XCTAssertEqual(evalPairs.count, 500, "eval problems are distinct")
        for problem in train {
            XCTAssertFalse(evalPairs.contains([min(problem.a, problem.b), max(problem.a, problem.b)]), "\(problem.prompt) is in both")
        }
        let again = try task.split(count: 5_000, evalCount: 500, seed: 21)
        XCTAssertEqual(again.train, train)
        XCTAssertEqual(again.eval, eval)
    }

    func testSplitRejectsAnEvalSetTooLargeForTheDigitRange() throws {
        let task = try AdditionTask(minDigits: 1, maxDigits: 1)
        XCTAssertThrowsError(try task.split(count: 10, evalCount: 40, seed: 1)) { error in
            XCTAssertTrue("\(error)".contains("55 distinct pairs"), "\(error)")
        }
    }

    func testInvalidDigitRangesAreRejected() {
        XCTAssertThrowsError(try AdditionTask(minDigits: 0, maxDigits: 3))
        XCTAssertThrowsError(try AdditionTask(minDigits: 4, maxDigits: 3))
        XCTAssertThrowsError(try AdditionTask(minDigits: 1, maxDigits: 19))
    }

    func testAnswerParsingRejectsMalformedCompletions() {
        XCTAssertEqual(AdditionProblem.answer(fromCompletion: "1+2+0=03;3"), 3)
        XCTAssertEqual(AdditionProblem.answer(fromCompletion: "x;42\n"), 42)
        XCTAssertNil(AdditionProblem.answer(fromCompletion: "1+2+0=03"))
        XCTAssertNil(AdditionProblem.answer(fromCompletion: "1+2+0=03;"))
        XCTAssertNil(AdditionProblem.answer(fromCompletion: "1+2+0=03;3<|eos|>"))
        XCTAssertNil(AdditionProblem.answer(fromCompletion: ";-3"))
        XCTAssertNil(AdditionProblem.answer(fromCompletion: ";١٢"), "non-ASCII digits are not an answer")
    }

    func testWrittenJSONLLoadsAsSFTData() throws {
        let directory = try makeTemporaryDirectory(for: self)
        let (train, eval) = try AdditionTask(minDigits: 1, maxDigits: 3).split(count: 20, evalCount: 5, seed: 2)
        let trainURL = directory.appendingPathComponent("train.jsonl")
        let evalURL = directory.appendingPathComponent("eval.jsonl")
        try AdditionTask.writeJSONL(train, to: trainURL, includeAnswers: false)
        try AdditionTask.writeJSONL(eval, to: evalURL, includeAnswers: true)

        let tokenizer = ByteTokenizer()
        let template = try ChatTemplate(tokenizer: tokenizer)
        let dataset = try SFTDataset(contentsOf: trainURL, tokenizer: tokenizer, maxLength: 128)
        XCTAssertEqual(dataset.examples.map(\.tokens),
                       try train.map { try template.render(.promptCompletion(prompt: $0.prompt, completion: $0.completion)).tokens })

        let evalLines = try String(contentsOf: evalURL, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(evalLines.count, 5)
        for (line, problem) in zip(evalLines, eval) {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["prompt"] as? String, problem.prompt)
            XCTAssertEqual(object["answer"] as? Int, problem.answer)
        }
        XCTAssertFalse(try String(contentsOf: trainURL, encoding: .utf8).contains("answer"))
        XCTAssertEqual(try SFTDataset(contentsOf: evalURL, tokenizer: tokenizer, maxLength: 128).examples.count, 5)
    }
}
