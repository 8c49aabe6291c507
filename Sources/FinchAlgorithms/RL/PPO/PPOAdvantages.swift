import FinchTrain
/// PPO's per-token rewards (Ziegler et al. 2019, §2.2): −β·(log π_old − log π_ref) at every
/// token (0 without a reference), plus the answer's score at its last token.
public func klPenalizedRewards(score: Double, oldLogprobs: [Float], refLogprobs: [Float]?, beta: Double) -> [Double] {
    var rewards = oldLogprobs.indices.map { k in refLogprobs.map { -beta * Double(oldLogprobs[k] - $0[k]) } ?? 0 }
    if !rewards.isEmpty { rewards[rewards.count - 1] += score }
    return rewards
}

/// Generalised advantage estimation (Schulman et al. 2016) over one answer's tokens:
/// δ_t = r_t + γ·V_{t+1} − V_t (V after the last token is 0: the episode ends there),
/// A_t = δ_t + γλ·A_{t+1}. Returns the advantages and the value targets A_t + V_t.
public func generalizedAdvantages(rewards: [Double], values: [Double], gamma: Double, lambda: Double)
    -> (advantages: [Double], returns: [Double]) {
    precondition(rewards.count == values.count, "generalizedAdvantages: one value per reward")
    var advantages = [Double](repeating: 0, count: rewards.count)
    var next = 0.0, nextValue = 0.0
    for t in stride(from: rewards.count - 1, through: 0, by: -1) {
        let delta = rewards[t] + gamma * nextValue - values[t]
        next = delta + gamma * lambda * next
        advantages[t] = next
        nextValue = values[t]
    }
    return (advantages, zip(advantages, values).map { $0 + $1 })
}
