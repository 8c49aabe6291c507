import FinchKernels
import FinchExpressions
import XCTest
@testable import FinchData
@testable import FinchTasks

final class ArithmeticTaskTests: XCTestCase {
    private let task = try! ArithmeticTask()
    private let problem = ArithmeticProblem(expression: "(37+58)*4-17", answer: 363)

    func testWorkedSolutionFormat() {
        XCTAssertEqual(task.referenceSolution(for: problem), "37+58=95\n95*4=380\n380-17=363\nanswer: 363")
        XCTAssertTrue(task.prompt(for: problem).contains("Evaluate (37+58)*4-17."))
    }

    func testVerifierReadsTheLastAnswerLine() {
        let cases: [(String, Bool, Bool)] = [
            ("answer: 363", true, true),
            ("37+58=95\n95*4=380\n380-17=363\nanswer: 363", true, true),
            ("Answer:363", true, true),
            ("answer: 362\nanswer: 363", true, true),
            ("answer: 363\nanswer: 362", false, true),
            ("answer: -363", false, true),
            ("answer: 363.0", false, false),
            ("answer: three hundred", false, false),
            ("answer: 99999999999999999999999", false, false),
            ("the result is 363", false, false),
            ("", false, false),
        ]
        for (completion, correct, formatOK) in cases {
            let verdict = task.score(problem, completion: completion)
            XCTAssertEqual(verdict.correct, correct, "\(completion): \(verdict.reason)")
            XCTAssertEqual(verdict.formatOK, formatOK, completion)
            XCTAssertEqual(verdict.reward, correct ? 1 : 0, completion)
        }
    }

    func testDifficultyControlsDigitsAndOperations() throws {
        var rng = RNG(seed: 3)
        let hard = try ArithmeticTask(digits: 3...3, operations: 5...5)
        for _ in 0..<100 {
            let problem = hard.randomProblem(using: &rng)
            let tree = try ExpressionParser().parse(problem.expression)
            XCTAssertEqual(tree.operatorCount, 5, problem.expression)
            XCTAssertTrue(tree.numbers.allSatisfy { (100...999).contains($0) }, problem.expression)
            XCTAssertTrue(try tree.steps().allSatisfy { $0.result.numerator >= 0 && $0.result.isInteger })
            XCTAssertNil(hard.defect(in: problem))
        }
        XCTAssertThrowsError(try ArithmeticTask(digits: 0...2))
        XCTAssertThrowsError(try ArithmeticTask(operations: 1...40))
    }

    func testCriticFollowsTheStepsThroughTheExpression() {
        let right = task.critique(problem, solution: task.referenceSolution(for: problem))
        XCTAssertTrue(right.judgesRight, right.text)

        // Another order a person could use is fine: the expression has one operation at a time.
        let other = ArithmeticProblem(expression: "(2+3)*(4+5)", answer: 45)
        XCTAssertTrue(task.critique(other, solution: "4+5=9\n3+2=5\n5*9=45\nanswer: 45").judgesRight)

        let slip = task.critique(problem, solution: "37+58=95\n95*4=390\n390-17=373\nanswer: 373")
        XCTAssertFalse(slip.judgesRight)
        XCTAssertTrue(slip.text.contains("Step 2: 95*4 is 380, not 390."), slip.text)
        XCTAssertFalse(slip.text.contains("Step 3"), "only the first error is reported")

        let wrongOperation = task.critique(problem, solution: "37+58=95\n95+4=99\n99-17=82\nanswer: 82")
        XCTAssertTrue(wrongOperation.text.contains("Step 2: the expression has 95*4 here, not 95+4."), wrongOperation.text)

        let skipped = task.critique(problem, solution: "37+58=95\nanswer: 95")
        XCTAssertTrue(skipped.text.contains("stop before"), skipped.text)

        let finalSlip = task.critique(problem, solution: "37+58=95\n95*4=380\n380-17=363\nanswer: 336")
        XCTAssertTrue(finalSlip.text.contains("The final answer 336 is not the last step's result 363."), finalSlip.text)

        let prose = task.critique(problem, solution: "First add 37 and 58.\nanswer: 363")
        XCTAssertTrue(prose.text.contains("Step 1: \"First add 37 and 58.\" is not one operation"), prose.text)
    }

    func testFlawedSolutionsCarryTheSlipToAWrongAnswer() {
        var rng = RNG(seed: 8)
        var critiques = Set<String>()
        for _ in 0..<200 {
            let problem = task.randomProblem(using: &rng)
            let flawed = task.flawedSolution(for: problem, using: &rng)
            XCTAssertFalse(task.score(problem, completion: flawed).correct, flawed)
            XCTAssertTrue(task.score(problem, completion: flawed).formatOK, flawed)
            let finding = task.critique(problem, solution: flawed).text.split(separator: "\n").dropLast().last ?? ""
            critiques.insert(finding.contains("is not the last step") ? "final" : finding.contains("here, not") ? "operation" : "slip")
        }
        XCTAssertEqual(critiques, ["final", "operation", "slip"])
    }
}
