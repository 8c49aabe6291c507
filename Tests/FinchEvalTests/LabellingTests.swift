import XCTest
import FinchData
import FinchKernels
import FinchTasks
import FinchTestSupport
@testable import FinchEval

/// Candidate sets and the simulated labeller: their files read back as the preference records
/// the reward-model and DPO trainers take, the labeller follows the hidden preference, and its
/// noise flips the stated fraction of labels.
final class LabellingTests: XCTestCase {
    private let task = SignoffTask()

    private func set(_ id: Int, _ completions: [String]) throws -> CandidateSet {
        let problem = SignoffTask.Problem(a: 2, b: 3, words: ["ok"])
        return CandidateSet(id: id, problem: task.instance(of: problem), completions: completions)
    }

    func testNoiselessLabellerPicksTheHiddenPreferenceAndRecordsReadBack() throws {
        let labeller = SimulatedLabeller(task: task, noise: 0)
        var rng = RNG(seed: 1)
        let candidates = try set(7, ["5 ok", "5 nice great", "6 cool", "bad"])
        let label = try labeller.label(candidates, rng: &rng)
        XCTAssertEqual(label.best, 1)  // style 2, against 0, 1 and a malformed answer
        XCTAssertEqual(label.truth, 1)
        let line = LabelledComparison(candidates: candidates, best: label.best, labeller: labeller.name).jsonLine
        let dir = try makeTemporaryDirectory(for: self)
        let url = dir.appendingPathComponent("labels.jsonl")
        try (line + "\n").write(to: url, atomically: true, encoding: .utf8)
        let record = try XCTUnwrap(try PreferenceRecord.read(url).first)
        XCTAssertEqual(record.choice, PreferenceRecord.Choice.bestOfN(completions: candidates.completions.map { .plain($0) }, best: 1))
        XCTAssertEqual(record.prompt, PreferenceRecord.Text.plain("2+3="))
        let back = try JSONDecoder().decode(LabelledComparison.self, from: Data(line.utf8))
        XCTAssertEqual(back.candidates, candidates)
        XCTAssertEqual(back.labeller, labeller.name)
        XCTAssertEqual(try CandidateSet.read(url), [candidates], "a labels file is also a candidates file")
    }

    func testNoiseFlipsTheStatedFractionOfLabels() throws {
        let labeller = SimulatedLabeller(task: task, noise: 0.3)
        var rng = RNG(seed: 2)
        let candidates = try set(0, ["5 ok", "5 nice great cool", "5 done", "5 yes"])
        var flipped = 0
        for _ in 0..<4000 where try labeller.label(candidates, rng: &rng).best != 1 { flipped += 1 }
        // Binomial(4000, 0.3): standard deviation 29, so ±120 is four of them.
        XCTAssertEqual(Double(flipped), 1200, accuracy: 120)
    }

    func testCandidateFileErrorsNameFileAndLine() throws {
        let dir = try makeTemporaryDirectory(for: self)
        let url = dir.appendingPathComponent("candidates.jsonl")
        let good = try JSONEncoder().encode(try set(0, ["5 ok", "5 done"]))
        try (String(decoding: good, as: UTF8.self) + "\n{\"id\": 1, \"completions\": [\"5 ok\"], \"task\": \"signoff\", \"prompt\": \"2+3=\", \"ground_truth\": {}}\n")
            .write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CandidateSet.read(url)) { error in
            XCTAssertTrue("\(error)".contains("candidates.jsonl:2"), "\(error)")
            XCTAssertTrue("\(error)".contains("fewer than 2 completions"), "\(error)")
        }
    }
}
