import FinchData
/// How a completion scored on a verifiable task: what an RL rollout is rewarded with, and why.
public struct Verdict: Codable, Equatable, Sendable {
    /// The scalar reward; its scale is the task's (0/1, TinyZero's 1/0.1/0, or GeneralPoints'
    /// shaped +5…−3).
    public var reward: Double
    /// The answer solves the problem.
    public var correct: Bool
    /// The answer could be found and read in the required format, whether right or wrong;
    /// a format error is the first thing SFT fixes and RL must not have to discover.
    public var formatOK: Bool
    /// A short human-readable cause, e.g. "evaluates to 22, not 24".
    public var reason: String

    public init(reward: Double, correct: Bool, formatOK: Bool, reason: String) {
        self.reward = reward
        self.correct = correct
        self.formatOK = formatOK
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case reward, correct, reason
        case formatOK = "format_ok"
    }
}
