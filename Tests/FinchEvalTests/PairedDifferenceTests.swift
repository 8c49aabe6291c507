import XCTest
@testable import FinchEval
import FinchTrain

final class PairedDifferenceTests: XCTestCase {
    func testMatchesHandComputedValues() throws {
        // Differences 1, 0, 0, 0, −1, 1: mean 1/6; sample variance (Σd² − n·mean²)/(n−1) = (3 − 1/6)/5.
        let d = try PairedDifference(baseline: [0, 0, 1, 1, 1, 0], candidate: [1, 0, 1, 1, 0, 1])
        XCTAssertEqual(d.baseline, 0.5, accuracy: 1e-12)
        XCTAssertEqual(d.candidate, 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(d.difference, 1.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(d.standardError, ((3 - 1.0 / 6) / 5 / 6).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(d.better, 2)
        XCTAssertEqual(d.worse, 1)
        XCTAssertEqual(d.interval95.lowerBound, 1.0 / 6 - 1.96 * d.standardError, accuracy: 1e-12)
    }

    func testASharedOffsetHasNoNoise() throws {
        // Every problem one point better: the pairing sees no spread at all.
        let base = [0.1, 0.5, 0.2, 0.9]
        let d = try PairedDifference(baseline: base, candidate: base.map { $0 + 0.05 })
        XCTAssertEqual(d.difference, 0.05, accuracy: 1e-12)
        XCTAssertEqual(d.standardError, 0, accuracy: 1e-12)
        XCTAssertEqual(d.better, 4)
    }

    /// Prompts presenting the same problem are averaged into one score before pairing.
    func testPromptsOfOneProblemAreAveragedFirst() throws {
        let outcomes = ProblemOutcomes(greedyCorrect: [1, 0, 0, 1, 1], sampledCorrect: [], keys: ["a", "b", "a", "c", "b"])
        XCTAssertEqual(outcomes.meanByKey([1, 0, 0, 1, 1]), [0.5, 0.5, 1])
        XCTAssertEqual(outcomes.problemCount, 3)
        let plain = ProblemOutcomes(greedyCorrect: [1, 0], sampledCorrect: [])
        XCTAssertEqual(plain.meanByKey([1, 0]), [1, 0])
        XCTAssertEqual(plain.problemCount, 2)
        // Files written before keys were recorded still read, without keys.
        let old = try JSONDecoder().decode(ProblemOutcomes.self, from: Data(#"{"greedy_correct":[1],"sampled_correct":[]}"#.utf8))
        XCTAssertEqual(old.keys, [])
    }

    func testDifferentProblemCountsAreAnError() {
        XCTAssertThrowsError(try PairedDifference(baseline: [0, 1, 1], candidate: [1, 1])) {
            XCTAssertTrue("\($0)".contains("same problems"), "\($0)")
        }
    }
}
