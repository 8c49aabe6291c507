import ArgumentParser
import FinchAlgorithms

struct DPO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpo", abstract: "Direct Preference Optimization on pairwise or best-of-N preference JSONL.",
        discussion: "Example: launch/mpirun-local -np 2 finch dpo --config configs/dpo-style.yaml")

    @OptionGroup var options: RunOptions

    func run() throws {
        try options.train(DPOSection.self) { try DPOTrainer(config: $0, world: $1, resume: $2) }
    }
}
