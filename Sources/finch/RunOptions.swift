import ArgumentParser

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
