import ArgumentParser
import FinchDistributed
import FinchAlgorithms
import FinchTrain

struct SFT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft", abstract: "Supervised fine-tuning on prompt/completion or chat JSONL.")

    @OptionGroup var options: RunOptions

    func run() throws {
        let world = try TrainingWorld(comm: Communicator.world())
        do {
            let runConfig = try SFTRunConfig.load(path: options.config, overrides: options.overrides, world: world)
            let trainer = try SFTTrainer(config: runConfig, world: try world.withBuckets(mb: runConfig.distributed.bucketMB),
                                         resume: options.resume)
            try trainer.run(stopAfter: options.stopAfter)
        } catch {
            world.abort(error)
        }
    }
}
