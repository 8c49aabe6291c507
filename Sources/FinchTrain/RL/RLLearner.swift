import FinchData
import FinchKernels
import FinchModel

/// Sums a learner reports for one step; the trainer adds them over learners.
struct UpdateSums {
    /// Completion tokens the update read, and the per-token sums over them.
    var tokens = 0.0, policyLoss = 0.0, valueLoss = 0.0, clipped = 0.0, entropy = 0.0
    /// Σ over answers of Σ_t (log π_old − log π_ref): the KL the controller tracks.
    var answers = 0.0, sequenceKL = 0.0

    var array: [Double] { [tokens, policyLoss, valueLoss, clipped, entropy, answers, sequenceKL] }
    init() {}
    init(array a: [Double]) { (tokens, policyLoss, valueLoss, clipped, entropy, answers, sequenceKL) = (a[0], a[1], a[2], a[3], a[4], a[5], a[6]) }
}

/// The update side of PPO and GRPO, run by every learner on its share of a step's answers.
///
/// Losses are token-level means over the global minibatch: every learner divides by the same
/// summed token count and the gradients are summed, so N learners make the update one learner
/// with the whole batch would. A minibatch is processed `microBatch` answers at a time with
/// gradient accumulation, which bounds memory and leaves the update unchanged.
final class RLLearner {
    let section: RLSection
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
        let advantages: [Double]
        switch section.algorithm {
        case .grpo: advantages = groupAdvantages(rewards: batch.map(\.reward), groupSize: section.groupSize,
                                                 scaleByStd: section.scaleByGroupStd)
        case .ppo: advantages = Array(repeating: 0, count: batch.count)  // per token, below
        }
        let mine = world.share(of: batch.count)
        var rows = mine.map { LearnerRow(batch[$0], advantage: advantages[$0]) }
        let seqLen = rows.map { $0.tokens.count - 1 }.max() ?? 1
        var sums = UpdateSums()
        try prepare(&rows, seqLen: seqLen, beta: beta, sums: &sums)

        var gradNorm: Float = 0
        let parts = minibatchRanges(count: rows.count)
        for _ in 0..<section.epochs {
            for part in parts {
                let localTokens = rows[part].reduce(0) { $0 + $1.completionLength }
                let globalTokens = try world.sum([Double(localTokens)])[0]
                model.grads.zero()
                valueHead?.grads.zero()
                for start in stride(from: part.lowerBound, to: part.upperBound, by: section.microBatch) {
                    let micro = start..<min(part.upperBound, start + section.microBatch)
                    accumulate(rows[micro], seqLen: seqLen, normalizer: max(globalTokens, 1), beta: beta, policy: policy,
                               sums: &sums)
                }
                if policy { try world.sumGradients(model.grads) }
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

    /// Forward passes before any update: reference log-probs for the KL term, and for PPO the
    /// values, per-token rewards, GAE advantages (whitened over all learners) and returns.
    private func prepare(_ rows: inout [LearnerRow], seqLen T: Int, beta: Double, sums: inout UpdateSums) throws {
        let needsReference = reference != nil
        let isPPO = section.algorithm == .ppo
        guard needsReference || isPPO else { return }
        for start in stride(from: 0, to: rows.count, by: section.microBatch) {
            let micro = start..<min(rows.count, start + section.microBatch)
            let batch = TokenBatch(rows: rows[micro], seqLen: T, padID: padID)
            let refLogprobs = reference?.forward(tokens: batch.inputs, targets: batch.targets, batch: micro.count,
                                                 seqLen: T, temperature: temperature).logprobs
            let values = isPPO ? pass.forward(tokens: batch.inputs, targets: batch.targets, batch: micro.count,
                                              seqLen: T, temperature: temperature).values : nil
            for (r, i) in micro.enumerated() {
                let row = rows[i]
                let K = row.completionLength
                if let refLogprobs {
                    rows[i].ref = (0..<K).map { refLogprobs[row.position($0, row: r, seqLen: T)] }
                    sums.sequenceKL += (0..<K).reduce(0.0) { $0 + Double(row.old[$1] - rows[i].ref![$1]) }
                }
                if let values { rows[i].oldValues = (0..<K).map { Double(values[row.position($0, row: r, seqLen: T)]) } }
            }
        }
        sums.answers += Double(rows.count)
        guard isPPO else { return }
        // Reward = the answer's score at its last token − β·(log π_old − log π_ref) at every token.
        var moments = MomentSums()
        for i in rows.indices {
            let row = rows[i], K = row.completionLength
            var rewards = (0..<K).map { k in row.ref.map { -beta * Double(row.old[k] - $0[k]) } ?? 0 }
            if K > 0 { rewards[K - 1] += row.score }
            let gae = generalizedAdvantages(rewards: rewards, values: row.oldValues!, gamma: section.gamma, lambda: section.lam)
            rows[i].advantages = gae.advantages
            rows[i].returns = gae.returns
            for a in gae.advantages { moments.add(a) }
        }
        if section.whitenAdvantages {
            let global = MomentSums(array: try world.sum(moments.array))
            let scale = 1 / (global.variance.squareRoot() + 1e-8)
            for i in rows.indices { rows[i].advantages = rows[i].advantages.map { ($0 - global.mean) * scale } }
        }
    }

    /// Adds one micro-batch's gradient of the minibatch loss (divided by `normalizer`, the
    /// minibatch's global token count) to the gradient buffers; without `policy`, only the
    /// value loss's (the trunk's gradient is then left unused).
    private func accumulate(_ rows: ArraySlice<LearnerRow>, seqLen T: Int, normalizer: Double, beta: Double,
                            policy: Bool, sums: inout UpdateSums) {
        let batch = TokenBatch(rows: rows, seqLen: T, padID: padID)
        let B = rows.count
        let out = pass.forward(tokens: batch.inputs, targets: batch.targets, batch: B, seqLen: T, entropy: true,
                               temperature: temperature)
        let entropy = out.entropy!
        var dlogprobs = [Float](repeating: 0, count: B * T)
        var dentropy: [Float]? = policy && section.entropyCoef > 0 ? [Float](repeating: 0, count: B * T) : nil
        var dvalues: [Float]? = section.algorithm == .ppo ? [Float](repeating: 0, count: B * T) : nil
        let useKLLoss = section.algorithm == .grpo && beta > 0
        for (r, row) in rows.enumerated() {
            for k in 0..<row.completionLength {
                let n = row.position(k, row: r, seqLen: T)
                let lp = Double(out.logprobs[n])
                let surrogate = clippedSurrogate(logprob: lp, oldLogprob: Double(row.old[k]),
                                                 advantage: row.advantages[k], clip: section.clip)
                var dlp = surrogate.dlogprob
                sums.policyLoss += surrogate.loss
                if surrogate.clipped { sums.clipped += 1 }
                if useKLLoss, let ref = row.ref {
                    let kl = k3KL(logprob: lp, refLogprob: Double(ref[k]))
                    dlp += beta * kl.dlogprob
                }
                sums.entropy += Double(entropy[n])
                dentropy?[n] = Float(-section.entropyCoef / normalizer)
                if let returns = row.returns, let oldValues = row.oldValues {
                    let v = clippedValueLoss(value: Double(out.values![n]), oldValue: oldValues[k], target: returns[k],
                                             clip: section.valueClip)
                    sums.valueLoss += v.loss
                    dvalues?[n] = Float(section.vfCoef * v.dvalue / normalizer)
                }
                if policy { dlogprobs[n] = Float(dlp / normalizer) }
                sums.tokens += 1
            }
        }
        pass.backward(dlogprobs: dlogprobs, dentropy: dentropy, dvalues: dvalues)
    }

    /// Clips the gradients about to be applied (the policy's, unless it is frozen, and the value
    /// head's) by their joint global norm; returns it.
    private func clipJointly(maxNorm: Float, policy: Bool) -> Float {
        let policyNorm = policy ? globalNorm(model.grads.pointer, N: model.parameterCount) : 0
        let headNorm = valueHead.map { globalNorm($0.grads.pointer, N: $0.grads.count) } ?? 0
        let norm = (policyNorm * policyNorm + headNorm * headNorm).squareRoot()
        if maxNorm > 0 && norm > maxNorm {
            let s = maxNorm / (norm + 1e-6)
            for buffer in (policy ? [model.grads] : []) + (valueHead.map { [$0.grads] } ?? []) {
                for i in 0..<buffer.count { buffer[i] *= s }
            }
        }
        return norm
    }
}
