import FinchData
/// How to build a task from command-line or config settings. Every field is optional: each
/// task takes the ones that apply to it, uses its defaults for the rest, and rejects settings
/// that do not apply (a `rule` for Countdown), so a mistyped run fails instead of quietly
/// doing something else.
public struct TaskSettings: Sendable {
    /// GeneralPoints: "id" or "ood".
    public var rule: String?
    /// GeneralPoints: "shaped" (the paper's +5…−3) or "binary" (1/0).
    public var reward: String?
    /// Addition and arithmetic: operand digits.
    public var minDigits: Int?
    public var maxDigits: Int?
    /// Arithmetic: operations per problem.
    public var minOperations: Int?
    public var maxOperations: Int?

    public init(rule: String? = nil, reward: String? = nil, minDigits: Int? = nil, maxDigits: Int? = nil,
                minOperations: Int? = nil, maxOperations: Int? = nil) {
        self.rule = rule
        self.reward = reward
        self.minDigits = minDigits
        self.maxDigits = maxDigits
        self.minOperations = minOperations
        self.maxOperations = maxOperations
    }
}

/// The verifiable tasks by name, for the CLI and for anything that reads a task's name from
/// a data file or a config.
public enum TaskCatalog {
    public static let names = ["addition", "generalpoints", "countdown", "arithmetic", "signoff", "cardrule"]

    /// Errors name the task and the setting at fault.
    public static func task(named name: String, settings: TaskSettings = TaskSettings()) throws -> any VerifiableTask {
        func fail(_ reason: String) -> DataError { DataError(source: "task \(name)", reason: reason) }
        func reject(_ setting: String, _ value: Any?) throws {
            if value != nil { throw fail("\(setting) does not apply to this task") }
        }
        func range(_ low: Int?, _ high: Int?, default fallback: ClosedRange<Int>, _ setting: String) throws -> ClosedRange<Int> {
            let (lower, upper) = (low ?? fallback.lowerBound, high ?? fallback.upperBound)
            guard lower <= upper else { throw fail("min-\(setting) \(lower) is above max-\(setting) \(upper)") }
            return lower...upper
        }
        switch name {
        case "addition":
            try reject("rule", settings.rule)
            try reject("reward", settings.reward)
            try reject("operations", settings.minOperations ?? settings.maxOperations)
            let digits = try range(settings.minDigits, settings.maxDigits, default: 1...4, "digits")
            return VerifiableAddition(generator: try AdditionTask(minDigits: digits.lowerBound, maxDigits: digits.upperBound))
        case "generalpoints":
            guard let ruleName = settings.rule else { throw fail("needs a rule: id or ood") }
            guard let rule = GeneralPointsTask.CardRule(rawValue: ruleName) else {
                throw fail("unknown rule \"\(ruleName)\" (expected id or ood)")
            }
            let reward = try settings.reward.map { rewardName in
                guard let reward = GeneralPointsTask.Reward(rawValue: rewardName) else {
                    throw fail("unknown reward \"\(rewardName)\" (expected shaped or binary)")
                }
                return reward
            } ?? .shaped
            try reject("digits", settings.minDigits ?? settings.maxDigits)
            try reject("operations", settings.minOperations ?? settings.maxOperations)
            return GeneralPointsTask(rule: rule, reward: reward)
        case "signoff", "countdown", "cardrule":  // tasks without settings
            try reject("rule", settings.rule)
            try reject("reward", settings.reward)
            try reject("digits", settings.minDigits ?? settings.maxDigits)
            try reject("operations", settings.minOperations ?? settings.maxOperations)
            switch name {
            case "signoff": return SignoffTask()
            case "countdown": return try CountdownTask()
            default: return CardRuleTask()
            }
        case "arithmetic":
            try reject("rule", settings.rule)
            try reject("reward", settings.reward)
            return try ArithmeticTask(digits: try range(settings.minDigits, settings.maxDigits, default: 1...2, "digits"),
                                      operations: try range(settings.minOperations, settings.maxOperations,
                                                            default: 2...4, "operations"))
        default:
            throw DataError(source: "task", reason: "unknown task \"\(name)\" (expected one of \(names.joined(separator: ", ")))")
        }
    }
}
