import XCTest
import FinchData
import FinchModel
@testable import FinchAlgorithms
import FinchEval
@testable import FinchTrain

/// The SFT trainer end to end on tiny generated data: it learns, it resumes bit for bit,
/// and bad input stops it with the place at fault.
final class SFTTrainerTests: XCTestCase {
    private var fixture: SFTFixture!
    private var dir: URL { fixture.dir }

    override func setUpWithError() throws { fixture = try SFTFixture() }
    override func tearDownWithError() throws { fixture.remove() }

    private func config(steps: Int, every: Int, run: String, extra: [String] = []) throws -> SFTRunConfig {
        try fixture.config(steps: steps, every: every, run: run, overrides: extra)
    }

    func testResumedRunRepeatsTheUninterruptedRunBitForBit() throws {
        let full = try SFTTrainer(config: try config(steps: 8, every: 3, run: "full"), log: { _ in })
        try full.run()

        // Resume a copy of the step-3 checkpoint in a fresh directory and run to the end.
        let resumed = dir.appendingPathComponent("resumed")
        try FileManager.default.createDirectory(at: resumed, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("full/step-00000003"),
                                         to: resumed.appendingPathComponent("step-00000003"))
        let second = try SFTTrainer(config: try config(steps: 8, every: 3, run: "resumed"), resume: "auto", log: { _ in })
        XCTAssertEqual(second.state.step, 3)
        XCTAssertEqual(second.state.globalSample, 12)
        try second.run()
        for step in 4...8 {
            let a = try XCTUnwrap(full.losses[step]), b = try XCTUnwrap(second.losses[step])
            XCTAssertEqual(a.bitPattern, b.bitPattern, "step \(step): \(a) vs \(b)")
        }
        XCTAssertEqual(full.model.params.array, second.model.params.array)
        // The compute count is part of the state: saved, restored, and at least 6·N per position
        // of 8 steps of 4 rows (every row is longer than a token).
        XCTAssertEqual(full.state.flops, second.state.flops)
        XCTAssertGreaterThanOrEqual(full.state.flops, 6 * Double(full.model.parameterCountExcludingPositions) * 8 * 4 * 2)
        print("resume: losses of steps 4-8 identical:", (4...8).map { full.losses[$0]! }, "flops", full.state.flops)
    }

    /// Eight prompts with arbitrary answers: after training, greedy decoding must give them back.
    func testLearnsToAnswerItsTrainingPrompts() throws {
        let words = ["finch", "robin", "heron", "egret", "raven", "crane", "stork", "swift"]
        let lines = words.enumerated().map { "{\"prompt\": \"bird \($0.offset)?\", \"completion\": \" \($0.element)\"}" }
        let data = dir.appendingPathComponent("birds.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: data, atomically: true, encoding: .utf8)
        let trainer = try SFTTrainer(config: try config(steps: 120, every: 0, run: "birds",
                                                        extra: ["data.train=\(data.path)", "data.eval=\(data.path)",
                                                                "train.lr=1e-2", "train.batch_size=8"]), log: { _ in })
        let result = try XCTUnwrap(try trainer.run())
        print("birds: loss \(trainer.losses[1]!) -> \(trainer.losses[120]!), exact match \(result.exactMatch)")
        XCTAssertLessThan(trainer.losses[120]!, trainer.losses[1]! / 10, "loss should fall by 10×")
        XCTAssertEqual(result.exactMatch, 1, "greedy generations should give back every answer")
    }

    /// `data.kind: text` trains on every token (pretraining); packed rows, held-out perplexity.
    func testTextDataTrainsOnEveryTokenAndReportsPerplexity() throws {
        let sentences = (0..<64).map { i in "{\"text\": \"the finch number \(i % 8) sings \(i % 8 + 1) notes\"}" }
        let data = dir.appendingPathComponent("text.jsonl")
        try (sentences.joined(separator: "\n") + "\n").write(to: data, atomically: true, encoding: .utf8)
        var lines: [String] = []
        let trainer = try SFTTrainer(config: try config(steps: 60, every: 0, run: "text",
                                                        extra: ["data.train=\(data.path)", "data.eval=\(data.path)", "data.kind=text",
                                                                "data.pack=true", "train.lr=1e-2", "train.eval_samples=8"]),
                                     log: { lines.append($0) })
        let result = try XCTUnwrap(try trainer.run())
        print("text: loss \(trainer.losses[1]!) -> \(trainer.losses[60]!), held-out perplexity \(exp(result.loss))")
        XCTAssertLessThan(trainer.losses[60]!, trainer.losses[1]! / 3)
        XCTAssertTrue(lines.contains { $0.contains("perplexity") }, lines.joined(separator: "\n"))
        XCTAssertThrowsError(try SFTTrainer(config: try config(steps: 1, every: 0, run: "x", extra: ["data.pack=true"]), log: { _ in })) { error in
            XCTAssertTrue("\(error)".contains("data.pack"), "\(error)")
        }
    }

    func testMalformedTrainingLineNamesFileAndLine() throws {
        let bad = dir.appendingPathComponent("bad.jsonl")
        try "{\"prompt\": \"1+1=\", \"completion\": \"2\"}\n{\"prompt\": \"2+2=\" \"completion\": \"4\"}\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SFTTrainer(config: try config(steps: 1, every: 0, run: "bad",
                                                                extra: ["data.train=\(bad.path)"]), log: { _ in })) { error in
            XCTAssertTrue("\(error)".contains("bad.jsonl:2"), "\(error)")
        }
    }

    func testTruncatedCheckpointIsNamedWhenResumedExplicitly() throws {
        try SFTTrainer(config: try config(steps: 2, every: 2, run: "trunc"), log: { _ in }).run()
        let ckpt = dir.appendingPathComponent("trunc/step-00000002")
        let weights = ckpt.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: weights)
        try data.prefix(data.count / 2).write(to: weights)
        XCTAssertThrowsError(try SFTTrainer(config: try config(steps: 4, every: 2, run: "trunc"), resume: ckpt.path,
                                            log: { _ in })) { error in
            XCTAssertTrue("\(error)".contains("model.safetensors"), "\(error)")
        }
        // "auto" passes over the damaged checkpoint and starts fresh instead of loading it.
        var lines: [String] = []
        let fresh = try SFTTrainer(config: try config(steps: 4, every: 2, run: "trunc"), resume: "auto", log: { lines.append($0) })
        XCTAssertEqual(fresh.state.step, 0)
        XCTAssertTrue(lines.contains { $0.contains("model.safetensors") }, "\(lines)")
    }

    func testUnknownConfigKeyNamesKeyAndFile() throws {
        let path = dir.appendingPathComponent("typo.yaml").path
        try "model:\n  init: scratch\n  config: {vocab_size: 262, n_embd: 8, n_layer: 1, n_head: 1}\ndata:\n  train: x.jsonl\ntrain:\n  steps: 1\n  learning_rate: 0.1\ncheckpoint:\n  dir: runs/x\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SFTRunConfig.load(path: path)) { error in
            XCTAssertTrue("\(error)".contains("typo.yaml"), "\(error)")
            XCTAssertTrue("\(error)".contains("train.learning_rate"), "\(error)")
        }
    }
}
