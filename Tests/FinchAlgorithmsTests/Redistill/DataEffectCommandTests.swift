import XCTest
import Foundation
import FinchDistributed
import FinchTasks
import FinchTestSupport

/// `finch data effect` as a user runs it: on one process and under `mpirun -np 2`, the same
/// scores, every input record kept with its fields, a rank per record.
final class DataEffectCommandTests: XCTestCase {
    private func finch(_ arguments: [String]) throws -> ChildProcessResult { try runFinch(arguments) }

    private func scored(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testScoresOnOneAndTwoRanksAgreeAndKeepTheRecords() throws {
        let dir = try makeTemporaryDirectory(for: self)
        let data = try writeAdditionSFTData(in: dir, count: 9, evalCount: 4, maxDigits: 2)
        let config = dir.appendingPathComponent("sft.yaml")
        try """
        model: {init: scratch, config: {model_type: gpt2, vocab_size: 262, n_embd: 16, n_layer: 1, n_head: 2, n_positions: 32}}
        data: {train: \(data.path)/train.jsonl, max_length: 32}
        train: {steps: 2, batch_size: 2, threads: 1, lr: 0.01}
        checkpoint: {dir: \(dir.path)/run}
        """.write(to: config, atomically: true, encoding: .utf8)
        let made = try finch(["sft", "--config", config.path])
        XCTAssertEqual(made.status, 0, made.output)
        let effect = ["data", "effect", "--checkpoint", dir.appendingPathComponent("run/step-00000002").path,
                      "--data", data.appendingPathComponent("train.jsonl").path,
                      "--target", data.appendingPathComponent("eval.jsonl").path, "--threads", "1", "--out"]
        let one = dir.appendingPathComponent("one.jsonl"), two = dir.appendingPathComponent("two.jsonl")
        let single = try finch(effect + [one.path])
        XCTAssertEqual(single.status, 0, single.output)
        print(single.output)
        let job = try MPIJob(processCount: 2).run(executable: try finchExecutable().path, arguments: effect + [two.path])
        XCTAssertTrue(job.succeeded, job.output)

        let input = try String(contentsOf: data.appendingPathComponent("train.jsonl"), encoding: .utf8).split(separator: "\n")
        let a = try scored(one), b = try scored(two)
        XCTAssertEqual(a.count, input.count)
        XCTAssertEqual(b.count, input.count)
        let effects = try a.map { try XCTUnwrap($0["effect"] as? Double) }
        let scale = effects.map(abs).max()!
        XCTAssertGreaterThan(scale, 0)
        for (i, (x, y)) in zip(a, b).enumerated() {
            let original = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(input[i].utf8)) as? [String: Any])
            XCTAssertEqual(x["prompt"] as? String, original["prompt"] as? String, "record \(i) keeps its fields, in input order")
            XCTAssertEqual(x["completion"] as? String, original["completion"] as? String)
            XCTAssertEqual(try XCTUnwrap(y["effect"] as? Double), effects[i], accuracy: 1e-5 * scale, "record \(i): 2 ranks against 1")
            XCTAssertGreaterThan(try XCTUnwrap(x["tokens"] as? Int), 0)
            XCTAssertLessThan(try XCTUnwrap(x["logprob"] as? Double), 0)
        }
        let ranks = try a.map { try XCTUnwrap($0["effect_rank"] as? Int) }
        XCTAssertEqual(ranks.sorted(), Array(1...input.count))
        XCTAssertEqual(effects[ranks.firstIndex(of: 1)!], effects.max())

        let refused = try finch(effect + [dir.appendingPathComponent("missing/out.jsonl").path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("--out: the directory"), refused.output)
    }
}
