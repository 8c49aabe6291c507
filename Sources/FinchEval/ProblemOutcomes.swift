import FinchTasks
import FinchTrain
/// Which problems a checkpoint solved, one entry per problem in the evaluated set's order.
///
/// The counts of `TaskEvalCounts` say how often a checkpoint is right; comparing two
/// checkpoints honestly needs to know *where*: the same problems scored by both give a paired
/// difference (`PairedDifference`) whose noise is far smaller than that of two separate rates.
public struct ProblemOutcomes: Codable, Equatable, Sendable {
    /// Per problem: 1 if the greedy answer was correct, else 0.
    public var greedyCorrect: [Int]
    /// Per problem: how many of its sampled answers were correct (empty without sampling).
    public var sampledCorrect: [Int]
    /// Per problem: the task's key (`VerifiableTask.keyText`); prompts with the same key are
    /// presentations of one problem. Empty when not recorded.
    public var keys: [String]

    public init(greedyCorrect: [Int], sampledCorrect: [Int], keys: [String] = []) {
        self.greedyCorrect = greedyCorrect
        self.sampledCorrect = sampledCorrect
        self.keys = keys
    }

    enum CodingKeys: String, CodingKey {
        case greedyCorrect = "greedy_correct"
        case sampledCorrect = "sampled_correct"
        case keys
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        greedyCorrect = try c.decode([Int].self, forKey: .greedyCorrect)
        sampledCorrect = try c.decode([Int].self, forKey: .sampledCorrect)
        keys = try c.decodeIfPresent([String].self, forKey: .keys) ?? []
    }

    /// `scores` (one per prompt) averaged over the prompts of each key, in the order keys first
    /// appear: one score per problem. Without keys, `scores` unchanged.
    public func meanByKey(_ scores: [Double]) -> [Double] {
        guard !keys.isEmpty else { return scores }
        precondition(keys.count == scores.count, "meanByKey: one score per key")
        var order: [String] = [], sums: [String: (total: Double, count: Double)] = [:]
        for (key, score) in zip(keys, scores) {
            if sums[key] == nil { order.append(key) }
            sums[key, default: (0, 0)].total += score
            sums[key, default: (0, 0)].count += 1
        }
        return order.map { sums[$0]!.total / sums[$0]!.count }
    }

    /// How many distinct problems the prompts present (the prompt count without keys).
    public var problemCount: Int { keys.isEmpty ? greedyCorrect.count : Set(keys).count }

    /// Every rank's outcomes placed at its problems' positions (`offset` = the index of this
    /// rank's first problem in the whole set of `total`) and added up: the whole set's outcomes,
    /// on every rank.
    public func gathered(over world: TrainingWorld, offset: Int, total: Int) throws -> ProblemOutcomes {
        let sampling = try world.sum([sampledCorrect.isEmpty ? 0 : 1])[0] > 0
        var flat = [Double](repeating: 0, count: sampling ? 2 * total : total)
        for (i, correct) in greedyCorrect.enumerated() { flat[offset + i] = Double(correct) }
        for (i, correct) in sampledCorrect.enumerated() { flat[total + offset + i] = Double(correct) }
        let summed = try world.sum(flat).map { Int($0.rounded()) }
        return ProblemOutcomes(greedyCorrect: Array(summed[0..<total]),
                               sampledCorrect: sampling ? Array(summed[total...]) : [])
    }
}
