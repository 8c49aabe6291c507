import Foundation

/// A reward model's loss on one record and d loss / d reward of each of its answers.
public struct RecordLoss: Equatable, Sendable {
    public var loss: Double
    public var dRewards: [Double]
}

/// Bradley–Terry on a pair: −log σ(r_c − r_r − margin), plus `center` × (r_c + r_r)² (TRL's
/// `center_rewards_coefficient`).
public func bradleyTerryLoss(chosen: Double, rejected: Double, margin: Double = 0, center: Double = 0) -> RecordLoss {
    let z = chosen - rejected - margin, sum = chosen + rejected
    let dz = -sigmoid(-z)
    return RecordLoss(loss: softplus(-z) + center * sum * sum, dRewards: [dz + 2 * center * sum, -dz + 2 * center * sum])
}

/// Ziegler et al.'s best-of-N loss: the cross-entropy of the labeller's pick under a softmax over
/// the N rewards, −log(e^{r_best} / Σ e^{r_i}), plus `center` × (Σ r_i)².
public func bestOfNLoss(rewards: [Double], best: Int, center: Double = 0) -> RecordLoss {
    let top = rewards.max()!
    let exps = rewards.map { exp($0 - top) }
    let total = exps.reduce(0, +), sum = rewards.reduce(0, +)
    let loss = -(rewards[best] - top - log(total)) + center * sum * sum
    let d = exps.enumerated().map { i, e in e / total - (i == best ? 1 : 0) + 2 * center * sum }
    return RecordLoss(loss: loss, dRewards: d)
}

/// The loss of one record under `rm.loss`: a group of two, or `pairwise`, is Bradley–Terry over
/// its (best, other) pairs (their sum); a larger group under `auto` is the best-of-N softmax.
public func rewardModelLoss(rewards: [Double], best: Int, margin: Double, loss: RMSection.Loss, center: Double) -> RecordLoss {
    if rewards.count > 2 && loss == .auto { return bestOfNLoss(rewards: rewards, best: best, center: center) }
    var total = RecordLoss(loss: 0, dRewards: [Double](repeating: 0, count: rewards.count))
    for other in rewards.indices where other != best {
        let pair = bradleyTerryLoss(chosen: rewards[best], rejected: rewards[other], margin: margin)
        total.loss += pair.loss
        total.dRewards[best] += pair.dRewards[0]
        total.dRewards[other] += pair.dRewards[1]
    }
    let sum = rewards.reduce(0, +)
    total.loss += center * sum * sum
    for i in rewards.indices { total.dRewards[i] += 2 * center * sum }
    return total
}
