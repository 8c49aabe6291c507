import ArgumentParser
import Foundation
import FinchAlgorithms
import FinchData
import FinchDistributed
import FinchKernels
import FinchTrain

extension DataCommand {
    struct Effect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score SFT records by their sample effect under a checkpoint (arXiv 2505.17988).",
            discussion: """
            A record's effect is ⟨g(record), ḡ⟩, where g is the gradient of the mean log-prob of its \
            completion tokens under --checkpoint and ḡ the mean g of --target (default: --data itself): \
            the first-order gain in the target's log-likelihood from one SGD step on the record. Each \
            output line is the input record with effect, effect_rank (1 = largest), tokens, logprob \
            (Σ log p of the completion) and grad_norm added, in input order. Under mpirun the ranks \
            share the records.
            """)

        @Option(help: "Checkpoint or model directory that scores (e.g. the base that would be fine-tuned).") var checkpoint: String
        @Option(help: "SFT records to score (prompt, completion).") var data: String
        @Option(help: "SFT records whose mean gradient is the objective's (default: --data).") var target: String?
        @Option(help: "Where to write the scored records (JSONL).") var out: String
        @Option(help: "Longest sequence in tokens (default: the model's context).") var maxLength: Int?
        @Option(help: "Kernel threads per rank (0: the cores per rank).") var threads = 0

        func validate() throws {
            guard (0...1024).contains(threads) else { throw ValidationError("--threads must lie within 0...1024, got \(threads)") }
            if let maxLength, maxLength < 2 { throw ValidationError("--max-length must be at least 2, got \(maxLength)") }
        }

        func run() throws {
            try requireOutputDirectory(of: out, option: "--out")
            let world = try TrainingWorld(comm: Communicator.world())
            do {
                try score(world)
            } catch {
                world.abort(error)
            }
        }

        private func score(_ world: TrainingWorld) throws {
            KernelThreads.set(threads > 0 ? threads : TrainingWorld.coresPerLocalRank)
            let loaded = try LoadedPolicy(checkpoint: URL(fileURLWithPath: checkpoint))
            let length = min(maxLength ?? loaded.model.config.maxPositions, loaded.model.config.maxPositions)
            func examples(_ path: String) throws -> [SFTExample] {
                try SFTDataset(contentsOf: URL(fileURLWithPath: path), tokenizer: loaded.tokenizer, maxLength: length).examples
            }
            let samples = try examples(data)
            let effects = try sampleEffects(model: loaded.model, samples: samples, target: try target.map(examples) ?? samples,
                                            maxLength: length, world: world)
            guard world.isCoordinator else { return }
            let ranks = Dictionary(uniqueKeysWithValues: effects.indices.sorted { effects[$0].effect > effects[$1].effect }
                .enumerated().map { ($0.element, $0.offset + 1) })
            var lines: [String] = []
            for (index, (number, line)) in try readJSONLines(URL(fileURLWithPath: data)).enumerated() {
                guard var record = try JSONSerialization.jsonObject(with: line) as? [String: Any] else {
                    throw DataError(source: data, line: number, reason: "not a JSON object")
                }
                let e = effects[index]
                record.merge(["effect": e.effect, "effect_rank": ranks[index]!, "tokens": e.tokens, "logprob": e.logprob,
                              "grad_norm": e.gradNorm]) { _, new in new }
                lines.append(String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]),
                                    as: UTF8.self))
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: out, atomically: true, encoding: .utf8)
            let sorted = effects.map(\.effect).sorted()
            print("data effect: \(effects.count) records of \(data) scored under \(checkpoint) against \(target ?? "themselves"): "
                  + String(format: "effect median %.4g, range [%.4g, %.4g]", sorted[sorted.count / 2], sorted.first!, sorted.last!)
                  + "; wrote \(out)")
        }
    }
}
