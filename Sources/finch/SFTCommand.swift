import ArgumentParser
import FinchDistributed
import FinchTrain

struct SFT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft", abstract: "Supervised fine-tuning on prompt/completion or chat JSONL.")

    @Option(help: "Run config (YAML).") var config: String
    @Option(name: .customLong("set"), help: "Override a config key, e.g. --set train.lr=3e-4 (repeatable).")
    var overrides: [String] = []
    @Option(help: "Continue a run: 'auto' (newest complete checkpoint in checkpoint.dir) or a checkpoint directory.")
    var resume: String?
    @Option(help: "Stop after this step with a checkpoint (the schedule still follows train.steps; resume continues).")
    var stopAfter: Int?

    func run() throws {
        let world = try TrainingWorld(comm: Communicator.world())
        do {
            let runConfig = try RunConfig.load(path: config, overrides: overrides, world: world)
            let trainer = try SFTTrainer(config: runConfig, world: try world.withBuckets(mb: runConfig.distributed.bucketMB),
                                         resume: resume)
            try trainer.run(stopAfter: stopAfter)
        } catch {
            world.abort(error)
        }
    }
}
