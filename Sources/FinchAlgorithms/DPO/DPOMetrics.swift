/// DPO's metrics over a set of pairs, kept as sums so ranks can add their tallies; the means
/// carry TRL's names (`rewards/chosen`, `rewards/rejected`, `rewards/accuracies`,
/// `rewards/margins`, `logps/chosen`, `logps/rejected`).
public struct DPOMetrics: Equatable, Sendable {
    public var pairs = 0.0
    var lossSum = 0.0, chosenSum = 0.0, rejectedSum = 0.0, correct = 0.0, logpChosenSum = 0.0, logpRejectedSum = 0.0

    public init() {}

    init(sums v: [Double]) {
        (pairs, lossSum, chosenSum, rejectedSum) = (v[0], v[1], v[2], v[3])
        (correct, logpChosenSum, logpRejectedSum) = (v[4], v[5], v[6])
    }

    var sums: [Double] { [pairs, lossSum, chosenSum, rejectedSum, correct, logpChosenSum, logpRejectedSum] }

    mutating func add(_ l: DPOPairLoss, logpChosen: Double, logpRejected: Double) {
        pairs += 1
        lossSum += l.loss
        chosenSum += l.rewardChosen
        rejectedSum += l.rewardRejected
        if l.rewardChosen > l.rewardRejected { correct += 1 }
        logpChosenSum += logpChosen
        logpRejectedSum += logpRejected
    }

    mutating func merge(_ other: DPOMetrics) { self = DPOMetrics(sums: zip(sums, other.sums).map { $0 + $1 }) }

    private func mean(_ sum: Double) -> Double { pairs > 0 ? sum / pairs : .nan }
    public var loss: Double { mean(lossSum) }
    public var rewardChosen: Double { mean(chosenSum) }
    public var rewardRejected: Double { mean(rejectedSum) }
    /// The fraction of pairs whose chosen answer has the larger implicit reward.
    public var accuracy: Double { mean(correct) }
    public var margin: Double { mean(chosenSum - rejectedSum) }

    func trlNamed(prefix: String = "") -> [String: Double] {
        ["\(prefix)loss": loss, "\(prefix)rewards/chosen": rewardChosen, "\(prefix)rewards/rejected": rewardRejected,
         "\(prefix)rewards/accuracies": accuracy, "\(prefix)rewards/margins": margin,
         "\(prefix)logps/chosen": mean(logpChosenSum), "\(prefix)logps/rejected": mean(logpRejectedSum), "\(prefix)pairs": pairs]
    }
}
