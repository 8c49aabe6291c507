import ArgumentParser
import FinchData
import FinchEval
import FinchKernels
import FinchTasks
import FinchTrain
import Foundation

struct Label: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw candidate answers for comparison, and label them.",
        subcommands: [Sample.self, Simulate.self])

    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw --n answers to each prompt of a task's prompts file from a checkpoint (one candidate set per line).")

        @Option(help: "Checkpoint directory of the policy whose answers are compared.") var checkpoint: String
        @Option(help: "Prompts file (finch data generate --format prompts).") var prompts: String
        @OptionGroup var taskOptions: DataCommand.TaskOptions
        @Option(help: "Candidates per prompt.") var n = 4
        @Option(help: "Use the first this many prompts (default: all).") var limit: Int?
        @Option(help: "Sampling temperature.") var temperature: Float = 1
        @Option(help: "Token budget per answer.") var maxNewTokens = 64
        @Option(help: "Seed of the answers.") var seed: UInt64 = 0
        @Option(help: "Sequences decoded together.") var batchSize = 64
        @Option(help: "Kernel threads.") var threads = 1
        @Option(help: "Output JSONL.") var out: String

        func run() throws {
            guard n >= 2, temperature > 0, maxNewTokens >= 1, batchSize >= 1, (limit ?? 1) >= 1 else {
                throw ValidationError("--n must be >= 2, --temperature > 0, --max-new-tokens, --batch-size and --limit >= 1")
            }
            KernelThreads.set(threads)
            let task = try taskOptions.makeTask()
            let problems = try TaskInstanceFile.read(URL(fileURLWithPath: prompts), task: task)
            let policy = try LoadedPolicy(checkpoint: URL(fileURLWithPath: checkpoint))
            let sets = try sampleCandidates(model: policy.model, tokenizer: policy.tokenizer,
                                            problems: Array(problems.prefix(limit ?? problems.count)), n: n,
                                            temperature: temperature, maxNewTokens: maxNewTokens, seed: seed, batchSize: batchSize)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let lines = try sets.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            try DurableFiles.replace(URL(fileURLWithPath: out), with: Data((lines.joined(separator: "\n") + "\n").utf8))
            print("wrote \(sets.count) candidate sets of \(n) answers to \(out)")
        }
    }

    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Label candidate sets with a simulated labeller: the task's reward is the hidden preference, with label noise.",
            discussion: "Writes best-of-N records that finch rm and finch dpo read, and reports how often the noisy labels agree with the noiseless preference.")

        @Option(help: "Candidates file (finch label sample).") var samples: String
        @OptionGroup var taskOptions: DataCommand.TaskOptions
        @Option(help: "Probability that a label is replaced by another candidate.") var noise = 0.2
        @Option(help: "Seed of ties and noise.") var seed: UInt64 = 0
        @Option(help: "Output JSONL.") var out: String

        func run() throws {
            guard (0...1).contains(noise) else { throw ValidationError("--noise must lie within 0...1") }
            let labeller = SimulatedLabeller(task: try taskOptions.makeTask(), noise: noise)
            var rng = RNG(seed: seed)
            var agree = 0, lines: [String] = []
            let sets = try CandidateSet.read(URL(fileURLWithPath: samples))
            for set in sets {
                let label = try labeller.label(set, rng: &rng)
                if label.best == label.truth { agree += 1 }
                lines.append(LabelledComparison(candidates: set, best: label.best, labeller: labeller.name).jsonLine)
            }
            try DurableFiles.replace(URL(fileURLWithPath: out), with: Data((lines.joined(separator: "\n") + "\n").utf8))
            print(String(format: "wrote %d labels to %@; %.1f%% agree with the noiseless preference (the ceiling of a reward model's best-of-N accuracy on such labels)",
                         sets.count, out, 100 * Double(agree) / Double(max(sets.count, 1))))
        }
    }
}
