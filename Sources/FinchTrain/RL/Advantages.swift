/// Advantage estimators: how much better than expected each sampled answer (or token) was.

/// GRPO's group-relative advantage of each answer: its reward minus the mean reward of the
/// answers to the same prompt, divided by their standard deviation unless `scaleByStd` is off
/// (the "mean-only" form, which does not up-weight prompts the policy already agrees on).
/// `rewards` holds `groupSize` consecutive answers per prompt; a group whose rewards are all
/// equal gets advantage 0 everywhere: it carries no signal about which answer is better.
public func groupAdvantages(rewards: [Double], groupSize: Int, scaleByStd: Bool, epsilon: Double = 1e-6) -> [Double] {
    precondition(groupSize >= 1 && rewards.count % groupSize == 0, "groupAdvantages: rewards must come in whole groups")
    var advantages = [Double](repeating: 0, count: rewards.count)
    for start in stride(from: 0, to: rewards.count, by: groupSize) {
        let group = rewards[start..<start + groupSize]
        let mean = group.reduce(0, +) / Double(groupSize)
        // Sample std (n − 1), as DeepSeekMath and TRL compute it.
        let variance = groupSize > 1 ? group.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(groupSize - 1) : 0
        let scale = scaleByStd ? 1 / (variance.squareRoot() + epsilon) : 1
        for i in group.indices { advantages[i] = (rewards[i] - mean) * scale }
    }
    return advantages
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

/// Running sums for a mean and variance that several ranks add up before use.
public struct MomentSums: Equatable, Sendable {
    public var count = 0.0, sum = 0.0, sumOfSquares = 0.0

    public init() {}

    public init(_ values: [Double]) {
        for v in values { add(v) }
    }

    public mutating func add(_ value: Double) {
        count += 1; sum += value; sumOfSquares += value * value
    }

    public var array: [Double] { [count, sum, sumOfSquares] }
    public init(array: [Double]) { (count, sum, sumOfSquares) = (array[0], array[1], array[2]) }

    public var mean: Double { count > 0 ? sum / count : 0 }
    /// Population variance, never negative despite rounding.
    public var variance: Double { count > 0 ? max(0, sumOfSquares / count - mean * mean) : 0 }
}
