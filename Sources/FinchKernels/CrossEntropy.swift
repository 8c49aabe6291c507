import Foundation

/// Softmax over the vocabulary, then per-token log-probability of the target and entropy.
///
/// logits: [N, V], overwritten in place by the probabilities (the backward pass needs them,
/// and a second [N, V] buffer is the largest allocation of a step for big vocabularies).
/// targets: [N] (a negative target marks a position with no target: logprob 0).
/// logprobs: [N] out; entropy: [N] out, or nil to skip its V logarithms per token.
public func logSoftmaxForward(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                              logprobs: UnsafeMutablePointer<Float>, entropy: UnsafeMutablePointer<Float>?,
                              N: Int, V: Int) {
    parallelFor(N, minPerThread: 2) { n in
        let z = logits + n * V
        let t = Int(targets[n])
        let target = t >= 0 ? z[t] : 0
        let m = rowMax(z, V)
        let sum = expShiftedSum(z, V, shift: m)
        let logSum = logf(sum)
        let inv = 1 / sum
        // log p_t = (z_t − m) − log Σ, from the logit itself so a tiny probability keeps its precision
        logprobs[n] = t >= 0 ? target - m - logSum : 0
        for j in 0..<V { z[j] *= inv }
        if let entropy {
            var h: Float = 0
            for j in 0..<V where z[j] > 0 { h -= z[j] * logf(z[j]) }
            entropy[n] = h
        }
    }
}

/// Backward of `logSoftmaxForward`, in place: `probs` [N, V] becomes dlogits.
///
/// dlogits = dlogp · (onehot(target) − p) + dentropy · (−p · (log p + H)).
/// Cross-entropy is the case dlogp = −weight / Σweight; RL losses pass their own dlogp.
public func logSoftmaxBackward(probs: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                               dlogprobs: UnsafePointer<Float>, dentropy: UnsafePointer<Float>?,
                               entropy: UnsafePointer<Float>?, N: Int, V: Int) {
    parallelFor(N, minPerThread: 2) { n in
        let p = probs + n * V
        let t = Int(targets[n])
        let g = t >= 0 ? dlogprobs[n] : 0  // a position with no target has no log-prob to move
        let ge = dentropy?[n] ?? 0
        if ge != 0, let entropy {
            let h = entropy[n]
            for j in 0..<V {
                let pj = p[j]
                p[j] = -g * pj - (pj > 0 ? ge * pj * (logf(pj) + h) : 0)
            }
        } else {
            for j in 0..<V { p[j] *= -g }
        }
        if t >= 0 { p[t] += g }
    }
}

/// Weighted mean cross-entropy from per-token log-probabilities: −Σ wₙ log pₙ / Σ wₙ,
/// and the dlogprobs that its backward needs. Sums run in Double so the loss does not
/// depend on how the batch was split.
public func crossEntropyLoss(logprobs: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                             dlogprobs: UnsafeMutablePointer<Float>?, N: Int,
                             normalizer: Double? = nil) -> (loss: Double, weightSum: Double) {
    var total = 0.0, wsum = 0.0
    for n in 0..<N {
        total -= Double(weights[n]) * Double(logprobs[n])
        wsum += Double(weights[n])
    }
    let norm = normalizer ?? wsum
    if let dlogprobs {
        let inv = norm > 0 ? Float(1 / norm) : 0
        for n in 0..<N { dlogprobs[n] = -weights[n] * inv }
    }
    return (norm > 0 ? total / norm : 0, wsum)
}
