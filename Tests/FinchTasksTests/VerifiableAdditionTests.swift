import FinchKernels
import XCTest
@testable import FinchData
@testable import FinchTasks

final class VerifiableAdditionTests: XCTestCase {
    private let task = VerifiableAddition(generator: try! AdditionTask(minDigits: 1, maxDigits: 4))
    private let problem = AdditionOperands(a: 4821, b: 375)

    func testPromptAndReferenceAreThoseOfTheFirstRecipe() {
        XCTAssertEqual(task.prompt(for: problem), "4821+0375=")
        XCTAssertEqual(task.referenceSolution(for: problem), "1+5+0=06,2+7+0=09,8+3+0=11,4+0+1=05;5196")
    }

    func testSplitIsTheAdditionTaskSplit() throws {
        let generator = try AdditionTask(minDigits: 1, maxDigits: 3)
        let expected = try generator.split(count: 50, evalCount: 20, seed: 4)
        let actual = try VerifiableAddition(generator: generator).split(count: 50, evalCount: 20, seed: 4)
        XCTAssertEqual(actual.train.map { [$0.a, $0.b] }, expected.train.map { [$0.a, $0.b] })
        XCTAssertEqual(actual.eval.map { [$0.a, $0.b] }, expected.eval.map { [$0.a, $0.b] })
    }

    func testVerifier() {
        XCTAssertTrue(task.score(problem, completion: "1+5+0=06,2+7+0=09,8+3+0=11,4+0+1=05;5196").correct)
        XCTAssertTrue(task.score(problem, completion: ";5196").correct)
        let wrong = task.score(problem, completion: "…;5197")
        XCTAssertFalse(wrong.correct)
        XCTAssertTrue(wrong.formatOK)
        XCTAssertFalse(task.score(problem, completion: "5196").formatOK)
        XCTAssertFalse(task.score(problem, completion: ";5196x").formatOK)
    }

    func testCriticChecksEveryColumn() {
        XCTAssertTrue(task.critique(problem, solution: task.referenceSolution(for: problem)).judgesRight)
        let slip = task.critique(problem, solution: "1+5+0=06,2+7+0=09,8+3+0=12,4+0+1=05;5296")
        XCTAssertTrue(slip.text.contains("Step 3: 8+3+0 is 11, not 12."), slip.text)
        let carry = task.critique(problem, solution: "1+5+0=06,2+7+0=09,8+3+0=11,4+0+0=04;4196")
        XCTAssertTrue(carry.text.contains("Step 4: the carry in is 1, not 0."), carry.text)
        let digits = task.critique(problem, solution: "1+5+0=06,2+3+0=05,8+3+0=11,4+0+1=05;5156")
        XCTAssertTrue(digits.text.contains("Step 2: this column's digits are 2 and 7, not 2 and 3."), digits.text)
        let answer = task.critique(problem, solution: "1+5+0=06,2+7+0=09,8+3+0=11,4+0+1=05;5169")
        XCTAssertTrue(answer.text.contains("The final answer 5169 is not 5196"), answer.text)
        XCTAssertTrue(task.critique(problem, solution: "5196").text.contains("works 1 columns, but the numbers have 4"))
    }

    func testOperandsOutsideTheRangeAreADefectNotATrap() {
        XCTAssertNotNil(task.defect(in: AdditionOperands(a: -1, b: 2)))
        XCTAssertNotNil(task.defect(in: AdditionOperands(a: Int.max, b: 2)))
        XCTAssertFalse(task.score(AdditionOperands(a: Int.max, b: Int.max), completion: ";1").correct)
        XCTAssertFalse(task.critique(AdditionOperands(a: -5, b: Int.min), solution: "garbage").judgesRight)
    }
}
