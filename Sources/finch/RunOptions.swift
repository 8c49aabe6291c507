import ArgumentParser
import Foundation
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
    @Flag(help: "Start a new run in a checkpoint.dir that already holds checkpoints (they are replaced as the new run saves).")
    var overwrite = false

    func validate() throws {
        if let stopAfter, stopAfter < 1 { throw ValidationError("--stop-after must be at least 1, got \(stopAfter)") }
        if overwrite && resume != nil { throw ValidationError("--overwrite starts over; it cannot be combined with --resume") }
    }

    /// Refuses, on the coordinator, to start over a run already in `checkpointDir` (see `CheckpointStore.checkStart`).
    func checkStart(checkpointDir: String, world: TrainingWorld) throws {
        guard world.isCoordinator else { return }
        try CheckpointStore(root: URL(fileURLWithPath: checkpointDir), keepLast: 0).checkStart(resume: resume, overwrite: overwrite)
    }
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
            try checkStart(checkpointDir: runConfig.checkpoint.dir, world: world)
            try world.startWatchdog(timeoutSeconds: runConfig.distributed.timeoutSeconds)
            try make(runConfig, try world.withGradientSync(runConfig.distributed), resume).train(stopAfter: stopAfter)
        } catch {
            world.abort(error)
        }
    }
}
