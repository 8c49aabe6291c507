/// A reward model's metrics over a set of records, as sums ranks can add: the loss, pairwise
/// accuracy over every (best, other) pair, and best-of-N accuracy (the top score is the
/// labeller's pick) over records of more than two answers.
public struct RewardMetrics: Equatable, Sendable {
    public var records = 0.0, pairs = 0.0, bestOfNRecords = 0.0
    var lossSum = 0.0, correctPairs = 0.0, correctBest = 0.0, rewardSum = 0.0, answers = 0.0

    public init() {}

    init(sums v: [Double]) {
        (records, pairs, bestOfNRecords, lossSum) = (v[0], v[1], v[2], v[3])
        (correctPairs, correctBest, rewardSum, answers) = (v[4], v[5], v[6], v[7])
    }

    var sums: [Double] { [records, pairs, bestOfNRecords, lossSum, correctPairs, correctBest, rewardSum, answers] }

    mutating func add(loss: Double, rewards: [Double], best: Int) {
        records += 1
        lossSum += loss
        for other in rewards.indices where other != best {
            pairs += 1
            if rewards[best] > rewards[other] { correctPairs += 1 }
        }
        if rewards.count > 2 {
            bestOfNRecords += 1
            if rewards.indices.allSatisfy({ $0 == best || rewards[best] > rewards[$0] }) { correctBest += 1 }
        }
        rewardSum += rewards.reduce(0, +)
        answers += Double(rewards.count)
    }

    mutating func merge(_ other: RewardMetrics) { self = RewardMetrics(sums: zip(sums, other.sums).map { $0 + $1 }) }

    public var loss: Double { records > 0 ? lossSum / records : .nan }
    public var pairwiseAccuracy: Double { pairs > 0 ? correctPairs / pairs : .nan }
    public var bestOfNAccuracy: Double { bestOfNRecords > 0 ? correctBest / bestOfNRecords : .nan }
    public var meanReward: Double { answers > 0 ? rewardSum / answers : .nan }

    func named(prefix: String = "") -> [String: Double] {
        ["\(prefix)loss": loss, "\(prefix)accuracy": pairwiseAccuracy, "\(prefix)best_of_n_accuracy": bestOfNAccuracy,
         "\(prefix)mean_reward": meanReward, "\(prefix)records": records]
    }
}
