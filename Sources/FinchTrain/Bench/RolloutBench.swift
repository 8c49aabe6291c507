import FinchData
import FinchDistributed
import FinchKernels
import Foundation

public struct RolloutBenchResult: Codable, Sendable {
    public let preset: String
    public let mode: String
    public let learners: Int
    public let rollout_workers: Int
    public let steps: Int
    public let trajectories_per_step: Int
    /// Answers generated and trained on per second, over the timed steps.
    public let trajectories_per_s: Double
    /// Fraction of the learner's step time spent waiting for its batch.
    public let learner_wait_fraction: Double
    public let ms_per_step: Double
}

/// GRPO steps of a preset-sized GPT (random weights, so every answer runs to the token budget)
/// on Countdown prompts, with this job's ranks as 1 learner and the rest rollout workers
/// (one rank: colocated), with room for 256 positions. The first step is a warm-up and is not timed.
public func benchRollouts(preset: BenchPreset, comm: Communicator, mode: RLSection.Mode, steps: Int,
                          promptsPerStep: Int = 8, groupSize: Int = 8, maxNewTokens: Int = 48) throws -> RolloutBenchResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("finch-bench-rollouts-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let task = try TaskCatalog.task(named: "countdown")
    try TaskDataset.generate(task: task, count: 256, evalCount: 0, seed: 1, format: .prompts, directory: dir)
    let workers = comm.size - 1
    var model = preset.config
    model.maxPositions = max(model.maxPositions, 256)  // Countdown prompts are up to ~180 byte tokens
    let config = RunConfig(
        model: ModelSection(initialization: .scratch(model), seed: 1),
        data: DataSection(train: dir.appendingPathComponent("train.jsonl").path),
        train: TrainSection(steps: steps + 1, lr: 1e-4, threads: 1),
        checkpoint: CheckpointSection(dir: dir.appendingPathComponent("run").path, every: steps + 1),
        logging: LoggingSection(every: 1_000_000, metrics: dir.appendingPathComponent("metrics.jsonl").path),
        distributed: DistributedSection(learners: 1, rolloutWorkers: workers),
        rl: RLSection(algorithm: .grpo, task: "countdown", promptsPerStep: promptsPerStep, groupSize: groupSize,
                      maxNewTokens: maxNewTokens, mode: mode))
    let trainer = try RLTrainer(config: config, world: comm, task: task, log: { _ in })
    try trainer.run(stopAfter: steps + 1)
    let timed = trainer.history.dropFirst()
    let total = timed.reduce(0) { $0 + $1.stepSeconds }, wait = timed.reduce(0) { $0 + $1.waitSeconds }
    let perStep = promptsPerStep * groupSize
    return RolloutBenchResult(preset: preset.name, mode: mode.rawValue, learners: 1, rollout_workers: workers, steps: steps,
                              trajectories_per_step: perStep,
                              trajectories_per_s: total > 0 ? Double(perStep * timed.count) / total : 0,
                              learner_wait_fraction: total > 0 ? wait / total : 0,
                              ms_per_step: timed.isEmpty ? 0 : total / Double(timed.count) * 1000)
}
