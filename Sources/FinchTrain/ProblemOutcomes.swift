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

    public init(greedyCorrect: [Int], sampledCorrect: [Int]) {
        self.greedyCorrect = greedyCorrect
        self.sampledCorrect = sampledCorrect
    }

    enum CodingKeys: String, CodingKey {
        case greedyCorrect = "greedy_correct"
        case sampledCorrect = "sampled_correct"
    }

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
