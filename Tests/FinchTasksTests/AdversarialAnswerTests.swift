import FinchKernels
import XCTest
@testable import FinchData
@testable import FinchTasks

/// Verifiers and critics meet whatever a policy writes; none of it may crash them or be
/// scored correct.
final class AdversarialAnswerTests: XCTestCase {
    private static func garbage(bytes: Int, seed: UInt64) -> String {
        var rng = RNG(seed: seed)
        let pieces = ["(", ")", "=", "24", "formula:", "answer:", "<answer>", "</answer>", ";", ",", "+", "-", "*", "/",
                      "9999999999999999999", "\n", " ", "é", "😀", "\u{0}", "٣", "÷", "numbers:", "0"]
        var text = ""
        while text.utf8.count < bytes { text += pieces[rng.below(pieces.count)] }
        return text
    }

    private static let adversarialAnswers: [String] = {
        var answers = [
            "", "24", "= 24", "formula: 24", "formula: = 24", "answer:", "<answer>24</answer>", ";24",
            "formula: 8+8+8 = 24", "<answer>8+8+8</answer>",
            "formula: 6/(1-1)*4 = 24", "<answer>6/(1-1)*4</answer>", "answer: 1/0",
            "formula: ((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))) = 24",
            "formula: " + String(repeating: "(", count: 5_000) + "24" + String(repeating: ")", count: 5_000) + " = 24",
            "formula: " + Array(repeating: "999999999999999", count: 20).joined(separator: "*") + " = 24",
            "<answer>" + Array(repeating: "99", count: 150).joined(separator: "*") + "</answer>",
            "answer: 99999999999999999999999999999",
            "formula: (10-4)*(1+3 = 24", "formula: 10-4)*(1+3) = 24", "formula: ２４ = 24", "formula: 𝟐𝟒 = 24",
            "formula: 1e3 = 24", "formula: 0x18 = 24", "formula: -(-24) = 24", "answer: ٣٦٣",
            "ответ: 363", "<answer>", "</answer><answer>", "1+5+0=06;;;", ";" + String(repeating: "9", count: 40),
        ]
        for seed in 0..<5 { answers.append(garbage(bytes: 10_000, seed: UInt64(seed))) }
        return answers
    }()

    func testNoAdversarialAnswerCrashesOrScores() {
        for task in allTestTasks { check(task) }
    }

    private func check<Task: VerifiableTask>(_ task: Task) {
        var rng = RNG(seed: 13)
        let problems = (0..<5).map { _ in task.randomProblem(using: &rng) }
        for problem in problems {
            for answer in Self.adversarialAnswers {
                let verdict = task.score(problem, completion: answer)
                XCTAssertFalse(verdict.correct, "\(task.name) scored \(answer.prefix(80)) correct")
                XCTAssertFalse(verdict.reason.isEmpty)
                XCTAssertTrue(verdict.reward.isFinite)
                let critique = task.critique(problem, solution: answer)
                XCTAssertFalse(critique.judgesRight, "\(task.name) judged \(answer.prefix(80)) right")
                XCTAssertEqual(Critique.conclusion(of: critique.text), false)
                XCTAssertLessThan(critique.text.utf8.count, 2_000, "a critique stays short whatever it reads")
            }
        }
    }

    func testUnsolvableGeneralPointsDealsAreHandled() {
        let task = GeneralPointsTask(rule: .id)
        let deal = GeneralPointsDeal(cards: ["A", "A", "A", "A"])
        XCTAssertNil(task.solve(deal))
        let reference = task.referenceSolution(for: deal)
        XCTAssertEqual(reference, "numbers: 1, 1, 1, 1\nformula: none")
        XCTAssertTrue(task.score(deal, completion: reference).correct)
        XCTAssertTrue(task.critique(deal, solution: reference).judgesRight)
        var rng = RNG(seed: 1)
        let flawed = task.flawedSolution(for: deal, using: &rng)
        XCTAssertFalse(task.score(deal, completion: flawed).correct, flawed)
        XCTAssertFalse(task.critique(deal, solution: flawed).judgesRight)
    }
}
