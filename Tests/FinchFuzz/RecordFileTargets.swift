import FinchData
import FinchTasks
import Foundation

/// An SFT file (prompt/completion or chat messages), read and tokenized as `finch sft` does,
/// and read as a text file (`data.kind: text`).
struct SFTRecordsTarget: FuzzTarget {
    func run(_ input: Data) {
        let url = ScratchFile.write(input, as: "sft.jsonl")
        _ = try? SFTDataset(contentsOf: url, tokenizer: ByteTokenizer(), maxLength: 64, dropOverlong: true)
        _ = try? SFTDataset(contentsOf: url, tokenizer: ByteTokenizer(), maxLength: 64)
        _ = try? TextRecords.read(url)
    }
}

/// A preference file (prompt, chosen, rejected, or best-of-N candidates).
struct PreferenceRecordsTarget: FuzzTarget {
    func run(_ input: Data) {
        _ = try? PreferenceRecord.read(ScratchFile.write(input, as: "prefs.jsonl"))
    }
}

/// A prompts file for RL and `finch eval`, read for one task (each checks its own ground
/// truth), which the input's length picks.
struct PromptRecordsTarget: FuzzTarget {
    static let tasks: [any VerifiableTask] = TaskCatalog.names.compactMap { try? TaskCatalog.task(named: $0) }
        + [try? TaskCatalog.task(named: "generalpoints", settings: TaskSettings(rule: "ood"))].compactMap { $0 }

    func run(_ input: Data) {
        let url = ScratchFile.write(input, as: "prompts.jsonl")
        _ = try? TaskInstanceFile.read(url, task: Self.tasks[input.count % Self.tasks.count])
    }
}
