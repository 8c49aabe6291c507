import Foundation
import FinchData
import FinchTasks
@testable import FinchAlgorithms
import FinchEval
@testable import FinchTrain

/// A directory with tiny generated addition data, and run configs over it for a few-step,
/// two-layer GPT: small enough that a trainer test takes a second.
struct SFTFixture {
    let dir: URL

    /// Creates the data under `dir` (a fresh temporary directory when nil).
    init(dir: URL? = nil) throws {
        self.dir = dir ?? FileManager.default.temporaryDirectory.appendingPathComponent("finch-sft-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.dir, withIntermediateDirectories: true)
        let (train, eval) = try AdditionTask(minDigits: 1, maxDigits: 1).split(count: 16, evalCount: 8, seed: 3)
        try AdditionTask.writeJSONL(train, to: path("train.jsonl"), includeAnswers: false)
        try AdditionTask.writeJSONL(eval, to: path("eval.jsonl"), includeAnswers: true)
    }

    init(unchecked dir: URL) { self.dir = dir }

    func path(_ name: String) -> URL { dir.appendingPathComponent(name) }

    func config(steps: Int, every: Int, run: String, batch: Int = 4, overrides: [String] = []) throws -> SFTRunConfig {
        let yaml = """
        model:
          init: scratch
          seed: 5
          config: {model_type: gpt2, vocab_size: 262, n_embd: 32, n_layer: 2, n_head: 2, n_positions: 32}
        data:
          train: \(path("train.jsonl").path)
          eval: \(path("eval.jsonl").path)
          max_length: 32
        train:
          steps: \(steps)
          batch_size: \(batch)
          lr: 3.0e-3
          warmup_steps: 2
          eval_samples: 8
          threads: 1
        checkpoint:
          dir: \(path(run).path)
          every: \(every)
          keep_last: 0
        logging:
          every: 1
        """
        return try SFTRunConfig.parse(yaml: yaml, file: "test.yaml", overrides: overrides)
    }

    /// step → (loss, global sample) from a run's metrics file (every line of every process that
    /// appended to it, in order; a later line for the same step wins).
    func trainMetrics(run: String) throws -> [Int: (loss: Double, globalSample: Int)] {
        let text = try String(contentsOf: path(run).appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        var out: [Int: (Double, Int)] = [:]
        for line in text.split(separator: "\n") where line.contains("\"kind\":\"train\"") {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            out[(obj["step"] as! NSNumber).intValue] = ((obj["loss"] as! NSNumber).doubleValue,
                                                        (obj["global_sample"] as! NSNumber).intValue)
        }
        return out
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}
