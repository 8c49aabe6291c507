import FinchTrain
import Foundation

/// GRPO's loss (DeepSeekMath §4.1, token-level as in DAPO/TRL): for every completion token,
/// the clipped surrogate with its answer's group-relative advantage, plus β times the k3
/// estimate of KL(π ‖ π_ref) (when the run has a reference), minus the entropy bonus; summed
/// and divided by `normalizer`, the global minibatch's token count. With `policy` false
/// (nothing of the policy is trained) every gradient is zero; the sums are still reported.
public func grpoLoss(_ tokens: PolicyTokens, clip: Double, beta: Double, entropyCoef: Double, normalizer: Double,
                     policy: Bool = true) -> PolicyLossResult {
    let n = tokens.count
    var result = PolicyLossResult(loss: 0, dlogprobs: [Double](repeating: 0, count: n),
                                  dentropy: [Double](repeating: 0, count: n), dvalues: nil)
    var total = 0.0
    for t in 0..<n {
        let lp = tokens.logprobs[t]
        let surrogate = clippedSurrogate(logprob: lp, oldLogprob: tokens.oldLogprobs[t], advantage: tokens.advantages[t],
                                         clip: clip)
        var loss = surrogate.loss, dlp = surrogate.dlogprob
        if beta > 0, let ref = tokens.refLogprobs {
            let kl = k3KL(logprob: lp, refLogprob: ref[t])
            loss += beta * kl.kl
            dlp += beta * kl.dlogprob
        }
        loss -= entropyCoef * tokens.entropy[t]
        total += loss
        result.surrogateSum += surrogate.loss
        if surrogate.clipped { result.clippedCount += 1 }
        result.entropySum += tokens.entropy[t]
        if policy {
            result.dlogprobs[t] = dlp / normalizer
            result.dentropy[t] = -entropyCoef / normalizer
        }
    }
    result.loss = total / normalizer
    return result
}

/// The "k3" estimator of KL(π ‖ π_ref) from one sampled token (Schulman's approximations, as
/// in GRPO): with x = log π_ref − log π, k3 = eˣ − x − 1 ≥ 0, unbiased, low variance.
/// Its derivative with respect to log π is 1 − eˣ.
public func k3KL(logprob: Double, refLogprob: Double) -> (kl: Double, dlogprob: Double) {
    let x = refLogprob - logprob
    let ex = exp(x)
    return (ex - x - 1, 1 - ex)
}

/// GRPO's group-relative advantage of each answer: its reward minus the mean reward of the
/// answers to the same prompt, divided by their standard deviation unless `scaleByStd` is off
/// (the "mean-only" form, which does not up-weight prompts the policy already agrees on).
/// `rewards` holds `groupSize` consecutive answers per prompt; a group whose rewards are all
/// equal gets advantage 0 everywhere: it carries no signal about which answer is better.
public func groupAdvantages(rewards: [Double], groupSize: Int, scaleByStd: Bool, epsilon: Double = 1e-6) -> [Double] {
    precondition(groupSize >= 1 && rewards.count % groupSize == 0, "groupAdvantages: rewards must come in whole groups")
    return groupAdvantages(rewards: rewards, groupSizes: Array(repeating: groupSize, count: rewards.count / groupSize),
                           scaleByStd: scaleByStd, epsilon: epsilon)
}

/// The same over consecutive groups of the given sizes (a prompt's tries with `rl.revisions`).
public func groupAdvantages(rewards: [Double], groupSizes: [Int], scaleByStd: Bool, epsilon: Double = 1e-6) -> [Double] {
    precondition(groupSizes.allSatisfy { $0 >= 1 } && groupSizes.reduce(0, +) == rewards.count,
                 "groupAdvantages: the group sizes must cover the rewards")
    var advantages = [Double](repeating: 0, count: rewards.count)
    var start = 0
    for size in groupSizes {
        let group = rewards[start..<start + size]
        let mean = group.reduce(0, +) / Double(size)
        // Sample std (n − 1), as DeepSeekMath and TRL compute it.
        let variance = size > 1 ? group.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(size - 1) : 0
        let scale = scaleByStd ? 1 / (variance.squareRoot() + epsilon) : 1
        for i in group.indices { advantages[i] = (rewards[i] - mean) * scale }
        start += size
    }
    return advantages
}
