import ArgumentParser
import FinchData
import FinchEval
import FinchKernels
import FinchLabelling
import FinchTasks
import FinchTrain
import Foundation

struct Label: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw candidate answers for comparison, and label them.",
        subcommands: [Sample.self, Serve.self, Simulate.self, Agreement.self])

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
                                            temperature: temperature, maxNewTokens: maxNewTokens, seed: seed, batchSize: batchSize,
                                            progress: { TerminalLine.shared.show("sampling: \($0)/\($1) answers") })
            TerminalLine.shared.clear()
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

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the labelling page: people pick the best candidate; each label is appended durably to --out.",
            discussion: """
            Restarting with the same --out continues where it stopped. Keys: 1-9 choose, s skips, u undoes. \
            Binds to 127.0.0.1 unless --host says otherwise; then every request needs the token (given, or generated and printed).
            """)

        @Option(help: "Candidates file (finch label sample).") var samples: String
        @Option(help: "Labels file (JSONL), appended to.") var out: String
        @Option(help: "best: pick the best of all candidates (best-of-N records); pairs: the better of the first two (pairwise records).")
        var mode: String = "best"
        @Option(help: "A text file shown above the items (what to prefer).") var instructions: String?
        @Option(help: "Address to bind.") var host = "127.0.0.1"
        @Option(help: "Port.") var port = 8080
        @Option(help: "Token every request must carry (default: none on 127.0.0.1, a generated one elsewhere).") var token: String?

        func run() async throws {
            guard let mode = LabelStore.Mode(rawValue: mode) else { throw ValidationError("--mode must be best or pairs") }
            guard (1...65_535).contains(port) else { throw ValidationError("--port must lie within 1...65535") }
            var options = LabelServer.Options()
            options.host = host
            options.port = UInt16(port)
            options.instructions = try instructions.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? ""
            options.token = token ?? (options.isLoopback ? nil : (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max)) }.joined())
            let store = try LabelStore(samples: URL(fileURLWithPath: samples), labels: URL(fileURLWithPath: out), mode: mode)
            let server = try LabelServer(store: store, options: options)
            let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/" + (options.token.map { "?token=\($0)" } ?? "")
            print("labelling \(store.sets.count) candidate sets (\(store.allLabels.count) labels so far in \(out)) at \(url)")
            try await server.run()
        }
    }

    struct Agreement: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How often labellers agree on the sets more than one of them labelled.")

        @Argument(help: "Labels files (finch label serve or simulate).") var files: [String]

        func run() throws {
            var labels: [(id: Int, labeller: String, choice: Int)] = []
            for file in files { labels += try LabellerAgreement.labels(URL(fileURLWithPath: file)) }
            let a = LabellerAgreement(labels: labels)
            guard a.pairs > 0 else { print("no set was labelled by more than one labeller"); return }
            print(String(format: "%d sets labelled by more than one labeller: %.1f%% of %d label pairs agree", a.sharedSets, 100 * a.rate, a.pairs))
            for (names, count) in a.byLabellers.sorted(by: { $0.key < $1.key }) {
                print(String(format: "  %@: %.1f%% of %d", names, 100 * Double(count.agreeing) / Double(count.pairs), count.pairs))
            }
        }
    }
}
