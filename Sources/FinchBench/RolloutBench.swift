import FinchAlgorithms
import FinchTrain
import FinchData
import FinchTasks
import FinchDistributed
import FinchKernels
import FinchModel
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
    /// Kernel threads per rank, and the precision rollouts decoded in.
    public let threads: Int
    public let rollout_precision: String
    /// Of a step on the learner: waiting for the batch (with colocated rollouts, generating and
    /// scoring it), and the rest (log-prob recompute, reference and value passes, the update).
    public let generate_ms: Double
    public let update_ms: Double
    /// Mean tokens per answer (answers end at the budget or at an end-of-sequence token).
    public let response_length: Double
}

/// GRPO steps of a preset-sized GPT (random weights, so every answer runs to the token budget)
/// on Countdown prompts, with this job's ranks as 1 learner and the rest rollout workers
/// (one rank: colocated), with room for 256 positions. The first step is a warm-up and is not timed.
/// `saveStart` (a directory) receives the starting weights (Hugging Face layout) and the prompt
/// file, so another trainer (TRL, in `scripts/bench-grpo-vs-trl.py`) can run the same step.
public func benchRollouts(preset: BenchPreset, comm: Communicator, mode: RLSection.Mode, steps: Int, threads: Int = 1,
                          rolloutPrecision: DecodePrecision = .fp32, saveStart: String? = nil,
                          promptsPerStep: Int = 8, groupSize: Int = 8, maxNewTokens: Int = 48) throws -> RolloutBenchResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("finch-bench-rollouts-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let task = try TaskCatalog.task(named: "countdown")
    try TaskDataset.generate(task: task, count: 256, evalCount: 0, seed: 1, format: .prompts, directory: dir)
    let workers = comm.size - 1
    var model = preset.config
    model.maxPositions = max(model.maxPositions, 256)  // Countdown prompts are up to ~180 byte tokens
    var config = RLRunConfig()
    config.model = ModelSection(initialization: .scratch(model), seed: 1)
    config.data.train = dir.appendingPathComponent("train.jsonl").path
    (config.train.steps, config.train.lr, config.train.minLR, config.train.threads) = (steps + 1, 1e-4, 1e-5, threads)
    (config.checkpoint.dir, config.checkpoint.every) = (dir.appendingPathComponent("run").path, steps + 1)
    (config.logging.every, config.logging.metrics) = (1_000_000, dir.appendingPathComponent("metrics.jsonl").path)
    config.distributed = DistributedSection(learners: 1, rolloutWorkers: workers)
    (config.rl.algorithm, config.rl.task, config.rl.promptsPerStep) = (.grpo, "countdown", promptsPerStep)
    (config.rl.groupSize, config.rl.maxNewTokens, config.rl.mode) = (groupSize, maxNewTokens, mode)
    config.rl.rolloutPrecision = rolloutPrecision
    if let saveStart, comm.rank == 0 {
        let out = URL(fileURLWithPath: saveStart)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let start = try Transformer(config: model, seed: config.model.seed)
        try SafeTensorsWriter.write(start.namedTensors(start.params), metadata: ["format": "pt"],
                                    to: out.appendingPathComponent("model.safetensors"))
        try PolicyFiles.modelConfigJSON(model).write(to: out.appendingPathComponent("config.json"))
        try Data(contentsOf: dir.appendingPathComponent("train.jsonl")).write(to: out.appendingPathComponent("prompts.jsonl"))
    }
    let trainer = try RLTrainer(config: config, world: comm, task: task, log: { _ in })
    try trainer.run(stopAfter: steps + 1)
    let timed = trainer.history.dropFirst()
    let total = timed.reduce(0) { $0 + $1.stepSeconds }, wait = timed.reduce(0) { $0 + $1.waitSeconds }
    let n = Double(max(timed.count, 1))
    let perStep = promptsPerStep * groupSize
    return RolloutBenchResult(preset: preset.name, mode: mode.rawValue, learners: 1, rollout_workers: workers, steps: steps,
                              trajectories_per_step: perStep,
                              trajectories_per_s: total > 0 ? Double(perStep * timed.count) / total : 0,
                              learner_wait_fraction: total > 0 ? wait / total : 0,
                              ms_per_step: total / n * 1000, threads: threads, rollout_precision: rolloutPrecision.rawValue,
                              generate_ms: wait / n * 1000, update_ms: (total - wait) / n * 1000,
                              response_length: timed.reduce(0) { $0 + $1.responseLength } / n)
}
