import Foundation

/// DPO's loss of one pair from the sequence log-probabilities of its chosen and rejected
/// answers under the policy (π) and the frozen reference (ρ), and its derivatives with respect
/// to the two policy log-probs. With h = (π_c − π_r) − (ρ_c − ρ_r):
/// - sigmoid: −(1 − ε)·log σ(β·h) − ε·log σ(−β·h)
/// - ipo:     (h − 1/(2β))²
/// - hinge:   max(0, 1 − β·h)
/// The implicit rewards (TRL's `rewards/chosen` and `rewards/rejected`) are β·(π − ρ).
public struct DPOPairLoss: Equatable, Sendable {
    public var loss: Double
    /// d loss / d π_c; d loss / d π_r is its negative.
    public var dChosen: Double
    public var rewardChosen: Double
    public var rewardRejected: Double

    public var dRejected: Double { -dChosen }
}

public func dpoLoss(policyChosen: Double, policyRejected: Double, referenceChosen: Double, referenceRejected: Double,
                    beta: Double, type: DPOSection.LossType, labelSmoothing: Double = 0) -> DPOPairLoss {
    let h = (policyChosen - policyRejected) - (referenceChosen - referenceRejected)
    let loss: Double, dh: Double
    switch type {
    case .sigmoid:
        let z = beta * h
        loss = (1 - labelSmoothing) * softplus(-z) + labelSmoothing * softplus(z)
        dh = beta * (-(1 - labelSmoothing) * sigmoid(-z) + labelSmoothing * sigmoid(z))
    case .ipo:
        let gap = h - 1 / (2 * beta)
        loss = gap * gap
        dh = 2 * gap
    case .hinge:
        loss = max(0, 1 - beta * h)
        dh = 1 - beta * h > 0 ? -beta : 0
    }
    return DPOPairLoss(loss: loss, dChosen: dh, rewardChosen: beta * (policyChosen - referenceChosen),
                       rewardRejected: beta * (policyRejected - referenceRejected))
}
