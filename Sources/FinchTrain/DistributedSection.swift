/// `distributed:` — how ranks share the work. Optional: a run without it uses the defaults,
/// and a single process ignores it.
public struct DistributedSection: Codable, Equatable, Sendable {
    /// Gradient all-reduce bucket size in MiB: large enough that per-call latency is
    /// negligible, small enough that MPI's scratch memory stays modest.
    public var bucketMB: Int
    /// RL: ranks that train; nil means every rank that is not a rollout worker.
    public var learners: Int?
    /// RL: ranks that only generate and score; 0 means learners generate their own (colocated).
    public var rolloutWorkers: Int

    public init(bucketMB: Int = 25, learners: Int? = nil, rolloutWorkers: Int = 0) {
        self.bucketMB = bucketMB
        self.learners = learners
        self.rolloutWorkers = rolloutWorkers
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case bucketMB = "bucket_mb", learners, rolloutWorkers = "rollout_workers"
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.update(&bucketMB, from: .bucketMB)
        try container.update(&learners, from: .learners)
        try container.update(&rolloutWorkers, from: .rolloutWorkers)
    }
}

extension DistributedSection: ConfigSection {
    static func field(_ key: CodingKeys) -> ConfigField {
        switch key {
        case .bucketMB, .learners: return .optional(.integer(atLeast: 1))
        case .rolloutWorkers: return .optional(.integer(atLeast: 0))
        }
    }
}
