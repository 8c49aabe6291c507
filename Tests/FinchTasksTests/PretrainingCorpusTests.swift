import XCTest
import FinchKernels
import FinchExpressions
@testable import FinchTasks

/// The pretraining corpus teaches rules without the study's: 20,000 documents scanned for either
/// GeneralPoints rule and the target 24, and every kind's content checked where it can be.
final class PretrainingCorpusTests: XCTestCase {
    func testNoDocumentStatesAStudyRuleOrTheStudysTarget() {
        let documents = PretrainingCorpus.documents(count: 20_000, seed: 1)
        var faceRules = Set<[Int]>()
        for text in documents {
            XCTAssertNil(CorpusLeakage.problem(in: text), text)
            if text.contains("J is ") {
                let values = ["J is ", "Q is ", "K is "].map { key -> Int in
                    let range = text.range(of: key)!
                    return Int(text[range.upperBound...].prefix { $0.isNumber })!
                }
                faceRules.insert(values)
            }
        }
        let distinct = Set(documents).count
        print("corpus: \(documents.count) documents (\(distinct) distinct), \(faceRules.count) distinct J/Q/K rules, none of the study's")
        XCTAssertTrue(faceRules.isDisjoint(with: CorpusLeakage.studyRules))
        XCTAssertGreaterThan(faceRules.count, 1000, "rules must vary from document to document")
        // The counting documents draw from a small space (ten words) and repeat; the rest rarely do.
        XCTAssertGreaterThan(distinct, documents.count * 4 / 5)
    }

    func testTheLeakageCheckCatchesTheStudy() {
        XCTAssertNotNil(CorpusLeakage.problem(in: "In this game A is 1, number cards count their number, J is 11, Q is 12 and K is 13."))
        XCTAssertNotNil(CorpusLeakage.problem(in: "A is 1, J is 10, Q is 10 and K is 10."))
        XCTAssertNotNil(CorpusLeakage.problem(in: "Numbers: 1, 2, 3, 4. Target: 24."))
        XCTAssertNotNil(CorpusLeakage.problem(in: "Make 24 from these values"))
        XCTAssertNil(CorpusLeakage.problem(in: "J is 11, Q is 12 and K is 14. Make 25 from these values"))
    }

    /// Worked sums and searches are right: every "a op b = c" step and every found expression holds.
    func testWorkedStepsAreCorrect() throws {
        var rng = RNG(seed: 3)
        for _ in 0..<300 {
            let text = PretrainingCorpus.document(.arithmetic, using: &rng)
            let answer = Int(text.components(separatedBy: "Answer: ").last!.dropLast())!
            let expression = String(text.dropFirst("Compute ".count).prefix { $0 != "\n" }.dropLast())
            XCTAssertEqual(try evaluate(expression), answer, text)
        }
    }

    private func evaluate(_ text: String) throws -> Int {
        try XCTUnwrap(try ExpressionParser().parse(text).value().integerValue, text)
    }
}
