import XCTest
import FinchKernels
@testable import FinchTasks

/// The rule-reading probe: its reference is right, a face valued the familiar way is caught, and
/// no problem uses a study rule.
final class CardRuleTaskTests: XCTestCase {
    func testReferenceScoresAndTheFamiliarMistakeIsCaught() throws {
        let task = CardRuleTask()
        var rng = RNG(seed: 4)
        for _ in 0..<500 {
            let problem = task.randomProblem(using: &rng)
            XCTAssertNil(task.defect(in: problem))
            XCTAssertTrue(problem.cards.contains { PretrainingCorpus.faces.contains($0) })
            XCTAssertTrue(task.score(problem, completion: task.referenceSolution(for: problem)).correct)
            XCTAssertFalse(task.score(problem, completion: task.flawedSolution(for: problem, using: &rng)).correct)
            XCTAssertNil(CorpusLeakage.problem(in: task.prompt(for: problem) + task.referenceSolution(for: problem)))
        }
        let problem = CardRuleTask.Problem(faces: [5, 9, 2], cards: ["7", "J", "Q"])
        XCTAssertEqual(task.prompt(for: problem) + task.referenceSolution(for: problem),
                       "In this game A is 1, number cards count their number, J is 5, Q is 9 and K is 2.\nThe cards 7, J, Q are worth 7, 5, 9.\nTheir total is 7 + 5 + 9 = 21.")
        XCTAssertFalse(task.score(problem, completion: " 7, 10, 10.").formatOK)
        XCTAssertEqual(task.score(problem, completion: " 7, 5, 9. = 21").correct, true)
        XCTAssertNotNil(task.defect(in: CardRuleTask.Problem(faces: [11, 12, 13], cards: ["J", "2"])))
        XCTAssertNotNil(try TaskCatalog.task(named: "cardrule", settings: TaskSettings()))
    }
}
