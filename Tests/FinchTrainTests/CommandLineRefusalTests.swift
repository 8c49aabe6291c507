import XCTest
import Foundation
import FinchTestSupport
@testable import FinchAlgorithms
@testable import FinchTrain
import FinchTasks

/// Nonsense on the command line, as a careless user types it: the `finch` executable exits
/// with a message that names the flag or key, never with a signal, and writes nothing.
final class CommandLineRefusalTests: XCTestCase {
    private func run(_ arguments: [String]) throws -> ChildProcessResult { try runFinch(arguments) }

    func testNonsenseArgumentsAreRefusedByName() throws {
        _ = try finchExecutable()  // an error, not a skip, when it is missing
        let dir = try makeTemporaryDirectory(for: self)
        let data = try writeAdditionSFTData(in: dir, count: 16, evalCount: 4, maxDigits: 1)
        let config = dir.appendingPathComponent("sft.yaml")
        try """
        model: {init: scratch, config: {model_type: gpt2, vocab_size: 262, n_embd: 16, n_layer: 1, n_head: 2, n_positions: 32}}
        data: {train: \(data.path)/train.jsonl, eval: \(data.path)/eval.jsonl, max_length: 32}
        train: {steps: 1, batch_size: 2, threads: 1}
        checkpoint: {dir: \(dir.path)/run}
        """.write(to: config, atomically: true, encoding: .utf8)
        let made = try run(["sft", "--config", config.path])
        XCTAssertEqual(made.status, 0, made.output)
        let checkpoint = dir.appendingPathComponent("run/step-00000001").path
        let sft = ["sft", "--config", config.path]
        let generate = ["generate", "--checkpoint", checkpoint, "--prompt", "1+1="]
        let eval = ["eval", "--checkpoint", checkpoint, "--task", "addition", "--max-digits", "1", "--n", "2"]
        let rl = dir.appendingPathComponent("rl.yaml")
        try """
        model: {init: \(checkpoint)}
        data: {train: \(data.path)/train.jsonl}
        train: {steps: 1, threads: 1}
        checkpoint: {dir: \(dir.path)/rl-run}
        rl: {algorithm: grpo, task: nosuch}
        """.write(to: rl, atomically: true, encoding: .utf8)
        let aFile = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: aFile)
        let badBytes = dir.appendingPathComponent("bad.yaml")
        try Data("model:\n  init: scratch\n  seed: ".utf8 + [0xFF, 0xFE] + Data("\n".utf8)).write(to: badBytes)
        let longPrompt = dir.appendingPathComponent("long.jsonl")
        try (String(repeating: #"{"prompt": "1+1=", "completion": "x", "task": "addition", "rule": null, "ground_truth": {"a": 1, "b": 1}}"# + "\n", count: 2)
             + #"{"prompt": "\#(String(repeating: "1", count: 60))+1=", "completion": "x", "task": "addition", "rule": null, "ground_truth": {"a": 1, "b": 1}}"# + "\n")
            .write(to: longPrompt, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["data", "generate", "--task", "addition", "--n", "2", "--out", aFile.path], "is a file, not a directory"),
            (sft + ["--set", "checkpoint.dir=\(aFile.path)"], "checkpoint.dir is a file, not a directory"),
            (["sft", "--config", badBytes.path], "bad.yaml:3: is not valid UTF-8"),
            (["config", "check", badBytes.path], "bad.yaml:3: is not valid UTF-8"),
            (sft + ["--set", "train.nosuchkey=1"], "--set train.nosuchkey=1: unknown key"),
            (["eval", "--checkpoint", checkpoint, "--task", "addition", "--data", longPrompt.path], "long.jsonl:3: the prompt is"),
            (["rl", "--config", rl.path], "rl.task: "),
            (["rl", "--config", rl.path, "--set", "rl.task=generalpoints", "--set", "rl.rule=xx"], "rl.rule: "),
            (sft, "already holds checkpoints (newest: step-00000001)"),
            (sft + ["--resume", "auto", "--overwrite"], "cannot be combined with --resume"),
            (sft + ["--stop-after=-1"], "--stop-after must be at least 1"),
            (sft + ["--overwrite", "--set", "train.batch_size=1000000000000"], "batch_size"),
            (sft + ["--overwrite", "--set", "train.min_lr=1"], "min_lr"),
            (sft + ["--overwrite", "--set", "model.config.n_embd=4294967296"], "n_embd"),
            (sft + ["--overwrite", "--set", "model.config.n_layer=1000000000"], "n_layer"),
            (generate + ["--samples=-1"], "--samples"),
            (generate + ["--samples", "0"], "--samples"),
            (generate + ["--samples", "100000000000"], "--samples"),
            (generate + ["--max-new-tokens=-1"], "--max-new-tokens"),
            (generate + ["--temperature=-1"], "--temperature"),
            (generate + ["--temperature", "nan"], "--temperature"),
            (generate + ["--top-k=-3"], "--top-k"),
            (generate + ["--top-p", "2"], "--top-p"),
            (generate + ["--top-p=-0.5"], "--top-p"),
            (["generate", "--checkpoint", checkpoint, "--prompt", String(repeating: "9", count: 100)], "fills the model's context"),
            (eval + ["--samples", "2", "--temperature=-1"], "--temperature"),
            (eval + ["--temperature", "nan", "--samples", "2"], "--temperature"),
            (eval + ["--threads=-1"], "--threads"),
            (["eval", "--checkpoint", checkpoint, "--task", "addition", "--n", "0"], "--n must be at least 1"),
            (eval + ["--out", "/nonexistent-dir/eval.json"], "/nonexistent-dir does not exist"),
        ]
        for (arguments, expected) in cases {
            let r = try run(arguments)
            XCTAssertFalse(r.signalled, "\(arguments.joined(separator: " ")) crashed:\n\(r.output)")
            XCTAssertNotEqual(r.status, 0, "\(arguments.joined(separator: " ")) was accepted")
            XCTAssertTrue(r.output.contains(expected), "\(arguments.joined(separator: " ")): '\(r.output.prefix(400))' lacks '\(expected)'")
        }
        print("hostile command lines: \(cases.count + 1) cases, each refused naming the flag, key or file")
        // Nothing above touched the run: its only checkpoint still verifies.
        XCTAssertNoThrow(try CheckpointStore.verify(checkpoint: URL(fileURLWithPath: checkpoint)))

        // A flipped byte in the weights is caught when generating, naming the file.
        let weights = URL(fileURLWithPath: checkpoint).appendingPathComponent("model.safetensors")
        var bytes = try Data(contentsOf: weights)
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: weights)
        let flipped = try run(generate)
        XCTAssertNotEqual(flipped.status, 0)
        XCTAssertTrue(flipped.output.contains("model.safetensors"), flipped.output)
    }
}
