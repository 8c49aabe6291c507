import FinchData
import FinchDistributed
import FinchKernels
import FinchModel
import Foundation

/// The harness every trainer runs in: what SFT, GRPO, PPO (and the trainers to come) share,
/// written once. It sets the kernel threads, loads the policy, builds AdamW and the schedule
/// from `train:`, owns the checkpoint store and the metrics log, drives the step loop's
/// evaluation, checkpoint and `--stop-after` cadence, and saves and restores checkpoints.
/// A trainer brings only its step, its evaluation and what it keeps beyond the policy.
///
/// It lives on the ranks that train (`world`; RL rollout workers hold none); the coordinator
/// (world rank 0) alone logs, writes metrics and touches the checkpoint directory.
public final class TrainingRun<Algorithm: AlgorithmConfig, State: RunState> {
    public let config: RunConfig<Algorithm>
    public let world: TrainingWorld
    public let model: Transformer
    public let tokenizer: any Tokenizer
    public let optimizer: AdamW
    public let schedule: LRSchedule
    public let store: CheckpointStore
    public let metrics: MetricsLog?
    /// Prints on the coordinator only.
    public let log: (String) -> Void
    public var state: State
    /// Called on every training rank after each step, with the step number (progress hooks, fault drills).
    public var afterStep: ((Int) -> Void)?
    /// What a LoRA checkpoint's adapter_config.json says the adapters are for (a reward model's trainer sets SEQ_CLS).
    public var adapterTask = AdapterConfigFile.Task.causalLM

    public init(config: RunConfig<Algorithm>, world: TrainingWorld, policy: LoadedPolicy, initialState: State,
                log: @escaping (String) -> Void) throws {
        self.config = config
        self.world = world
        self.log = world.isCoordinator ? { TerminalLine.shared.clear(); log($0) } : { _ in }
        model = policy.model
        tokenizer = policy.tokenizer
        let t = config.train
        optimizer = AdamW(model: model, config: Self.adamWConfig(t))
        schedule = LRSchedule(maxLR: Float(t.lr), minLR: Float(t.minLR), warmupSteps: t.warmupSteps, totalSteps: t.steps)
        store = CheckpointStore(root: URL(fileURLWithPath: config.checkpoint.dir), keepLast: config.checkpoint.keepLast)
        metrics = world.isCoordinator ? try MetricsLog(path: config.metricsPath, tensorboard: config.logging.tensorboard) : nil
        state = initialState
        self.log("cpu: \(CPUInfo.current.summary), \(ProcessInfo.processInfo.activeProcessorCount) cores; blas: \(BLASKernel.summary); kernels: \(KernelISA.summary)")
    }

    /// Kernel threads per rank (`train.threads`, or the node's cores shared among its ranks),
    /// then the starting policy: set before anything computes.
    public static func loadPolicy(_ config: RunConfig<Algorithm>) throws -> LoadedPolicy {
        KernelThreads.set(config.train.threads > 0 ? config.train.threads : TrainingWorld.coresPerLocalRank)
        return try LoadedPolicy(section: config.model)
    }

    /// A global batch of `train.batch_size` `units` must give every rank at least one.
    public static func requireShareableBatch(_ config: RunConfig<Algorithm>, world: TrainingWorld, units: String) throws {
        guard config.train.batchSize >= world.size else {
            throw TrainError("train.batch_size: \(config.train.batchSize) \(units) cannot be shared by \(world.size) ranks")
        }
    }

    public static func adamWConfig(_ t: TrainSection) -> AdamWConfig {
        AdamWConfig(beta1: Float(t.beta1), beta2: Float(t.beta2), eps: Float(t.eps), weightDecay: Float(t.weightDecay))
    }

    public var isCoordinator: Bool { world.isCoordinator }

    /// The LoRA dropout seed of `step` on this rank (nil without dropout): a function of
    /// `model.seed`, the step and the rank only, so a resumed run draws the masks it would have.
    public func dropoutSeed(step: Int) -> UInt64? {
        guard (model.lora?.config.dropout ?? 0) > 0 else { return nil }
        var rng = RNG(seed: config.model.seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(world.rank) &* 0xC2B2_AE3D_27D4_EB4F))
        return rng.next()
    }

    /// The step a run given `--stop-after stopAfter` ends at; the schedule still follows
    /// `train.steps`, so resuming continues the same run.
    public func endStep(stopAfter: Int?) -> Int { min(config.train.steps, stopAfter ?? config.train.steps) }

    /// Whether `step` (1-based, just completed) gets a log line.
    public func logs(at step: Int) -> Bool { step % config.logging.every == 0 || step == config.train.steps }

    /// Runs `step` (one update, which advances `state.step`) until `end`, then after each:
    /// `report` (with `state.elapsedSeconds` brought up to date), `evaluate` every
    /// `train.eval_every` steps and at the last step, a checkpoint every `checkpoint.every`
    /// steps and at `end`, and `afterStep`. On a terminal the coordinator also redraws a
    /// progress line after every step: the step, `progress`'s figures and the ETA.
    public func loop(until end: Int, step: () throws -> Void, report: () throws -> Void = {}, progress: () -> String = { "" },
                     evaluate: (() throws -> Void)?, save: () throws -> Void) throws {
        let started = Date(), startElapsed = state.elapsedSeconds, startStep = state.step
        let t = config.train
        while state.step < end {
            Watchdog.note(step: state.step + 1)
            try step()
            state.elapsedSeconds = startElapsed + Date().timeIntervalSince(started)
            try report()
            if isCoordinator && TerminalLine.shared.isTerminal {
                let perStep = Date().timeIntervalSince(started) / Double(state.step - startStep)
                let figures = progress()
                TerminalLine.shared.show("step \(state.step)/\(t.steps)" + (figures.isEmpty ? "" : " | " + figures)
                                         + " | ETA " + formatDuration(perStep * Double(t.steps - state.step)))
            }
            let s = state.step
            if let evaluate, (t.evalEvery > 0 && s % t.evalEvery == 0) || s == t.steps { try evaluate() }
            if savesCheckpoint(afterStep: s, end: end) { try save() }
            afterStep?(s)
        }
    }

    /// Whether `loop(until: end, …)` saves a checkpoint once step `step` (1-based) is done.
    public func savesCheckpoint(afterStep step: Int, end: Int) -> Bool {
        (config.checkpoint.every > 0 && step % config.checkpoint.every == 0) || step == end
    }

    /// Saves a checkpoint of the policy, its AdamW moments and `state`, plus `extraWeights`
    /// and `extraMoments` (a value or score head's), `extraFiles`, and `modelConfigJSON` in
    /// place of the policy's own config.json (a reward model's names its head); the other
    /// ranks wait until it is written.
    public func save(extraWeights: [SafeTensorsWriter.Tensor] = [], extraMoments: [SafeTensorsWriter.Tensor] = [],
                     modelConfigJSON: Data? = nil, extraFiles: [(name: String, contents: Data)] = [],
                     note: String = "") throws {
        try world.agree(state.step, on: "the step to checkpoint")
        if isCoordinator {
            let trainable = model.trainable
            let url = try store.save(step: state.step, model: trainable.namedTensors(trainable.params) + extraWeights,
                                     optimizer: trainable.namedTensors(optimizer.m, prefix: "exp_avg.")
                                         + trainable.namedTensors(optimizer.v, prefix: "exp_avg_sq.") + extraMoments,
                                     trainerState: state, runConfigYAML: config.yaml(),
                                     modelConfigJSON: try modelConfigJSON ?? PolicyFiles.modelConfigJSON(model.config),
                                     extraFiles: try PolicyFiles.tokenizerFiles(tokenizer, chatFormat: config.data.chatFormat)
                                         + (try adapterConfigFile().map { [$0] } ?? []) + extraFiles,
                                     weightsFile: trainable.weightsFile)
            log("saved \(url.path)" + note)
        }
        // No rank runs ahead of a checkpoint that might still fail.
        try Watchdog.during("waiting for rank 0 to save step \(state.step)") { try world.barrier() }
    }

    /// Continues the checkpoint `resume` names ("auto" or a directory): the coordinator opens and
    /// verifies it, `check`s it, fills the policy and its moments and calls `restoreExtra`; then
    /// every training rank receives the state, the buffers and `extraBuffers`. "auto" with no
    /// checkpoint keeps the fresh state.
    public func restore(_ resume: String, check: (LoadedCheckpoint<State>) throws -> Void = { _ in },
                        restoreExtra: (LoadedCheckpoint<State>) throws -> Void = { _ in },
                        extraBuffers: [FlatBuffer] = []) throws {
        var found: State?
        if isCoordinator {
            let checkpoint: LoadedCheckpoint<State>? = try store.open(resume: resume, model: model.config, log: log)
            if let checkpoint {
                try check(checkpoint)
                try checkpoint.restore(model, optimizer: optimizer)
                try restoreExtra(checkpoint)
                log("resumed from \(checkpoint.directory.path) at \(checkpoint.state.summary)")
            }
            found = checkpoint?.state ?? state
        }
        state = try world.broadcast(found)
        optimizer.step = state.optimizerStep
        for buffer in [model.trainable.params, optimizer.m, optimizer.v] + extraBuffers { try world.broadcast(buffer) }
    }

    /// With LoRA, PEFT's adapter_config.json, naming the base the run started from.
    private func adapterConfigFile() throws -> (name: String, contents: Data)? {
        guard let lora = model.lora, case let .checkpoint(base) = config.model.initialization else { return nil }
        let path = URL(fileURLWithPath: base).standardizedFileURL.path
        return (AdapterConfigFile.fileName, try AdapterConfigFile.contents(lora, family: model.config.family, baseModel: path, task: adapterTask))
    }
}
