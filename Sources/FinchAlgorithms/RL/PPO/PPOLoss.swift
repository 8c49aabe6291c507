import FinchTrain
/// PPO's loss (Schulman et al. 2017, as Ziegler et al. 2019 use it): for every completion
/// token, the clipped surrogate with its GAE advantage, minus the entropy bonus, plus
/// `vfCoef` times the clipped value loss; summed and divided by `normalizer`, the global
/// minibatch's token count. The KL to the reference is not here: PPO puts it in the reward
/// (`klPenalizedRewards`). With `policy` false (the critic warm-up) only the value loss has a
/// gradient; the sums are still reported.
public func ppoLoss(_ tokens: PolicyTokens, clip: Double, entropyCoef: Double, vfCoef: Double, valueClip: Double,
                    normalizer: Double, policy: Bool = true) -> PolicyLossResult {
    guard let values = tokens.values, let oldValues = tokens.oldValues, let returns = tokens.returns else {
        preconditionFailure("ppoLoss: PPO tokens need values, old values and returns")
    }
    let n = tokens.count
    var result = PolicyLossResult(loss: 0, dlogprobs: [Double](repeating: 0, count: n),
                                  dentropy: [Double](repeating: 0, count: n), dvalues: [Double](repeating: 0, count: n))
    var total = 0.0
    for t in 0..<n {
        let surrogate = clippedSurrogate(logprob: tokens.logprobs[t], oldLogprob: tokens.oldLogprobs[t],
                                         advantage: tokens.advantages[t], clip: clip)
        let value = clippedValueLoss(value: values[t], oldValue: oldValues[t], target: returns[t], clip: valueClip)
        total += surrogate.loss - entropyCoef * tokens.entropy[t] + vfCoef * value.loss
        result.surrogateSum += surrogate.loss
        result.valueLossSum += value.loss
        if surrogate.clipped { result.clippedCount += 1 }
        result.entropySum += tokens.entropy[t]
        result.dvalues![t] = vfCoef * value.dvalue / normalizer
        if policy {
            result.dlogprobs[t] = surrogate.dlogprob / normalizer
            result.dentropy[t] = -entropyCoef / normalizer
        }
    }
    result.loss = total / normalizer
    return result
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
