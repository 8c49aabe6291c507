import Foundation

/// The per-token terms of the PPO/GRPO losses, each with its derivative, so a learner can form
/// any weighted sum of them and hand the derivatives to `TrainingPass.backward`.

/// PPO's clipped surrogate for one token: with ratio ρ = exp(log π − log π_old),
/// loss = −min(ρ·A, clip(ρ, 1 − ε, 1 + ε)·A). The derivative with respect to log π is −ρ·A
/// where the unclipped term is the smaller one, and 0 where the clip is active (the update
/// has already moved this token's probability far enough in the advantage's direction).
/// `clipped` says whether the clip was active.
public func clippedSurrogate(logprob: Double, oldLogprob: Double, advantage: Double, clip: Double)
    -> (loss: Double, dlogprob: Double, clipped: Bool) {
    let ratio = exp(logprob - oldLogprob)
    let unclipped = ratio * advantage
    let clippedTerm = min(max(ratio, 1 - clip), 1 + clip) * advantage
    if unclipped <= clippedTerm {
        return (-unclipped, -unclipped, false)
    }
    return (-clippedTerm, 0, true)
}

/// The "k3" estimator of KL(π ‖ π_ref) from one sampled token (Schulman's approximations, as
/// in GRPO): with x = log π_ref − log π, k3 = eˣ − x − 1 ≥ 0, unbiased, low variance.
/// Its derivative with respect to log π is 1 − eˣ.
public func k3KL(logprob: Double, refLogprob: Double) -> (kl: Double, dlogprob: Double) {
    let x = refLogprob - logprob
    let ex = exp(x)
    return (ex - x - 1, 1 - ex)
}

/// PPO's clipped value loss for one token: ½·max((V − R)², (V_clipped − R)²) with
/// V_clipped = V_old + clip(V − V_old, ±ε). Returns the loss and its derivative in V.
public func clippedValueLoss(value: Double, oldValue: Double, target: Double, clip: Double)
    -> (loss: Double, dvalue: Double) {
    let unclipped = value - target
    let delta = value - oldValue
    let clippedValue = oldValue + min(max(delta, -clip), clip)
    let clippedError = clippedValue - target
    if unclipped * unclipped >= clippedError * clippedError {
        return (0.5 * unclipped * unclipped, unclipped)
    }
    // The clipped branch moves with V only inside the clip range.
    let inside = abs(delta) < clip
    return (0.5 * clippedError * clippedError, inside ? clippedError : 0)
}
