import ArgumentParser
import FinchDistributed
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

    @Option(help: "Run config (YAML) with an rl: section.") var config: String
    @Option(name: .customLong("set"), help: "Override a config key, e.g. --set rl.kl_coef=0.05 (repeatable).")
    var overrides: [String] = []
    @Option(help: "Continue a run: 'auto' (newest complete checkpoint in checkpoint.dir) or a checkpoint directory.")
    var resume: String?
    @Option(help: "Stop after this step with a checkpoint (the schedule still follows train.steps; resume continues).")
    var stopAfter: Int?

    func run() throws {
        let comm = try Communicator.world()
        let world = try TrainingWorld(comm: comm)
        do {
            let runConfig = try RunConfig.load(path: config, overrides: overrides, world: world)
            let trainer = try RLTrainer(config: runConfig, world: comm, resume: resume)
            try trainer.run(stopAfter: stopAfter)
        } catch {
            world.abort(error)
        }
    }
}
