import ArgumentParser
import FinchAlgorithms

struct RewardModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Train a reward model on pairwise or best-of-N preference JSONL.",
        discussion: "Each checkpoint opens in transformers as a …ForSequenceClassification model. Example: launch/mpirun-local -np 2 finch rm --config configs/rm-style.yaml")

    @OptionGroup var options: RunOptions

    func run() throws {
        try options.train(RMSection.self) { try RewardModelTrainer(config: $0, world: $1, resume: $2) }
    }
}
