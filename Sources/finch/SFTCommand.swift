import ArgumentParser
import FinchAlgorithms

struct SFT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft", abstract: "Supervised fine-tuning on prompt/completion or chat JSONL.")

    @OptionGroup var options: RunOptions

    func run() throws {
        try options.train(SFTSection.self) { try SFTTrainer(config: $0, world: $1, resume: $2) }
    }
}
