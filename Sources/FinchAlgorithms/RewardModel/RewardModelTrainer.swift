import Foundation
import FinchData
import FinchKernels
import FinchModel
import FinchTrain

/// Trains a reward model from comparisons: the policy's trunk plus a `score` head, with
/// Bradley–Terry on pairs and Ziegler's softmax on best-of-N records (`rewardModelLoss`),
/// data-parallel over the ranks of a `TrainingWorld`.
///
/// Each step takes the next `train.batch_size` records of the deterministic sample stream; rank
/// r scores every answer of its contiguous share in one batch, and the loss is the mean over
/// the global batch's records. Every checkpoint is a reward model `RewardModel` (and
/// transformers) opens, with the normalisation measured on the training answers at that step.
public final class RewardModelTrainer {
    public let run: TrainingRun<RMSection, SampleStreamState>
    public private(set) var losses: [Int: Double] = [:]
    public let head: ScoreHead
    let headOptimizer: AdamW
    let train: PreferenceDataset
    let eval: PreferenceDataset?
    private var order: SampleOrder
    private let pass: TrainingPass

    public var config: RMRunConfig { run.config }
    public var world: TrainingWorld { run.world }
    public var model: Transformer { run.model }
    public var state: SampleStreamState { run.state }

    public init(config: RMRunConfig, world: TrainingWorld = .single(), resume: String? = nil,
                log: @escaping (String) -> Void = { print($0) }) throws {
        try TrainingRun<RMSection, SampleStreamState>.requireShareableBatch(config, world: world, units: "records")
        let policy = try TrainingRun<RMSection, SampleStreamState>.loadPolicy(config)
        (train, eval) = try PreferenceDataset.trainAndEval(config.data, policy: policy)
        order = SampleOrder(seed: config.data.seed, datasetSize: train.groups.count)
        pass = TrainingPass(model: policy.model)
        head = ScoreHead(width: policy.model.config.hiddenSize, seed: config.model.seed &+ 1)
        headOptimizer = AdamW(scoreHead: head, config: TrainingRun<RMSection, SampleStreamState>.adamWConfig(config.train))
        run = try TrainingRun(config: config, world: world, policy: policy,
                              initialState: .start,
                              log: log)
        run.adapterTask = .sequenceClassification
        try world.agree(train.groups.count, on: "the number of records in \(config.data.train) (every rank must read the same file)")
        if let resume {
            try run.restore(resume, restoreExtra: { checkpoint in
                try self.head.load(self.head.params, from: checkpoint.model, prefix: self.headPrefix)
                try self.head.load(self.headOptimizer.m, from: checkpoint.optimizer, prefix: "exp_avg.")
                try self.head.load(self.headOptimizer.v, from: checkpoint.optimizer, prefix: "exp_avg_sq.")
            }, extraBuffers: [head.params, headOptimizer.m, headOptimizer.v])
            headOptimizer.step = state.optimizerStep
        } else {
            try world.broadcastWeights(of: model)
            try world.broadcast(head.params)
        }
    }

    /// Trains to `train.steps` (or `stopAfter`); returns the last held-out metrics.
    @discardableResult
    public func run(stopAfter: Int? = nil) throws -> RewardMetrics? {
        let t = config.train
        let shapes = Dictionary(grouping: train.groups, by: \.answers.count).keys.sorted().map(String.init).joined(separator: "/")
        run.log("rm: \(model.trainingSummary) + score head, \(train.groups.count) records of \(shapes) answers"
            + (train.truncatedCount > 0 ? " (\(train.truncatedCount) answers cut at max_length)" : "")
            + ", \(config.algorithm.loss.rawValue) loss, \(t.steps) steps of \(t.batchSize) on \(world.size) rank(s)")
        var final: RewardMetrics?
        var stats = (metrics: RewardMetrics(), lr: Float(0), gradNorm: Float(0))
        try run.loop(until: run.endStep(stopAfter: stopAfter), step: {
            stats = try trainStep()
        }, report: {
            guard run.logs(at: state.step) else { return }
            let m = stats.metrics
            run.log(String(format: "step %d/%d | loss %.4f | accuracy %.3f | lr %.2e | grad norm %.3f",
                           state.step, t.steps, m.loss, m.pairwiseAccuracy, stats.lr, stats.gradNorm))
            try run.metrics?.append(m.named().merging(["step": Double(state.step), "lr": Double(stats.lr),
                                                   "grad_norm": Double(stats.gradNorm), "elapsed_s": state.elapsedSeconds]) { $1 },
                                kind: "train")
        }, progress: { String(format: "loss %.4f | accuracy %.3f", stats.metrics.loss, stats.metrics.pairwiseAccuracy) },
           evaluate: { final = try self.evaluate() }, save: { try self.save() })
        return final
    }

    private func trainStep() throws -> (metrics: RewardMetrics, lr: Float, gradNorm: Float) {
        let mine = world.share(of: config.train.batchSize).map { train.groups[order.exampleIndex(forGlobalSample: state.globalSample + $0)] }
        model.trainable.grads.zero()
        head.grads.zero()
        let scored = try world.sumGradients(of: pass) { score(mine, normalizer: Double(config.train.batchSize), backward: true) }
        let metrics = RewardMetrics(sums: try world.sum(scored.sums))
        try world.sumGradients(head.grads)
        let norm = clipGradNorm([model.trainable.grads, head.grads], maxNorm: Float(config.train.gradClip))
        let lr = run.advance(heads: [headOptimizer])
        losses[state.step] = metrics.loss
        return (metrics, lr, norm)
    }

    /// Scores every answer of `groups` in one batch and tallies the loss (Σ over records /
    /// `normalizer`) and accuracies; with `backward`, accumulates the gradients.
    func score(_ groups: [PreferenceGroup], normalizer: Double, backward: Bool) -> RewardMetrics {
        let r = config.algorithm
        let batch = ScoreBatch(rows: groups.flatMap { $0.answers.map(\.tokens) }, padID: run.tokenizer.padID)
        let hidden = pass.forwardHidden(tokens: batch.tokens, batch: batch.rows, seqLen: batch.seqLen)
        let rewards = head.forward(hidden: hidden, lengths: batch.lengths, seqLen: batch.seqLen).map(Double.init)
        var metrics = RewardMetrics(), dscores: [Float] = [], row = 0
        for group in groups {
            let mine = Array(rewards[row..<row + group.answers.count])
            let l = rewardModelLoss(rewards: mine, best: group.best, margin: group.margin, loss: r.loss,
                                    center: r.centerRewardsCoefficient)
            metrics.add(loss: l.loss, rewards: mine, best: group.best)
            dscores += l.dRewards.map { Float($0 / normalizer) }
            row += group.answers.count
        }
        if backward {
            pass.backwardHidden(dhidden: head.backward(dscores: dscores, hidden: hidden, lengths: batch.lengths, seqLen: batch.seqLen))
        }
        return metrics
    }

    /// Held-out loss, pairwise accuracy and best-of-N accuracy on the first `train.eval_samples`
    /// eval records, split over ranks.
    private func evaluate() throws -> RewardMetrics? {
        guard let eval else { return nil }
        let records = Array(eval.groups.prefix(config.train.evalSamples))
        let mine = world.share(of: records.count).map { records[$0] }
        var local = RewardMetrics()
        for start in stride(from: 0, to: mine.count, by: max(config.train.batchSize, 8)) {
            local.merge(score(Array(mine[start..<min(mine.count, start + max(config.train.batchSize, 8))]), normalizer: 1, backward: false))
        }
        let m = RewardMetrics(sums: try world.sum(local.sums))
        run.log(String(format: "eval step %d | loss %.4f | pairwise accuracy %.3f (%d pairs)", state.step, m.loss,
                       m.pairwiseAccuracy, Int(m.pairs))
            + (m.bestOfNRecords > 0 ? String(format: " | best-of-N accuracy %.3f (%d records)", m.bestOfNAccuracy, Int(m.bestOfNRecords)) : ""))
        try run.metrics?.append(m.named(prefix: "eval_").merging(["step": Double(state.step)]) { $1 }, kind: "eval")
        return m
    }

    /// With LoRA the head is saved beside the adapters under PEFT's name for a module kept whole.
    private var headPrefix: String { model.lora == nil ? "" : LoRAAdapters.namePrefix }

    /// The normalisation at the current weights: the first `rm.normalize_samples` training
    /// answers (the compared policy's samples), scored on every rank's share and pooled.
    func measureNormalization() throws -> RewardNormalization {
        let answers = Array(train.groups.lazy.flatMap { $0.answers.map(\.tokens) }.prefix(config.algorithm.normalizeSamples))
        let mine = world.share(of: answers.count).map { answers[$0] }
        let scorer = RewardModel(model: model, head: head, padID: run.tokenizer.padID)
        let raw = scorer.rawScores(mine, batchSize: max(config.train.batchSize, 16))
        let sums = try world.sum([Double(raw.count), raw.reduce(0, +), raw.reduce(0) { $0 + $1 * $1 }])
        return RewardNormalization(count: sums[0], sum: sums[1], sumOfSquares: sums[2])
    }

    /// A checkpoint that is a reward model: the trunk and `score.weight` in model.safetensors,
    /// a sequence-classification config.json, and the normalisation.
    private func save() throws {
        let normalization = config.algorithm.normalize ? try measureNormalization() : .identity
        if config.algorithm.normalize {
            run.log(String(format: "reward normalisation: raw mean %.4f, std %.4f over %d training answers",
                           normalization.rawMean, normalization.rawStd, normalization.samples))
        }
        try run.save(extraWeights: head.namedTensors(head.params, prefix: headPrefix),
                     extraMoments: head.namedTensors(headOptimizer.m, prefix: "exp_avg.") + head.namedTensors(headOptimizer.v, prefix: "exp_avg_sq."),
                     modelConfigJSON: try RewardModel.configJSON(model.config, padID: run.tokenizer.padID),
                     extraFiles: [(name: RewardNormalization.fileName, contents: normalization.json)])
    }
}

extension RewardModelTrainer: StoppableTrainer {
    public func train(stopAfter: Int?) throws { try run(stopAfter: stopAfter) }
}
