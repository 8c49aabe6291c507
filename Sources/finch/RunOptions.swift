import ArgumentParser
import FinchAlgorithms
import FinchDistributed
import FinchTrain

/// The options every training command shares: a run config, its overrides, and how to resume
/// or end early.
struct RunOptions: ParsableArguments {
    @Option(help: "Run config (YAML).") var config: String
    @Option(name: .customLong("set"), help: "Override a config key, e.g. --set train.lr=3e-4 (repeatable).")
    var overrides: [String] = []
    @Option(help: "Continue a run: 'auto' (newest complete checkpoint in checkpoint.dir) or a checkpoint directory.")
    var resume: String?
    @Option(help: "Stop after this step with a checkpoint (the schedule still follows train.steps; resume continues).")
    var stopAfter: Int?
}

extension RunOptions {
    /// The body of a data-parallel training command: every rank loads the config, builds the
    /// trainer on the world (gradient buckets as configured) and runs it; any error ends the
    /// whole job with the message, so no rank waits forever for a peer that stopped.
    func train<Algorithm: AlgorithmConfig>(
        _: Algorithm.Type, _ make: (RunConfig<Algorithm>, TrainingWorld, String?) throws -> any StoppableTrainer
    ) throws {
        let world = try TrainingWorld(comm: Communicator.world())
        do {
            let runConfig = try RunConfig<Algorithm>.load(path: config, overrides: overrides, world: world)
            try make(runConfig, try world.withBuckets(mb: runConfig.distributed.bucketMB), resume).train(stopAfter: stopAfter)
        } catch {
            world.abort(error)
        }
    }
}
