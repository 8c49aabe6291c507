import FinchTrain
/// The KL coefficient β and how it moves (Ziegler et al. 2019, §2.2).
///
/// Fixed unless a target is set; then after each batch of n answers whose mean KL to the
/// reference (per answer, summed over its tokens) was KL,
/// β ← β·(1 + clip(KL/target − 1, −0.2, 0.2)·n/horizon): β grows while the policy drifts
/// further than the target and shrinks while it stays closer.
public struct KLController: Codable, Equatable, Sendable {
    public private(set) var beta: Double
    public let target: Double?
    public let horizon: Int

    public init(beta: Double, target: Double?, horizon: Int) {
        precondition(horizon >= 1, "KLController: horizon must be positive")
        self.beta = beta
        self.target = target
        self.horizon = horizon
    }

    public mutating func update(meanKL: Double, answers n: Int) {
        guard let target, target > 0 else { return }
        let error = min(max(meanKL / target - 1, -0.2), 0.2)
        beta *= 1 + error * Double(n) / Double(horizon)
    }
}
