import ArgumentParser
import FinchData
import Foundation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "data", abstract: "Make datasets.",
                                                    subcommands: [GenerateData.self])

    struct GenerateData: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write generated train/eval JSONL for a task (train and eval never share a problem).")

        @Option(help: "Task: addition.") var task: String
        @Option(help: "Training examples.") var n: Int
        @Option(help: "Held-out examples.") var evalN = 500
        @Option(help: "Seed.") var seed: UInt64 = 0
        @Option(help: "Smallest operand size in digits.") var minDigits = 1
        @Option(help: "Largest operand size in digits.") var maxDigits = 4
        @Option(help: "Output directory (train.jsonl, eval.jsonl).") var out: String

        func run() throws {
            guard task == "addition" else { throw ValidationError("unknown task '\(task)' (addition)") }
            let (train, eval) = try AdditionTask(minDigits: minDigits, maxDigits: maxDigits)
                .split(count: n, evalCount: evalN, seed: seed)
            let dir = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try AdditionTask.writeJSONL(train, to: dir.appendingPathComponent("train.jsonl"), includeAnswers: false)
            try AdditionTask.writeJSONL(eval, to: dir.appendingPathComponent("eval.jsonl"), includeAnswers: true)
            print("wrote \(train.count) training and \(eval.count) held-out problems to \(dir.path)")
        }
    }
}
