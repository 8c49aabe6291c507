import Foundation
import FinchData
import FinchKernels
import FinchModel
import FinchTrain

/// Direct Preference Optimization: the policy is trained on preference pairs to raise the
/// log-ratio log π/ρ of chosen answers over rejected ones, against a frozen reference ρ
/// (`dpoLoss`), data-parallel over the ranks of a `TrainingWorld`.
///
/// Each step takes the next `train.batch_size` pairs of the deterministic sample stream; rank r
/// scores its contiguous share (chosen and rejected rows in one batch) under the policy and the
/// reference, and the loss is the mean over the global batch's pairs, so ranks' summed
/// gradients equal one rank's on the whole batch. Reference log-probs are computed on the fly
/// (one forward, no backward), so a resumed run needs nothing cached.
public final class DPOTrainer {
    public let run: TrainingRun<DPOSection, SampleStreamState>
    /// Global loss of every step this process ran, by step number.
    public private(set) var losses: [Int: Double] = [:]

    let train: PreferenceDataset
    let eval: PreferenceDataset?
    private let pairs: [(group: Int, chosen: Int, rejected: Int)]
    private var order: SampleOrder
    let pass: TrainingPass
    private let reference: TrainingPass

    public var config: DPORunConfig { run.config }
    public var world: TrainingWorld { run.world }
    public var model: Transformer { run.model }
    public var state: SampleStreamState { run.state }

    public init(config: DPORunConfig, world: TrainingWorld = .single(), resume: String? = nil,
                log: @escaping (String) -> Void = { print($0) }) throws {
        try TrainingRun<DPOSection, SampleStreamState>.requireShareableBatch(config, world: world, units: "pairs")
        let policy = try TrainingRun<DPOSection, SampleStreamState>.loadPolicy(config)
        let referencePolicy = try config.algorithm.reference.map { try LoadedPolicy(checkpoint: URL(fileURLWithPath: $0)) }
            ?? LoadedPolicy(section: config.model.withoutAdapters)
        guard referencePolicy.model.config == policy.model.config else {
            throw TrainError("dpo.reference: \(config.algorithm.reference ?? "") is a different architecture from the policy (model.init)")
        }
        (train, eval) = try PreferenceDataset.trainAndEval(config.data, policy: policy)
        pairs = train.pairs
        order = SampleOrder(seed: config.data.seed, datasetSize: pairs.count)
        pass = TrainingPass(model: policy.model)
        reference = TrainingPass(model: referencePolicy.model)
        run = try TrainingRun(config: config, world: world, policy: policy,
                              initialState: .start,
                              log: log)
        try world.agree(pairs.count, on: "the number of pairs in \(config.data.train) (every rank must read the same file)")
        if let resume {
            try run.restore(resume)
        } else {
            try world.broadcastWeights(of: model)
        }
    }

    /// Trains to `train.steps` (or `stopAfter`), evaluating and checkpointing as configured;
    /// returns the last held-out metrics.
    @discardableResult
    public func run(stopAfter: Int? = nil) throws -> DPOMetrics? {
        let t = config.train, d = config.algorithm
        run.log("dpo: \(model.trainingSummary), \(pairs.count) pairs from \(train.groups.count) records"
            + (train.truncatedCount > 0 ? " (\(train.truncatedCount) answers cut at max_length)" : "")
            + ", β \(d.beta), \(d.lossType.rawValue) loss, \(t.steps) steps of \(t.batchSize) pairs on \(world.size) rank(s)")
        var final: DPOMetrics?
        var stats = (metrics: DPOMetrics(), lr: Float(0), gradNorm: Float(0))
        try run.loop(until: run.endStep(stopAfter: stopAfter), step: {
            stats = try trainStep()
        }, report: {
            guard run.logs(at: state.step) else { return }
            let m = stats.metrics
            run.log(String(format: "step %d/%d | loss %.4f | rewards/accuracies %.3f | rewards/margins %.4f | lr %.2e | grad norm %.3f",
                           state.step, t.steps, m.loss, m.accuracy, m.margin, stats.lr, stats.gradNorm))
            try run.metrics?.append(m.trlNamed() .merging(["step": Double(state.step), "lr": Double(stats.lr),
                                                       "grad_norm": Double(stats.gradNorm), "elapsed_s": state.elapsedSeconds]) { $1 },
                                kind: "train")
        }, progress: { String(format: "loss %.4f | rewards/accuracies %.3f", stats.metrics.loss, stats.metrics.accuracy) },
           evaluate: { final = try self.evaluate() }, save: { try self.run.save() })
        return final
    }

    private func trainStep() throws -> (metrics: DPOMetrics, lr: Float, gradNorm: Float) {
        let mine = world.share(of: config.train.batchSize).map { pairs[order.exampleIndex(forGlobalSample: state.globalSample + $0)] }
        model.trainable.grads.zero()
        pass.dropoutSeed = run.dropoutSeed(step: state.step)
        defer { pass.dropoutSeed = nil }
        let scored = score(mine, from: train, normalizer: Double(config.train.batchSize))
        let metrics = DPOMetrics(sums: try world.sum(scored.metrics.sums))
        try world.sumGradients(of: pass) { pass.backward(dlogprobs: scored.dlogprobs) }
        let norm = clipGradNorm([model.trainable.grads], maxNorm: Float(config.train.gradClip))
        let lr = run.advance()
        losses[state.step] = metrics.loss
        return (metrics, lr, norm)
    }

    /// The pairs' policy and reference log-probs in one batch (chosen rows, then rejected), their
    /// summed metrics, and d (Σ loss / normalizer) / d log p per token.
    func score(_ batchPairs: [(group: Int, chosen: Int, rejected: Int)], from data: PreferenceDataset,
                       normalizer: Double) -> (metrics: DPOMetrics, dlogprobs: [Float]) {
        let d = config.algorithm, P = batchPairs.count
        let rows = batchPairs.map { data.groups[$0.group].answers[$0.chosen] } + batchPairs.map { data.groups[$0.group].answers[$0.rejected] }
        let batch = TokenBatch(examples: rows, length: .longest(cappedAt: config.data.maxLength), padID: run.tokenizer.padID)
        let policy = SequenceLogProbs(logprobs: pass.forward(tokens: batch.inputs, targets: batch.targets, batch: batch.batchSize,
                                                             seqLen: batch.seqLen).logprobs, batch: batch)
        let ref = SequenceLogProbs(logprobs: reference.forward(tokens: batch.inputs, targets: batch.targets, batch: batch.batchSize,
                                                               seqLen: batch.seqLen).logprobs, batch: batch)
        // IPO compares per-token means, as TRL computes it; the others whole-answer sums.
        let perToken = d.lossType == .ipo
        func value(_ s: SequenceLogProbs, _ r: Int) -> Double { perToken ? s.sums[r] / max(s.counts[r], 1) : s.sums[r] }
        var metrics = DPOMetrics(), dRows = [Double](repeating: 0, count: 2 * P)
        for i in 0..<P {
            let l = dpoLoss(policyChosen: value(policy, i), policyRejected: value(policy, P + i),
                            referenceChosen: value(ref, i), referenceRejected: value(ref, P + i),
                            beta: d.beta, type: d.lossType, labelSmoothing: d.labelSmoothing)
            metrics.add(l, logpChosen: policy.sums[i], logpRejected: policy.sums[P + i])
            dRows[i] = l.dChosen / normalizer
            dRows[P + i] = l.dRejected / normalizer
        }
        return (metrics, policy.tokenGradients(dRows, batch: batch, perToken: perToken))
    }

    /// Held-out DPO metrics on the first `train.eval_samples` eval pairs, split over ranks.
    private func evaluate() throws -> DPOMetrics? {
        guard let eval else { return nil }
        let evalPairs = Array(eval.pairs.prefix(config.train.evalSamples))
        let mine = world.share(of: evalPairs.count).map { evalPairs[$0] }
        var local = DPOMetrics()
        let chunk = max(config.train.batchSize, 16)
        for start in stride(from: 0, to: mine.count, by: chunk) {
            local.merge(score(Array(mine[start..<min(mine.count, start + chunk)]), from: eval, normalizer: 1).metrics)
        }
        let m = DPOMetrics(sums: try world.sum(local.sums))
        run.log(String(format: "eval step %d | loss %.4f | rewards/accuracies %.3f | rewards/margins %.4f | rewards/chosen %.4f | rewards/rejected %.4f (%d pairs)",
                       state.step, m.loss, m.accuracy, m.margin, m.rewardChosen, m.rewardRejected, Int(m.pairs)))
        try run.metrics?.append(m.trlNamed(prefix: "eval_").merging(["step": Double(state.step)]) { $1 }, kind: "eval")
        return m
    }
}
