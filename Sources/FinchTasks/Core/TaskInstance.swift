import FinchData
import Foundation

/// One problem of some task in a task-independent form: what an RL rollout worker needs to
/// prompt a model and to score its answer, and exactly the `prompts` line of
/// `finch data generate`:
///
///     {"ground_truth":{"cards":["10","4","A","3"]},"prompt":"Cards: …","rule":"id","task":"generalpoints"}
///
/// `ground_truth` is the task's `Problem` as JSON; `rule` is null for tasks without variants.
/// The task decodes it back with `VerifiableTask.problem(from:)`.
public struct TaskInstance: Codable, Hashable, Sendable {
    public var task: String
    public var rule: String?
    public var prompt: String
    public var groundTruth: JSONValue

    public init(task: String, rule: String?, prompt: String, groundTruth: JSONValue) {
        self.task = task
        self.rule = rule
        self.prompt = prompt
        self.groundTruth = groundTruth
    }

    enum CodingKeys: String, CodingKey {
        case task, rule, prompt
        case groundTruth = "ground_truth"
    }

    /// Writes `rule` as an explicit null rather than leaving the key out, so every line shows
    /// which variant it belongs to.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(task, forKey: .task)
        try container.encode(rule, forKey: .rule)
        try container.encode(prompt, forKey: .prompt)
        try container.encode(groundTruth, forKey: .groundTruth)
    }
}
