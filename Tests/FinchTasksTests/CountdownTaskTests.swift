import FinchKernels
import XCTest
@testable import FinchData
@testable import FinchTasks

final class CountdownTaskTests: XCTestCase {
    private let task = try! CountdownTask()
    private let problem = CountdownProblem(numbers: [44, 19, 35], target: 98)

    func testTinyZeroRewards() {
        let cases: [(String, Double, Bool, Bool)] = [
            ("<answer>44+19+35</answer>", 1, true, true),
            ("thinking...\n<answer> (44 + 35) + 19 </answer>", 1, true, true),
            ("<answer>44+19+35 = 98</answer>", 1, true, true),
            ("<answer>44+19+35 = 97</answer>", 0, false, false),
            ("<answer>44+19-35</answer>", 0.1, false, true),        // 28
            ("<answer>44+19</answer>", 0.1, false, true),           // 35 unused
            ("<answer>44+44+35-19-6</answer>", 0.1, false, true),   // 44 twice, 6 not given
            ("<answer>44/(35-35)+19</answer>", 0.1, false, true),
            ("<answer>44+19+35", 0, false, false),                  // unclosed
            ("44+19+35", 0, false, false),
            ("<answer>ninety-eight</answer>", 0, false, false),
            ("<answer></answer>", 0, false, false),
        ]
        for (completion, reward, correct, formatOK) in cases {
            let verdict = task.score(problem, completion: completion)
            XCTAssertEqual(verdict.reward, reward, "\(completion): \(verdict.reason)")
            XCTAssertEqual(verdict.correct, correct, completion)
            XCTAssertEqual(verdict.formatOK, formatOK, completion)
        }
    }

    func testTheLastAnswerCounts() {
        XCTAssertTrue(task.score(problem, completion: "<answer>1</answer> no wait <answer>98-35+35-0+0</answer>\n<answer>44+19+35</answer>").correct)
        XCTAssertFalse(task.score(problem, completion: "<answer>44+19+35</answer>\n<answer>44-19+35</answer>").correct)
    }

    func testGeneratedProblemsAreSolvableWithinTheDocumentedRanges() {
        var rng = RNG(seed: 2)
        var sizes = Set<Int>()
        for _ in 0..<300 {
            let problem = task.randomProblem(using: &rng)
            sizes.insert(problem.numbers.count)
            XCTAssertTrue(problem.numbers.allSatisfy(CountdownTask.numberRange.contains))
            XCTAssertTrue(CountdownTask.targetRange.contains(problem.target))
            let reference = task.referenceSolution(for: problem)
            XCTAssertTrue(task.score(problem, completion: reference).correct, reference)
            XCTAssertTrue(task.critique(problem, solution: reference).judgesRight, reference)
        }
        XCTAssertEqual(sizes, [3, 4])
    }

    func testReferenceShowsOneOperationPerLine() {
        let reference = task.referenceSolution(for: CountdownProblem(numbers: [2, 3, 7], target: 35))
        let lines = reference.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, reference)
        XCTAssertTrue(lines.last!.hasPrefix("<answer>") && lines.last!.hasSuffix("</answer>"), reference)
    }

    func testCriticChecksStepsThenTheAnswer() {
        let right = task.critique(problem, solution: "44+19=63\n63+35=98\n<answer>44+19+35</answer>")
        XCTAssertTrue(right.judgesRight, right.text)
        XCTAssertTrue(right.text.contains("Step 2: 63+35=98 is right."), right.text)

        let slip = task.critique(problem, solution: "44+19=63\n63+35=99\n<answer>44+19+35</answer>")
        XCTAssertFalse(slip.judgesRight)
        XCTAssertTrue(slip.text.contains("Step 2: 63+35 is 98, not 99."), slip.text)

        let value = task.critique(problem, solution: "<answer>44-19+35</answer>")
        XCTAssertTrue(value.text.contains("The answer evaluates to 60, not 98."), value.text)
        XCTAssertTrue(value.text.hasSuffix("Conclusion: wrong"))

        let unused = task.critique(problem, solution: "Let me think = hard.\n<answer>44+19</answer>")
        XCTAssertTrue(unused.text.contains("The answer never uses 35."), unused.text)

        XCTAssertTrue(task.critique(problem, solution: "no idea").text.contains("There is no <answer>"))
    }

    func testFlawedSolutionsAreRejected() {
        var rng = RNG(seed: 5)
        for _ in 0..<200 {
            let problem = task.randomProblem(using: &rng)
            let flawed = task.flawedSolution(for: problem, using: &rng)
            let verdict = task.score(problem, completion: flawed)
            XCTAssertFalse(verdict.correct, flawed)
            XCTAssertEqual(verdict.reward, 0.1, flawed)
        }
    }
}
