import FinchKernels
import XCTest
@testable import FinchData
@testable import FinchTasks

/// The critic's conclusion agrees with the verifier on correct and on perturbed solutions,
/// and its critique always ends with the exact conclusion line: what CFT and preference data
/// rely on.
final class CriticAgreementTests: XCTestCase {
    func testCriticAgreesWithVerifierOnReferenceAndFlawedSolutions() {
        for task in allTestTasks { checkAgreement(task, problems: 300) }
    }

    private func checkAgreement<Task: VerifiableTask>(_ task: Task, problems: Int) {
        var rng = RNG(seed: 21)
        for _ in 0..<problems {
            let problem = task.randomProblem(using: &rng)
            let reference = task.referenceSolution(for: problem)
            let flawed = task.flawedSolution(for: problem, using: &rng)
            XCTAssertNotEqual(reference, flawed)
            for (solution, expected) in [(reference, true), (flawed, false)] {
                let verdict = task.score(problem, completion: solution)
                let critique = task.critique(problem, solution: solution)
                XCTAssertEqual(verdict.correct, expected, "\(task.name): \(solution)")
                XCTAssertEqual(critique.judgesRight, verdict.correct, "\(task.name): \(solution)\n\(critique.text)")
                XCTAssertEqual(Critique.conclusion(of: critique.text), critique.judgesRight, critique.text)
            }
        }
    }

    func testConclusionParsing() {
        XCTAssertEqual(Critique.conclusion(of: "Step 1 ok.\nConclusion: right\n\n"), true)
        XCTAssertEqual(Critique.conclusion(of: "Conclusion: wrong"), false)
        XCTAssertNil(Critique.conclusion(of: "Conclusion: right\nmore text"))
        XCTAssertNil(Critique.conclusion(of: "conclusion: Right"))
        XCTAssertNil(Critique.conclusion(of: ""))
    }
}
