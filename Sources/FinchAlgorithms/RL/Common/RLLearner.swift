import FinchData
import FinchTasks
import FinchDistributed
import FinchEval
import FinchKernels
import FinchModel
import FinchTrain
import Foundation

/// A learner's role: the run harness with the policy (and PPO's value head), the frozen
/// reference, the shared update, and where its batches come from. Learner 0 coordinates.
final class RLLearner {
    let run: TrainingRun<RLSection, RLTrainerState>
    let groups: RoleGroups
    let task: any VerifiableTask
    let stream: PromptStream
    let engine: RolloutEngine
    let evalProblems: [TaskInstance]
    let valueHead: ValueHead?
    let headOptimizer: AdamW?
    let update: PolicyUpdate
    /// Async mode: the trainable weights that sampled the batch in flight, kept from before
    /// an update that a checkpoint follows, so the checkpoint can hold them and a resumed run
    /// samples that batch again from the same weights (exact resume).
    private var inFlightWeights: FlatBuffer?
    /// The checkpoint's name prefix for `inFlightWeights` (in optimizer.safetensors, beside the moments).
    static let inFlightPrefix = "rollout_policy."
    /// Step records and held-out results (coordinator).
    private(set) var history: [RLStepRecord] = []
    private(set) var evaluations: [Int: TaskEvalCounts] = [:]

    private var section: RLSection { run.config.rl }
    private var state: RLTrainerState { run.state }
    private var model: Transformer { run.model }
    private var world: TrainingWorld { run.world }
    private var isCoordinator: Bool { run.isCoordinator }

    init(config: RLRunConfig, world: TrainingWorld, groups: RoleGroups, policy: LoadedPolicy, task: any VerifiableTask,
         stream: PromptStream, engine: RolloutEngine, log: @escaping (String) -> Void) throws {
        let section = config.rl
        run = try TrainingRun(config: config, world: world, policy: policy, initialState: RLTrainerState(
            step: 0, promptCursor: 0, policyVersion: 0, optimizerStep: 0,
            klController: KLController(beta: section.klCoef, target: section.klTarget, horizon: section.klHorizon),
            reference: Self.describeReference(config.model), elapsedSeconds: 0), log: log)
        self.groups = groups
        self.task = task
        self.stream = stream
        self.engine = engine
        evalProblems = try config.data.eval.map { try TaskInstanceFile.read(URL(fileURLWithPath: $0), task: task) } ?? []
        let head = section.objective.usesValueHead ? ValueHead(width: policy.model.config.hiddenSize) : nil
        valueHead = head
        headOptimizer = head.map { AdamW(valueHead: $0, config: TrainingRun<RLSection, RLTrainerState>.adamWConfig(config.train)) }
        let needsReference = section.klCoef > 0 || section.klTarget != nil
        let reference = needsReference ? try LoadedPolicy(section: config.model.withoutAdapters).model : nil
        update = PolicyUpdate(section: section, model: policy.model, valueHead: head, reference: reference,
                              optimizer: run.optimizer, headOptimizer: headOptimizer, world: world,
                              gradClip: Float(config.train.gradClip), padID: policy.tokenizer.padID)
        if let reference { try world.broadcast(reference.params) }
    }

    static func describeReference(_ model: ModelSection) -> String {
        switch model.initialization {
        case .scratch: return "scratch initialisation, seed \(model.seed)"
        case .checkpoint(let path): return "checkpoint \(path)"
        }
    }

    func learn(until end: Int) throws {
        let layout = groups.layout
        run.log("\(section.algorithm.rawValue): \(model.trainingSummary), task \(task.name)"
            + (task.rule.map { " (\($0))" } ?? "") + ", \(stream.problems.count) prompts; \(run.config.train.steps) steps of "
            + "\(section.promptsPerStep) prompts × \(section.groupSize) answers; \(layout.learners) learner(s), "
            + (layout.isColocated ? "colocated rollouts" : "\(layout.rolloutWorkers) rollout worker(s)")
            + ", \(section.mode.rawValue) mode, \(KernelThreads.count) thread(s) per rank")
        if !layout.isColocated {
            let trainable = model.trainable
            run.log(String(format: "weights to rollout workers: %.3f MB per sync (%@)", Double(trainable.params.count * 4) / 1e6,
                           trainable.isAdapters ? "the LoRA adapters only" : "the whole policy"))
        }
        let source = makeSource()
        if state.step == 0, !evalProblems.isEmpty { try evaluate() }
        // Async mode's first batch: from the current weights at the start, and after a resume
        // from the weights that sampled it in the interrupted run, one version back.
        if section.mode == .async && state.step < end { try requestFirstAsyncBatch(from: source) }
        try run.loop(until: end, step: { try step(source: source, end: end) },
                     progress: { self.history.last.map { String(format: "reward %.3f | kl %.4f | %.2fs/step", $0.meanReward, $0.kl, $0.stepSeconds) } ?? "" },
                     evaluate: evalProblems.isEmpty ? nil : { try self.evaluate() }, save: { try self.save() })
        try source.finish()
    }

    private func makeSource() -> RolloutSource {
        if groups.layout.isColocated {
            return ColocatedRollouts(engine: engine, stream: stream, world: world)
        }
        return RemoteRollouts(channel: isCoordinator ? groups.rollout.map(RolloutChannel.init) : nil,
                              learners: groups.learners, weights: [model.trainable.params.buffer], stream: stream,
                              groupSize: section.groupSize, revisions: section.revisions)
    }

    /// What making `answer` cost: a forward pass over its prompt and its tokens (the KV cache
    /// makes each generated token one position of the model), whichever rank made it.
    private func rolloutFlops(_ answer: Trajectory) -> Double {
        let length = answer.promptTokens.count + answer.completion.count
        return Double(length) * model.forwardFlopsPerToken(seqLen: length)
    }

    /// One batch: collect it (requesting it first in sync mode, the next one first in async),
    /// check its staleness, update, publish the new version.
    private func step(source: RolloutSource, end: Int) throws {
        let started = Date()
        let s = state.step
        if section.mode == .sync { try source.request(batch: s, version: state.policyVersion) }
        let batch = try source.collect(batch: s)
        var wait = Date().timeIntervalSince(started)
        let oldest = batch.map(\.version).min() ?? state.policyVersion
        guard batch.allSatisfy({ $0.version <= state.policyVersion }), state.policyVersion - oldest <= section.stalenessBound else {
            throw TrainError("step \(s + 1): answers from policy version \(oldest) reached a learner at version \(state.policyVersion), beyond rl.max_staleness = \(section.stalenessBound)")
        }
        if section.mode == .async && s + 1 < end {
            // Colocated rollouts generate inside `request`: that time is waiting too.
            let requested = Date()
            try source.request(batch: s + 1, version: state.policyVersion)
            wait += Date().timeIntervalSince(requested)
        }

        // Kept whenever a checkpoint follows and the whole run (not just this part of it, with
        // --stop-after) has a batch s + 1 to sample with them.
        inFlightWeights = nil
        if section.mode == .async && s + 1 < run.config.train.steps && run.savesCheckpoint(afterStep: s + 1, end: end) {
            inFlightWeights = copy(of: model.trainable.params)
        }

        let beta = state.klController.beta
        let lr = run.schedule.lr(at: s)
        let (local, gradNorm) = try update.update(batch: batch, beta: beta, lr: lr, policy: section.updatesPolicy(atStep: s))
        let sums = UpdateSums(array: try world.sum(local.array))
        let meanKL = sums.answers > 0 ? sums.sequenceKL / sums.answers : 0
        run.state.klController.update(meanKL: meanKL, answers: batch.count)
        run.state.step += 1
        run.state.promptCursor = state.step * section.promptsPerStep
        run.state.policyVersion += 1
        run.state.optimizerStep = run.optimizer.step
        run.state.flops += sums.flops + batch.reduce(0) { $0 + rolloutFlops($1) }

        let n = Double(batch.count), tokens = max(sums.tokens, 1)
        let record = RLStepRecord(
            step: state.step, meanReward: batch.reduce(0) { $0 + $1.reward } / n,
            meanTaskReward: batch.allSatisfy { $0.taskReward != nil } ? batch.reduce(0) { $0 + $1.taskReward! } / n : nil,
            accuracy: Double(batch.filter(\.correct).count) / n, formatRate: Double(batch.filter(\.formatOK).count) / n,
            responseLength: Double(batch.reduce(0) { $0 + $1.completion.count }) / n,
            clipFraction: sums.clipped / tokens, kl: meanKL, entropy: sums.entropy / tokens,
            policyLoss: sums.policyLoss / tokens, valueLoss: sums.valueLoss / tokens, beta: beta,
            gradNorm: Double(gradNorm), lr: Double(lr), staleness: state.policyVersion - 1 - oldest,
            waitSeconds: wait, stepSeconds: Date().timeIntervalSince(started), flops: state.flops)
        guard isCoordinator else { return }
        history.append(record)
        try run.metrics?.append(record.metrics, kind: "rl")
        if run.logs(at: state.step) || state.step == 1 {
            var parts = [String(format: "step %d/%d | reward %.3f | acc %.1f%% | format %.1f%% | len %.1f | clip %.3f | kl %.4f | ent %.3f",
                                record.step, run.config.train.steps, record.meanReward, record.accuracy * 100,
                                record.formatRate * 100, record.responseLength, record.clipFraction, record.kl, record.entropy)]
            if let task = record.meanTaskReward { parts.insert(String(format: "task reward %.3f", task), at: 1) }
            if valueHead != nil { parts.append(String(format: "vloss %.4f", record.valueLoss)) }
            parts.append(String(format: "β %.4f | grad %.3f | wait %.2fs | %.2fs/step", record.beta, record.gradNorm,
                                record.waitSeconds, record.stepSeconds))
            run.log(parts.joined(separator: " | "))
        }
    }

    private func requestFirstAsyncBatch(from source: RolloutSource) throws {
        guard let sampled = inFlightWeights else {
            return try source.request(batch: state.step, version: state.policyVersion)
        }
        let params = model.trainable.params
        let current = copy(of: params)
        params.pointer.update(from: sampled.pointer, count: params.count)
        defer { params.pointer.update(from: current.pointer, count: params.count) }
        // Publishing (remote workers) and generating (colocated) are done when request returns.
        try source.request(batch: state.step, version: state.policyVersion - 1)
        inFlightWeights = nil
    }

    private func copy(of buffer: FlatBuffer) -> FlatBuffer {
        let copy = FlatBuffer(count: buffer.count)
        copy.pointer.update(from: buffer.pointer, count: buffer.count)
        return copy
    }

    /// Greedy pass@1 on the held-out prompts, split over the learners.
    private func evaluate() throws {
        let problems = evalProblems.prefix(run.config.train.evalSamples)
        let local = try evaluateTask(model: model, tokenizer: run.tokenizer, task: task,
                                     problems: problems[world.share(of: problems.count)],
                                     options: TaskEvalOptions(maxNewTokens: section.maxNewTokens, batchSize: section.rolloutBatch,
                                                              revisions: section.revisions))
        let counts = try local.counts.summed(over: world)
        guard isCoordinator else { return }
        evaluations[state.step] = counts
        run.log(String(format: "eval step %d | held-out pass@1 %.1f%% | mean reward %.3f | format errors %.1f%% (%d prompts)",
                       state.step, counts.greedyPassAt1 * 100, counts.greedyMeanReward, counts.greedyFormatErrorRate * 100,
                       counts.problems))
        try run.metrics?.append(["step": Double(state.step), "pass_at_1": counts.greedyPassAt1, "mean_reward": counts.greedyMeanReward,
                             "format_error_rate": counts.greedyFormatErrorRate, "problems": Double(counts.problems)], kind: "eval")
    }

    /// A checkpoint of the policy and, for PPO, the value head under TRL's `v_head.summary.*`
    /// names beside it in `model.safetensors`, with its moments.
    private func save() throws {
        var weights: [SafeTensorsWriter.Tensor] = [], moments: [SafeTensorsWriter.Tensor] = []
        if let valueHead, let headOptimizer {
            weights = valueHead.namedTensors(valueHead.params)
            moments = valueHead.namedTensors(headOptimizer.m, prefix: "exp_avg.")
                + valueHead.namedTensors(headOptimizer.v, prefix: "exp_avg_sq.")
        }
        if let inFlightWeights { moments += model.trainable.namedTensors(inFlightWeights, prefix: Self.inFlightPrefix) }
        try run.save(extraWeights: weights, extraMoments: moments, note: " (policy version \(state.policyVersion))")
    }

    /// Continues a checkpoint on every learner (rollout workers get the weights afterwards).
    func restore(_ resume: String) throws {
        let reference = state.reference
        try run.restore(resume, check: { checkpoint in
            guard checkpoint.state.reference == reference else {
                throw TrainError("\(checkpoint.directory.path)/trainer_state.json: the run's reference was \(checkpoint.state.reference), the config now gives \(reference)")
            }
        }, restoreExtra: { checkpoint in
            if section.mode == .async, let first = model.trainable.views.first,
               checkpoint.optimizer.tensor(named: Self.inFlightPrefix + first.name) != nil {
                let sampled = FlatBuffer(count: model.trainable.params.count)
                try model.loadTrainable(sampled, from: checkpoint.optimizer, prefix: Self.inFlightPrefix)
                inFlightWeights = sampled
            }
            guard let valueHead, let headOptimizer else { return }
            try valueHead.load(valueHead.params, from: checkpoint.model)
            try valueHead.load(headOptimizer.m, from: checkpoint.optimizer, prefix: "exp_avg.")
            try valueHead.load(headOptimizer.v, from: checkpoint.optimizer, prefix: "exp_avg_sq.")
        }, extraBuffers: [valueHead?.params, headOptimizer?.m, headOptimizer?.v].compactMap { $0 })
        // Every learner samples its share when rollouts are colocated.
        let inFlight: Bool = try world.broadcast(isCoordinator ? inFlightWeights != nil : nil)
        if inFlight {
            let sampled = inFlightWeights ?? FlatBuffer(count: model.trainable.params.count)
            try world.broadcast(sampled)
            inFlightWeights = sampled
        }
        // The head also learned during the critic warm-up, when the policy's optimiser stood still.
        let warmup = section.algorithm == .ppo ? section.ppo.criticWarmup : 0
        headOptimizer?.step = state.optimizerStep + min(state.step, warmup) * section.epochs * section.minibatches
    }
}
