import XCTest
@testable import FinchTasks

/// The sign-off task's hidden style preference and its verifier, which keep style and
/// correctness apart.
final class SignoffTaskTests: XCTestCase {
    func testStyleScoreCountsDistinctWarmWordsLessRepeats() {
        XCTAssertEqual(SignoffTask.styleScore(["nice", "great", "cool"]), 3)
        XCTAssertEqual(SignoffTask.styleScore(["ok", "done"]), 0)
        XCTAssertEqual(SignoffTask.styleScore(["great", "great", "great"]), -1)  // one warm word, two repeats
        XCTAssertEqual(SignoffTask.styleScore(["ok", "ok", "ok", "ok", "ok"]), -4)
    }

    func testVerdictSeparatesStyleFromCorrectness() {
        let task = SignoffTask()
        let problem = SignoffTask.Problem(a: 23, b: 45, words: ["ok"])
        XCTAssertEqual(task.prompt(for: problem), "23+45=")
        XCTAssertEqual(task.referenceSolution(for: problem), "68 ok")
        let wrongButWarm = task.score(problem, completion: "69 nice cool")
        XCTAssertEqual(wrongButWarm.reward, 2)
        XCTAssertFalse(wrongButWarm.correct)
        XCTAssertTrue(wrongButWarm.formatOK)
        XCTAssertTrue(task.score(problem, completion: "68 ok ok").correct)
        for malformed in ["68", "68 ", "68 hello", "68 ok ok ok ok ok ok", "sixty-eight ok", "68  ok", "-1 ok", "99999 ok"] {
            let verdict = task.score(problem, completion: malformed)
            XCTAssertFalse(verdict.formatOK, malformed)
            XCTAssertEqual(verdict.reward, SignoffTask.malformedReward, malformed)
        }
    }
}
