/// `distributed:` — how ranks share the work. Optional: a run without it uses the defaults,
/// and a single process ignores it.
public struct DistributedSection: Codable, Equatable, Sendable {
    /// Gradient all-reduce bucket size in MiB: large enough that per-call latency is
    /// negligible, small enough that MPI's scratch memory stays modest.
    public var bucketMB: Int

    public init(bucketMB: Int = 25) {
        self.bucketMB = bucketMB
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case bucketMB = "bucket_mb"
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.update(&bucketMB, from: .bucketMB)
    }
}

extension DistributedSection: ConfigSection {
    static func field(_ key: CodingKeys) -> ConfigField {
        switch key {
        case .bucketMB: return .optional(.integer(atLeast: 1))
        }
    }
}
