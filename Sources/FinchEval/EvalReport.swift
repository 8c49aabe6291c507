import FinchTrain
import Foundation

/// What `finch eval` prints and writes: the ratios people read, the raw counts that merge
/// across runs, and the per-problem outcomes that `finch compare` pairs.
public struct EvalReport: Codable, Sendable {
    public let checkpoint: String
    public let task: String
    public let rule: String?
    public let problems: String
    public let seed: UInt64
    public let maxNewTokens: Int
    public let temperature: Float?
    /// Tries after a wrong answer (`TaskEvalOptions.revisions`); 0 in files written before revisions.
    public let revisions: Int
    public let counts: TaskEvalCounts
    public let examples: [TaskEvalExample]
    public let outcomes: ProblemOutcomes

    enum CodingKeys: String, CodingKey {
        case checkpoint, task, rule, problems, seed, counts, examples, greedy, sampled, revisions
        case maxNewTokens = "max_new_tokens", outcomes = "per_problem"
    }

    public init(checkpoint: String, task: String, rule: String?, problems: String, seed: UInt64, maxNewTokens: Int,
         temperature: Float?, revisions: Int = 0, counts: TaskEvalCounts, examples: [TaskEvalExample], outcomes: ProblemOutcomes) {
        self.revisions = revisions
        self.checkpoint = checkpoint
        self.task = task
        self.rule = rule
        self.problems = problems
        self.seed = seed
        self.maxNewTokens = maxNewTokens
        self.temperature = temperature
        self.counts = counts
        self.examples = examples
        self.outcomes = outcomes
    }

    /// Reads a file `encode(to:)` wrote; the derived `greedy` and `sampled` ratios are skipped.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        checkpoint = try c.decode(String.self, forKey: .checkpoint)
        task = try c.decode(String.self, forKey: .task)
        rule = try c.decodeIfPresent(String.self, forKey: .rule)
        problems = try c.decode(String.self, forKey: .problems)
        seed = try c.decode(UInt64.self, forKey: .seed)
        maxNewTokens = try c.decode(Int.self, forKey: .maxNewTokens)
        revisions = try c.decodeIfPresent(Int.self, forKey: .revisions) ?? 0
        counts = try c.decode(TaskEvalCounts.self, forKey: .counts)
        examples = try c.decode([TaskEvalExample].self, forKey: .examples)
        outcomes = try c.decode(ProblemOutcomes.self, forKey: .outcomes)
        temperature = counts.samplesPerProblem > 0
            ? Float(try c.decode([String: Double].self, forKey: .sampled)["temperature"] ?? 1) : nil
    }

    /// Reads a `finch eval --out` file, naming the file in any error.
    public init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TrainError("\(path): cannot read it (\(error.localizedDescription))")
        }
        do { self = try JSONDecoder().decode(Self.self, from: data) } catch DecodingError.keyNotFound(let key, _) {
            throw TrainError("\(path): no \"\(key.stringValue)\" — not a 'finch eval --out' result, or one written before per-problem outcomes were recorded; evaluate again")
        } catch {
            throw TrainError("\(path): not a 'finch eval --out' result (\(error))")
        }
    }

    /// Writes the report as the JSON `init(path:)` reads, atomically.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The task and the problems, for messages.
    public var summary: String {
        "\(task)\(rule.map { " (\($0))" } ?? ""), \(outcomes.greedyCorrect.count) prompts from \(problems)"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(checkpoint, forKey: .checkpoint)
        try container.encode(task, forKey: .task)
        try container.encode(rule, forKey: .rule)
        try container.encode(problems, forKey: .problems)
        try container.encode(seed, forKey: .seed)
        try container.encode(maxNewTokens, forKey: .maxNewTokens)
        try container.encode(revisions, forKey: .revisions)
        try container.encode(counts, forKey: .counts)
        try container.encode(examples, forKey: .examples)
        try container.encode(outcomes, forKey: .outcomes)
        try container.encode(["pass@1": counts.greedyPassAt1, "mean_reward": counts.greedyMeanReward,
                              "format_error_rate": counts.greedyFormatErrorRate], forKey: .greedy)
        if let temperature {
            try container.encode(["k": Double(counts.samplesPerProblem), "temperature": Double(temperature),
                                  "pass@1": counts.sampledPassAt1, "pass@\(counts.samplesPerProblem)": counts.sampledPassAtK,
                                  "mean_reward": counts.sampledMeanReward,
                                  "format_error_rate": counts.sampledFormatErrorRate], forKey: .sampled)
        }
    }

    public var table: String {
        var rows = [("decoding", "pass@1", "pass@k", "mean reward", "format errors")]
        func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
        rows.append(("greedy", percent(counts.greedyPassAt1), "-", String(format: "%.3f", counts.greedyMeanReward),
                     percent(counts.greedyFormatErrorRate)))
        if let temperature {
            rows.append((String(format: "T=%.2f, k=%d", temperature, counts.samplesPerProblem), percent(counts.sampledPassAt1),
                         percent(counts.sampledPassAtK), String(format: "%.3f", counts.sampledMeanReward),
                         percent(counts.sampledFormatErrorRate)))
        }
        let header = "\(task)\(rule.map { " (\($0))" } ?? ""): \(counts.problems) problems from \(problems)"
            + (revisions > 0 ? ", up to \(revisions) revision(s) after a wrong answer" : "")
        let widths = [rows.map(\.0.count).max()!, 8, 8, 12, 14]
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        let lines = rows.map { row in
            zip([row.0, row.1, row.2, row.3, row.4], widths).map { pad($0, $1) }.joined(separator: "  ")
        }
        let truncated = "greedy answers cut off by the \(maxNewTokens)-token budget or the context: \(counts.greedyTruncated)"
        return ([header] + lines + [truncated]).joined(separator: "\n")
    }
}
