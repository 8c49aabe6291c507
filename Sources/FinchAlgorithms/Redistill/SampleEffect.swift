import FinchData
import FinchModel
import FinchTrain

/// One sample's effect and the quantities it is compared with.
public struct SampleEffect: Codable, Equatable, Sendable {
    /// ⟨∇θ log p(sample), ḡ⟩ with both log-probs averaged over the trained tokens: the first-order
    /// gain of the objective per unit of learning rate from one SGD step on this sample.
    public var effect: Double
    /// Trained (completion) tokens.
    public var tokens: Int
    /// Σ log p of the trained tokens under the scoring model.
    public var logprob: Double
    /// |∇θ mean log p(sample)|.
    public var gradNorm: Double

    enum CodingKeys: String, CodingKey {
        case effect, tokens, logprob
        case gradNorm = "grad_norm"
    }
}

/// Sample effect (arXiv 2505.17988): under a linearised view of training, one SGD step of size η
/// on sample x moves the weights by η·g(x), g(x) = ∇θ (mean log p of x's trained tokens), and
/// changes an objective J by η·⟨g(x), ∇θ J⟩. The paper calls that inner product the sample's
/// effect and finds that it, not the look of a reasoning trace, predicts which SFT samples help.
/// Here J is the mean log-likelihood of `target` (ḡ = the mean of its g): with `target` the
/// correct answers of a policy to its training prompts, ḡ points where those answers become
/// likelier — the direction in which expected accuracy grows.
///
/// Each rank takes its share of `target` and `samples`, one example per pass (so every g is the
/// sample's own gradient, not a batch's); ḡ and the results are summed over ranks in Double, so
/// any number of ranks returns what one does, to float rounding. Uses the model's trainable
/// parameters (the adapters under LoRA) and its gradient buffer, which it leaves holding junk.
public func sampleEffects(model: Transformer, samples: [SFTExample], target: [SFTExample], maxLength: Int,
                          world: TrainingWorld = .single()) throws -> [SampleEffect] {
    guard !target.isEmpty else { throw TrainError("sample effect: the target set is empty") }
    let pass = TrainingPass(model: model)
    let grads = model.trainable.grads
    let P = grads.count

    // ḡ [P]: the mean over `target` of g, summed over ranks.
    var meanGradient = [Double](repeating: 0, count: P)
    for i in world.share(of: target.count) {
        _ = meanLogProbGradient(pass, model: model, example: target[i], maxLength: maxLength)
        for k in 0..<P { meanGradient[k] -= Double(grads[k]) }
    }
    meanGradient = try world.sum(meanGradient).map { $0 / Double(target.count) }

    // Four numbers a sample [N, 4], zero outside this rank's share, so the sum over ranks is exact.
    var table = [Double](repeating: 0, count: samples.count * 4)
    for i in world.share(of: samples.count) {
        let (logprob, tokens) = meanLogProbGradient(pass, model: model, example: samples[i], maxLength: maxLength)
        var dot = 0.0, squares = 0.0
        for k in 0..<P {
            let g = -Double(grads[k])
            dot += g * meanGradient[k]
            squares += g * g
        }
        table.replaceSubrange(i * 4..<(i + 1) * 4, with: [dot, Double(tokens), logprob, squares.squareRoot()])
    }
    table = try world.sum(table)
    return samples.indices.map { i in
        SampleEffect(effect: table[i * 4], tokens: Int(table[i * 4 + 1]), logprob: table[i * 4 + 2], gradNorm: table[i * 4 + 3])
    }
}

/// Leaves ∇θ of the example's mean cross-entropy over its trained tokens (= −g) in the trainable
/// gradient buffer; returns Σ log p of those tokens and their count. No dropout: the effect is
/// that of the model as it is.
private func meanLogProbGradient(_ pass: TrainingPass, model: Transformer, example: SFTExample, maxLength: Int)
    -> (logprob: Double, tokens: Int) {
    let batch = TokenBatch(examples: [example], length: .longest(cappedAt: maxLength), padID: 0)
    model.trainable.grads.zero()
    let lp = pass.forward(tokens: batch.inputs, targets: batch.targets, batch: 1, seqLen: batch.seqLen).logprobs
    let sums = sftLoss(logprobs: lp, weights: batch.weights, normalizer: 1)
    pass.backward(dlogprobs: sftLoss(logprobs: lp, weights: batch.weights, normalizer: max(sums.weightSum, 1)).dlogprobs)
    return (-sums.loss, Int(sums.weightSum))
}
