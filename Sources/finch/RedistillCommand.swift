import ArgumentParser
import Foundation
import FinchAlgorithms
import FinchDistributed
import FinchEval
import FinchKernels
import FinchTasks
import FinchTrain

struct Redistill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-distillation: sample an RL-trained policy on prompts, keep one correct answer per prompt, SFT a base on them.",
        discussion: """
        arXiv 2505.17988: a small SFT of the base model on correct samples of the RL-trained \
        policy. --config is an SFT run config whose model.init is the base; its data.train is \
        replaced by the records written to --data-out (default: redistill.jsonl in checkpoint.dir), \
        which --data-only stops after. A resumed run (--resume) reuses that file. Under mpirun \
        every rank samples its share of the prompts, then the ranks train together. --select effect \
        scores every correct answer under the base by its sample effect against all of them (as \
        'finch data effect' does) and keeps, of each prompt's best, the --n largest.
        """)

    @Option(help: "The RL-trained policy's checkpoint.") var policy: String
    @Option(help: "Prompts file of the task ('finch data generate --format prompts' or any of its formats).") var prompts: String
    @OptionGroup var taskOptions: DataCommand.TaskOptions
    @Option(help: "Records kept: the first N prompts (in file order) with a correct sample; by effect, the N of largest effect.") var n = 1000
    @Option(help: "Answers sampled per prompt.") var samplesPerPrompt = 8
    @Option(help: "correct (a random correct answer of the policy), effect (the correct answer of largest sample effect under the base) or reference (the task's solution, for the same prompts).") var select = "correct"
    @Option(help: "Sampling temperature.") var temperature: Float = 1
    @Option(help: "Token budget per answer.") var maxNewTokens = 64
    @Option(help: "Seed of the samples.") var seed: UInt64 = 0
    @Option(help: "Sequences decoded together.") var batchSize = 64
    @Option(help: "Where to write the records (default: redistill.jsonl in the SFT run's checkpoint.dir).") var dataOut: String?
    @Flag(help: "Write the records and stop.") var dataOnly = false
    @OptionGroup var training: RunOptions

    func validate() throws {
        guard n >= 1, samplesPerPrompt >= 1, maxNewTokens >= 1, batchSize >= 1 else {
            throw ValidationError("--n, --samples-per-prompt, --max-new-tokens and --batch-size must be at least 1")
        }
        guard temperature.isFinite, temperature > 0 else { throw ValidationError("--temperature must be a positive finite number, got \(temperature)") }
        guard RedistillSelection(rawValue: select) != nil else {
            throw ValidationError("--select must be one of \(RedistillSelection.allCases.map(\.rawValue).joined(separator: ", ")), got \(select)")
        }
    }

    func run() throws {
        let world = try TrainingWorld(comm: Communicator.world())
        do {
            try redistill(world)
        } catch {
            world.abort(error)
        }
    }

    private func redistill(_ world: TrainingWorld) throws {
        let base = try RunConfig<SFTSection>.load(path: training.config, overrides: training.overrides, world: world)
        let data = dataOut ?? URL(fileURLWithPath: base.checkpoint.dir).appendingPathComponent("redistill.jsonl").path
        try training.checkStart(checkpointDir: base.checkpoint.dir, world: world)
        try world.startWatchdog(timeoutSeconds: base.distributed.timeoutSeconds)
        let reuse = training.resume != nil && FileManager.default.fileExists(atPath: data)
        if !reuse { try writeRecords(to: data, base: base, world: world) }
        if world.isCoordinator && reuse { print("redistill: resuming on the records in \(data)") }
        guard !dataOnly else { return }
        let config = try RunConfig<SFTSection>.load(path: training.config, overrides: training.overrides + ["data.train=\(data)"], world: world)
        try SFTTrainer(config: config, world: try world.withGradientSync(config.distributed), resume: training.resume)
            .train(stopAfter: training.stopAfter)
    }

    /// Every rank samples its share of the prompts; the coordinator writes the first `n` records.
    private func writeRecords(to path: String, base: RunConfig<SFTSection>, world: TrainingWorld) throws {
        KernelThreads.set(base.train.threads > 0 ? base.train.threads : TrainingWorld.coresPerLocalRank)
        let task = try taskOptions.makeTask()
        let problems = try TaskInstanceFile.read(URL(fileURLWithPath: prompts), task: task)
        let loaded = try LoadedPolicy(checkpoint: URL(fileURLWithPath: policy))
        let options = RedistillationOptions(samplesPerProblem: samplesPerPrompt, temperature: temperature, maxNewTokens: maxNewTokens,
                                            seed: seed, batchSize: batchSize, selection: RedistillSelection(rawValue: select)!)
        let mine = try redistillationRecords(policy: loaded.model, tokenizer: loaded.tokenizer, task: task,
                                             problems: problems[world.share(of: problems.count)], options: options)
        var all = mine
        if let comm = world.comm, comm.size > 1 {
            let parts = try comm.gatherBytes(try JSONEncoder().encode(mine), root: 0)
            all = try (parts ?? []).flatMap { try JSONDecoder().decode([RedistillationRecord].self, from: $0) }
        }
        let selection = RedistillSelection(rawValue: select)!
        let kept: [RedistillationRecord]
        if selection == .effect {
            // Every rank scores its share of all the candidates under the base.
            all = try world.broadcast(world.isCoordinator ? all : nil)
            let scorer = try LoadedPolicy(section: base.model)
            kept = try selectByEffect(all.sorted { ($0.problem, $0.sample ?? 0) < ($1.problem, $1.sample ?? 0) }, base: scorer.model,
                                      tokenizer: scorer.tokenizer, maxLength: min(base.data.maxLength, scorer.model.config.maxPositions),
                                      count: n, world: world)
        } else {
            kept = Array(all.sorted { $0.problem < $1.problem }.prefix(n))
        }
        if world.isCoordinator {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let lines = try kept.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let withOne = Dictionary(grouping: all, by: \.problem).mapValues { $0[0].correctSamples }
            print("redistill: \(problems.count) prompts × \(samplesPerPrompt) samples of \(policy): \(withOne.values.reduce(0, +)) correct answers, "
                  + "\(withOne.count) prompts with one; kept \(kept.count) (\(select)) in \(path)")
            if kept.count < n { print("redistill: fewer than the \(n) records asked for: give more prompts or more samples per prompt") }
        }
        try world.barrier()
    }
}
