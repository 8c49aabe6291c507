import Foundation
import FinchData
import FinchTasks
@testable import FinchAlgorithms
import FinchEval
@testable import FinchTrain

/// A directory with prompt files of the toy digits task, and RL run configs over them for a
/// two-layer GPT from scratch: a few steps take a second or two.
struct RLFixture {
    let dir: URL

    init(dir: URL? = nil) throws {
        self.dir = dir ?? FileManager.default.temporaryDirectory.appendingPathComponent("finch-rl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.dir, withIntermediateDirectories: true)
        let task = DigitsTask()
        let (train, eval) = try task.split(count: 64, evalCount: 8, seed: 2)
        try write(train.map(task.instance(of:)), to: path("train.jsonl"))
        try write(eval.map(task.instance(of:)), to: path("eval.jsonl"))
    }

    init(existing dir: URL) { self.dir = dir }

    func path(_ name: String) -> URL { dir.appendingPathComponent(name) }

    private func write(_ instances: [TaskInstance], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let lines = try instances.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    /// `rl` and `distributed` are YAML flow mappings' contents, appended to the defaults.
    /// `positions`: the model's context (revisions need room to quote an answer back).
    func config(steps: Int, run: String, every: Int = 0, rl: String = "", distributed: String = "",
                overrides: [String] = [], positions: Int = 48, task: String = "digits") throws -> RLRunConfig {
        let yaml = """
        model:
          init: scratch
          seed: 3
          config: {model_type: gpt2, vocab_size: 262, n_embd: 32, n_layer: 2, n_head: 2, n_positions: \(positions)}
        data: {train: \(path("train.jsonl").path), seed: 1}
        train: {steps: \(steps), lr: 1.0e-2, warmup_steps: 0, min_lr: 1.0e-2, threads: 1, grad_clip: 1.0}
        checkpoint: {dir: \(path(run).path), every: \(every), keep_last: 0}
        logging: {every: 1}
        distributed: {\(distributed)}
        rl: {algorithm: grpo, task: \(task), prompts_per_step: 4, group_size: 8, max_new_tokens: 8, rollout_batch: 32\(rl.isEmpty ? "" : ", " + rl)}
        """
        return try RLRunConfig.parse(yaml: yaml, file: "test.yaml", overrides: overrides)
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}
