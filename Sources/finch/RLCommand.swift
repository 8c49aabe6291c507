import ArgumentParser
import FinchDistributed
import FinchAlgorithms
import FinchTrain

struct RL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rl",
        abstract: "Reinforcement learning (GRPO or PPO, from the config's rl.algorithm) with verifiable rewards.",
        discussion: """
        Ranks are learners and rollout workers as the config's distributed.learners and \
        distributed.rollout_workers say (default: every rank learns and generates its own answers). \
        Example: launch/mpirun-local -np 3 finch rl --config configs/grpo-countdown.yaml \
        --set distributed.rollout_workers=2
        """)

    @OptionGroup var options: RunOptions

    func run() throws {
        let comm = try Communicator.world()
        let world = try TrainingWorld(comm: comm)
        do {
            let runConfig = try RLRunConfig.load(path: options.config, overrides: options.overrides, world: world)
            try options.checkStart(checkpointDir: runConfig.checkpoint.dir, world: world)
            try world.startWatchdog(timeoutSeconds: runConfig.distributed.timeoutSeconds)
            let trainer = try RLTrainer(config: runConfig, world: comm, resume: options.resume)
            try trainer.run(stopAfter: options.stopAfter)
        } catch {
            world.abort(error)
        }
    }
}
