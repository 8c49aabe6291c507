import Foundation
import FinchData
import FinchKernels
import FinchTasks
@testable import FinchAlgorithms
@testable import FinchTrain

/// Tiny addition preference data (`finch data generate --format prefs`: the reference answer
/// chosen over a flawed one) and DPO / reward-model run configs over it for a two-layer GPT.
struct PreferenceFixture {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("finch-prefs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        _ = try TaskDataset.generate(task: TaskCatalog.task(named: "addition", settings: TaskSettings(minDigits: 1, maxDigits: 2)), count: 64, evalCount: 32, seed: 3,
                                     format: .prefs, directory: dir)
    }

    /// A fixture over a directory another process already filled.
    init(existing dir: URL) { self.dir = dir }

    func path(_ name: String) -> URL { dir.appendingPathComponent(name) }

    /// A style preference a small reward model can learn from a few hundred records: answers
    /// are 8 random letters from "ab", and the one with more a's is preferred (best-of-`n`
    /// records when `n` > 2, pairwise ones otherwise; ties are left out).
    func writeStylePreferences(_ name: String, count: Int, answers n: Int = 2, seed: UInt64) throws {
        var rng = RNG(seed: seed)
        var lines: [String] = []
        while lines.count < count {
            let texts = (0..<n).map { _ in String((0..<8).map { _ in rng.below(2) == 0 ? Character("a") : "b" }) }
            let counts = texts.map { $0.filter { $0 == "a" }.count }
            let top = counts.max()!
            guard counts.filter({ $0 == top }).count == 1 else { continue }
            let best = counts.firstIndex(of: top)!
            let record = n == 2
                ? PreferenceRecord(prompt: .plain("pick:"), choice: .pairwise(chosen: .plain(texts[best]), rejected: .plain(texts[1 - best])))
                : PreferenceRecord(prompt: .plain("pick:"), choice: .bestOfN(completions: texts.map { .plain($0) }, best: best))
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: record.jsonObject, options: [.sortedKeys]), as: UTF8.self))
        }
        try (lines.joined(separator: "\n") + "\n").write(to: path(name), atomically: true, encoding: .utf8)
    }

    /// `section` is the algorithm's own YAML (`dpo: {beta: 0.1}`); by default, all its defaults.
    func config<A: AlgorithmConfig>(_: A.Type, steps: Int, run: String, section: String = "", batch: Int = 8,
                                    lr: Double = 3e-3, trainFile: String = "train.jsonl", eval: String = "eval.jsonl", every: Int = 0,
                                    overrides: [String] = []) throws -> RunConfig<A> {
        let yaml = """
        model:
          init: scratch
          seed: 5
          config: {model_type: gpt2, vocab_size: 262, n_embd: 32, n_layer: 2, n_head: 2, n_positions: 96}
        data:
          train: \(path(trainFile).path)
          eval: \(path(eval).path)
          max_length: 96
        train:
          steps: \(steps)
          batch_size: \(batch)
          lr: \(lr)
          warmup_steps: 2
          eval_samples: 32
          threads: 1
        checkpoint:
          dir: \(path(run).path)
          every: \(every)
          keep_last: 0
        logging:
          every: 1
        \(section.isEmpty ? "\(A.sectionName!): {}" : section)
        """
        return try RunConfig<A>.parse(yaml: yaml, file: "test.yaml", overrides: overrides)
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}
