import ArgumentParser
import FinchData
import FinchTasks
import Foundation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "data", abstract: "Make datasets.",
                                                    subcommands: [GenerateData.self, Variants.self, Corpus.self, Effect.self])

    /// Which task, and its settings; shared with `finch eval` so both build the same task.
    struct TaskOptions: ParsableArguments {
        @Option(help: "Task: \(TaskCatalog.names.joined(separator: ", ")) (required).") var task: String?
        @Option(help: "GeneralPoints rule: id (J, Q, K count 10) or ood (11, 12, 13).") var rule: String?
        @Option(help: "GeneralPoints reward: shaped (+5 to -3, as in the paper; default) or binary.") var reward: String?
        @Option(help: "Smallest operand size in digits (addition, arithmetic; default 1).") var minDigits: Int?
        @Option(help: "Largest operand size in digits (addition: default 4; arithmetic: 2).") var maxDigits: Int?
        @Option(help: "Fewest operations per problem (arithmetic; default 2).") var minOperations: Int?
        @Option(help: "Most operations per problem (arithmetic; default 4).") var maxOperations: Int?

        /// Optional to the parser only so that `finch eval --perplexity` can go without one.
        func makeTask() throws -> any VerifiableTask {
            guard let task else { throw ValidationError("--task is required (one of \(TaskCatalog.names.joined(separator: ", ")))") }
            return try TaskCatalog.task(named: task, settings: TaskSettings(
                rule: rule, reward: reward, minDigits: minDigits, maxDigits: maxDigits,
                minOperations: minOperations, maxOperations: maxOperations))
        }
    }

    struct GenerateData: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write generated train/eval JSONL for a task (train and eval never share a problem).",
            discussion: """
            Formats: sft (prompt, completion), cft (critique fine-tuning: half the candidate solutions \
            flawed), prefs (prompt, chosen, rejected), prompts (prompt only, for RL and finch eval). \
            Every line also carries task, rule and ground_truth.
            """)

        @OptionGroup var taskOptions: TaskOptions
        @Option(help: "Training examples.") var n: Int
        @Option(help: "Held-out examples.") var evalN = 500
        @Option(help: "Seed.") var seed: UInt64 = 0
        @Option(help: "Format.") var format: TaskDatasetFormat = .sft
        @Option(help: "Output directory (train.jsonl, eval.jsonl).") var out: String
        @Option(help: ArgumentHelp("Leave out problems that are also in this file (repeatable), e.g. another run's training set.",
                                   valueName: "file")) var exclude: [String] = []

        func run() throws {
            guard n >= 0, evalN >= 0 else { throw ValidationError("--n and --eval-n must not be negative") }
            let task = try taskOptions.makeTask()
            let dir = URL(fileURLWithPath: out)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw ValidationError("--out: \(dir.path) is a file, not a directory")
            }
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let excluded = try exclude.flatMap { try TaskInstanceFile.read(URL(fileURLWithPath: $0), task: task) }
            let left = try TaskDataset.generate(task: task, count: n, evalCount: evalN, seed: seed, format: format,
                                                directory: dir, excluding: excluded)
            print("wrote \(n - left.train) training and \(evalN - left.eval) held-out \(task.name) problems (\(format.rawValue)) to \(dir.path)"
                  + (exclude.isEmpty ? "" : "; left out \(left.train) and \(left.eval) found in \(exclude.joined(separator: ", "))"))
        }
    }

    struct Corpus: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the pretraining corpus: documents that state a rule and apply it ({\"text\": …} JSONL).",
            discussion: """
            Card values assigned anew in each document, symbol values, worked arithmetic, searches for a \
            target, comparisons and counting (PretrainingCorpus). No document states either rule of the \
            SFT-vs-RL study (J, Q, K = 10 or 11, 12, 13) or sets the target 24, so the study stays unseen. \
            train.jsonl and eval.jsonl come from different seeds' streams.
            """)

        @Option(help: "Training documents.") var n: Int
        @Option(help: "Held-out documents.") var evalN = 1000
        @Option(help: "Seed.") var seed: UInt64 = 0
        @Option(help: "Output directory (train.jsonl, eval.jsonl).") var out: String

        func run() throws {
            guard n >= 1, evalN >= 0, n <= 100_000_000 else { throw ValidationError("--n must lie within 1...100000000 and --eval-n must not be negative") }
            let dir = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            struct Line: Encodable { let text: String }
            for (name, count, stream) in [("train.jsonl", n, seed &* 2), ("eval.jsonl", evalN, seed &* 2 &+ 1)] where count > 0 {
                try writeJSONLines(PretrainingCorpus.documents(count: count, seed: stream).map(Line.init), to: dir.appendingPathComponent(name))
            }
            print("wrote \(n) training and \(evalN) held-out documents to \(dir.path)")
        }
    }

    struct Variants: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write other presentations of a file's problems: same problem (task key), different prompt.",
            discussion: """
            For GeneralPoints, the same card values dealt in another order or with other faces. \
            Evaluating several deals of each held-out value set, 'finch compare' averages a value \
            set's deals before pairing. Problems with few presentations get fewer variants.
            """)

        @OptionGroup var taskOptions: TaskOptions
        @Option(help: "The problems to vary (a file from 'finch data generate').") var of: String
        @Option(help: "Variants per problem.") var perProblem = 4
        @Option(help: "Seed.") var seed: UInt64 = 0
        @Option(help: "Format.") var format: TaskDatasetFormat = .prompts
        @Option(help: "Output file (JSONL).") var out: String

        func run() throws {
            guard perProblem >= 1 else { throw ValidationError("--per-problem must be at least 1") }
            let task = try taskOptions.makeTask()
            let originals = try TaskInstanceFile.read(URL(fileURLWithPath: of), task: task)
            let made = try TaskDataset.writeVariants(task: task, of: originals, perProblem: perProblem, seed: seed,
                                                     format: format, file: URL(fileURLWithPath: out))
            print("wrote \(made.written) variants of \(originals.count) \(task.name) problems from \(of) to \(out)"
                  + (made.short > 0 ? "; \(made.short) had fewer than \(perProblem) other presentations" : ""))
        }
    }
}

/// `--format sft|cft|prefs|prompts`; an unknown name is refused with the list.
extension TaskDatasetFormat: ExpressibleByArgument {}
