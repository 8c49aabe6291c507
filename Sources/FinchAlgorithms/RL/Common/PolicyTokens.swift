/// The completion tokens of a (micro-)batch as a policy loss reads them: one entry per token,
/// flat, in row order. The learner gathers them from the training pass's `[B, T]` outputs; the
/// losses (`grpoLoss`, `ppoLoss`) are pure functions of them, so each is testable alone.
public struct PolicyTokens: Sendable {
    /// log π of each token under the policy being trained (at the sampling temperature).
    public var logprobs: [Double]
    /// log π_old: the policy that sampled it, from the rollout.
    public var oldLogprobs: [Double]
    /// log π_ref, when the run has a KL term.
    public var refLogprobs: [Double]?
    /// The token's advantage.
    public var advantages: [Double]
    /// The policy's entropy at the token's position.
    public var entropy: [Double]
    /// PPO: the value head's output, its value before this step's updates, and the return.
    public var values: [Double]?
    public var oldValues: [Double]?
    public var returns: [Double]?

    public init(logprobs: [Double], oldLogprobs: [Double], refLogprobs: [Double]? = nil, advantages: [Double],
                entropy: [Double], values: [Double]? = nil, oldValues: [Double]? = nil, returns: [Double]? = nil) {
        self.logprobs = logprobs
        self.oldLogprobs = oldLogprobs
        self.refLogprobs = refLogprobs
        self.advantages = advantages
        self.entropy = entropy
        self.values = values
        self.oldValues = oldValues
        self.returns = returns
    }

    public var count: Int { logprobs.count }
}

/// A policy loss of some tokens and its gradients, plus the sums the step log reports.
public struct PolicyLossResult: Sendable {
    /// The loss these tokens add to the minibatch objective (already divided by the normalizer).
    public var loss: Double
    /// d loss / d log π, d loss / d entropy, and (PPO) d loss / d value, per token.
    public var dlogprobs: [Double]
    public var dentropy: [Double]
    public var dvalues: [Double]?
    /// Unnormalised sums over the tokens: the clipped surrogate, the value loss, how many
    /// tokens had their ratio clipped, and the entropy.
    public var surrogateSum = 0.0, valueLossSum = 0.0, clippedCount = 0.0, entropySum = 0.0
}

/// PPO's clipped surrogate for one token, shared by GRPO and PPO: with ratio
/// ρ = exp(log π − log π_old), loss = −min(ρ·A, clip(ρ, 1 − ε, 1 + ε)·A). The derivative with
/// respect to log π is −ρ·A where the unclipped term is the smaller one, and 0 where the clip
/// is active (the update has already moved this token's probability far enough in the
/// advantage's direction). `clipped` says whether the clip was active.
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

import FinchTrain
import Foundation
