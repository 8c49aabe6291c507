import FinchData
import FinchKernels
import FinchModel
import FinchTrain

/// Sums a learner reports for one step; the trainer adds them over learners.
struct UpdateSums {
    /// Completion tokens the update read, and the per-token sums over them.
    var tokens = 0.0, policyLoss = 0.0, valueLoss = 0.0, clipped = 0.0, entropy = 0.0
    /// Σ over answers of Σ_t (log π_old − log π_ref): the KL the controller tracks.
    var answers = 0.0, sequenceKL = 0.0
    /// Model FLOPs of this learner's passes: forward-only ones and training ones, every position
    /// of each batch layout (padding included, since it is computed).
    var flops = 0.0

    var array: [Double] { [tokens, policyLoss, valueLoss, clipped, entropy, answers, sequenceKL, flops] }
    init() {}
    init(array a: [Double]) {
        (tokens, policyLoss, valueLoss, clipped, entropy, answers, sequenceKL) = (a[0], a[1], a[2], a[3], a[4], a[5], a[6])
        flops = a[7]
    }
}

/// The update every RL algorithm shares, run by every learner on its share of a step's
/// answers; the algorithm (`RLObjective`) supplies the advantages and the loss.
///
/// Losses are token-level means over the global minibatch: every learner divides by the same
/// summed token count and the gradients are summed, so N learners make the update one learner
/// with the whole batch would. A minibatch is processed `microBatch` answers at a time with
/// gradient accumulation, which bounds memory and leaves the update unchanged.
final class PolicyUpdate {
    let section: RLSection
    let objective: any RLObjective
    let model: Transformer
    let valueHead: ValueHead?
    let pass: TrainingPass
    /// The frozen reference policy, when a KL term needs it.
    let reference: TrainingPass?
    let optimizer: AdamW
    let headOptimizer: AdamW?
    let world: TrainingWorld
    let gradClip: Float
    let padID: Int32
    private var temperature: Float { Float(section.temperature) }

    init(section: RLSection, model: Transformer, valueHead: ValueHead?, reference: Transformer?, optimizer: AdamW,
         headOptimizer: AdamW?, world: TrainingWorld, gradClip: Float, padID: Int32) {
        self.section = section
        objective = section.objective
        self.model = model
        self.valueHead = valueHead
        pass = TrainingPass(model: model, valueHead: valueHead)
        self.reference = reference.map { TrainingPass(model: $0) }
        self.optimizer = optimizer
        self.headOptimizer = headOptimizer
        self.world = world
        self.gradClip = gradClip
        self.padID = padID
    }

    /// Trains on a step's answers (the whole global batch, in the same order on every learner;
    /// each learner takes its share) with `epochs × minibatches` optimiser updates at `lr`.
    /// `beta` is the KL coefficient for this step. With `policy` false (PPO's critic warm-up)
    /// only the value head is updated; the losses are still measured and reported.
    func update(batch: [Trajectory], beta: Double, lr: Float, policy: Bool = true) throws -> (sums: UpdateSums, gradNorm: Float) {
        let advantages = objective.answerAdvantages(batch) ?? Array(repeating: 0, count: batch.count)
        let mine = world.share(of: batch.count)
        var rows = mine.map { LearnerRow(batch[$0], advantage: advantages[$0]) }
        let seqLen = rows.map { $0.tokens.count - 1 }.max() ?? 1
        var sums = UpdateSums()
        try prepare(&rows, seqLen: seqLen, sums: &sums)
        try objective.prepare(&rows, beta: beta, world: world)

        var gradNorm: Float = 0
        let parts = minibatchRanges(count: rows.count)
        for _ in 0..<section.epochs {
            for part in parts {
                let localTokens = rows[part].reduce(0) { $0 + $1.completionLength }
                let globalTokens = try world.sum([Double(localTokens)])[0]
                model.trainable.grads.zero()
                valueHead?.grads.zero()
                let micros = stride(from: part.lowerBound, to: part.upperBound, by: section.microBatch).map {
                    $0..<min(part.upperBound, $0 + section.microBatch)
                }
                func accumulate(_ micro: Range<Int>) {
                    self.accumulate(rows[micro], seqLen: seqLen, normalizer: max(globalTokens, 1), beta: beta, policy: policy,
                                    sums: &sums)
                }
                micros.dropLast().forEach(accumulate)
                // The last micro-batch's backward pass finishes the gradients, layer by layer:
                // the policy's all-reduce runs alongside it.
                if policy {
                    try world.sumGradients(of: pass) { micros.last.map(accumulate) }
                } else {
                    micros.last.map(accumulate)
                }
                if let valueHead { try world.sumGradients(valueHead.grads) }
                gradNorm = clipJointly(maxNorm: gradClip, policy: policy)
                if policy { optimizer.update(lr: lr) }
                headOptimizer?.update(lr: lr)
            }
        }
        return (sums, gradNorm)
    }

    /// This learner's rows split into `minibatches` contiguous parts of nearly equal size.
    private func minibatchRanges(count: Int) -> [Range<Int>] {
        let n = section.minibatches
        return (0..<n).map { (($0 * count) / n)..<((($0 + 1) * count) / n) }
    }

    /// Forward passes before any update: the reference's log-probs for the KL term; the values
    /// before this step's updates when the algorithm has a value head; and, when rollouts
    /// decoded in BF16, log π_old again from this FP32 policy (verl's and OpenRLHF's
    /// recompute), so the importance ratio compares two FP32 passes of the same weights.
    private func prepare(_ rows: inout [LearnerRow], seqLen T: Int, sums: inout UpdateSums) throws {
        let needsValues = objective.usesValueHead
        let recomputesOld = section.rolloutPrecision != .fp32 && !oldIsFirstPass
        guard reference != nil || needsValues || recomputesOld else { return }
        for start in stride(from: 0, to: rows.count, by: section.microBatch) {
            let micro = start..<min(rows.count, start + section.microBatch)
            let batch = layout(rows[micro], seqLen: T)
            let refLogprobs = reference?.forward(batch, temperature: temperature).logprobs
            let policy = needsValues || recomputesOld ? pass.forward(batch, temperature: temperature) : nil
            let forwards = (refLogprobs == nil ? 0 : 1) + (policy == nil ? 0 : 1)
            sums.flops += Double(forwards * batch.batch * batch.seqLen) * model.forwardFlopsPerToken(seqLen: batch.seqLen)
            for (r, i) in micro.enumerated() {
                let positions = batch.completionIndices[r]
                if recomputesOld, let policy { rows[i].old = positions.map { policy.logprobs[$0] } }
                if let refLogprobs {
                    rows[i].ref = positions.map { refLogprobs[$0] }
                    sums.sequenceKL += zip(rows[i].old, rows[i].ref!).reduce(0.0) { $0 + Double($1.0 - $1.1) }
                }
                if needsValues, let values = policy?.values { rows[i].oldValues = positions.map { Double(values[$0]) } }
            }
        }
        sums.answers += Double(rows.count)
    }

    /// Whether, after BF16 rollouts, log π_old can be read from the update's own forward pass
    /// instead of a pass before it: with one update per step and nothing else needing the
    /// policy's log-probs first (no reference KL, no value head), the two are the same FP32 pass
    /// of the same weights, so every ratio is exactly 1 — as TRL does with one iteration.
    private var oldIsFirstPass: Bool {
        section.rolloutPrecision != .fp32 && section.epochs == 1 && section.minibatches == 1
            && reference == nil && !objective.usesValueHead
    }

    /// Adds one micro-batch's gradient of the minibatch loss (divided by `normalizer`, the
    /// minibatch's global token count) to the gradient buffers; without `policy`, only the
    /// value loss's (the trunk's gradient is then left unused).
    private func accumulate(_ rows: ArraySlice<LearnerRow>, seqLen T: Int, normalizer: Double, beta: Double,
                            policy: Bool, sums: inout UpdateSums) {
        let batch = layout(rows, seqLen: T)
        let out = pass.forward(batch, entropy: true, temperature: temperature)
        let N = batch.batch * batch.seqLen
        sums.flops += Double(N) * model.trainingFlopsPerToken(seqLen: batch.seqLen)
        // Gather the completion tokens, flat in row order, as the loss reads them.
        let positions = batch.completionIndices.flatMap { $0 }
        let hasValues = out.values != nil && rows.first?.returns != nil
        let logprobs = positions.map { Double(out.logprobs[$0]) }
        let tokens = PolicyTokens(
            logprobs: logprobs, oldLogprobs: oldIsFirstPass ? logprobs : rows.flatMap { $0.old.map(Double.init) },
            refLogprobs: rows.first?.ref == nil ? nil : rows.flatMap { $0.ref!.map(Double.init) },
            advantages: rows.flatMap(\.advantages), entropy: positions.map { Double(out.entropy![$0]) },
            values: hasValues ? positions.map { Double(out.values![$0]) } : nil,
            oldValues: hasValues ? rows.flatMap { $0.oldValues! } : nil, returns: hasValues ? rows.flatMap { $0.returns! } : nil)
        let result = objective.loss(tokens, beta: beta, normalizer: normalizer, policy: policy)
        sums.policyLoss += result.surrogateSum
        sums.valueLoss += result.valueLossSum
        sums.clipped += result.clippedCount
        sums.entropy += result.entropySum
        sums.tokens += Double(tokens.count)

        // Scatter the gradients back to the [B, T] positions the training pass takes.
        var dlogprobs = [Float](repeating: 0, count: N)
        var dentropy: [Float]? = policy && section.entropyCoef > 0 ? [Float](repeating: 0, count: N) : nil
        var dvalues: [Float]? = result.dvalues.map { _ in [Float](repeating: 0, count: N) }
        for (t, n) in positions.enumerated() {
            dlogprobs[n] = Float(result.dlogprobs[t])
            dentropy?[n] = Float(result.dentropy[t])
            dvalues?[n] = Float(result.dvalues![t])
        }
        pass.backward(dlogprobs: dlogprobs, dentropy: dentropy, dvalues: dvalues)
    }

    /// The answers' layout for one pass: packed behind their shared prompts (`rl.pack_prompts`),
    /// or one padded row each.
    private func layout(_ rows: ArraySlice<LearnerRow>, seqLen T: Int) -> AnswerBatch {
        section.packPrompts ? .packed(rows, padID: padID) : .padded(rows, seqLen: T, padID: padID)
    }

    /// Clips the gradients about to be applied (the policy's, unless it is frozen, and the value
    /// head's) by their joint global norm; returns it.
    private func clipJointly(maxNorm: Float, policy: Bool) -> Float {
        clipGradNorm((policy ? [model.trainable.grads] : []) + (valueHead.map { [$0.grads] } ?? []), maxNorm: maxNorm)
    }
}
