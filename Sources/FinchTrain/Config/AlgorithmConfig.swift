/// The part of a run config that belongs to one algorithm: its own section (`rl:` for GRPO and
/// PPO; none for SFT), and which keys of the shared sections it does not read. A run refuses
/// those keys with the reason instead of silently ignoring them.
public protocol AlgorithmConfig: ConfigSection {
    /// The command that runs it, as messages name it (`finch rl`).
    static var command: String { get }
    /// The top-level key of the algorithm's own section; nil when it has none.
    static var sectionName: String? { get }
    /// Dotted paths of shared keys this algorithm does not read, each with why.
    static var unusedKeys: [String: String] { get }
}
