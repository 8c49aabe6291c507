import FinchTrain

/// Two `finch eval --out` results of the same problems, compared problem by problem: the rows
/// `finch compare` prints and `finch report` draws (greedy pass@1, and sampled pass@1 when both
/// sampled alike). Prompts presenting the same problem (the same task key) are averaged first.
public struct EvalComparison {
    public let baseline: EvalReport
    public let candidate: EvalReport
    public let rows: [(name: String, difference: PairedDifference)]
    /// Whether both sampled the same number of answers at the same temperature.
    public let sampledAlike: Bool
    public let promptCount: Int
    public let problemCount: Int

    /// Throws, naming both files, when they were not evaluated on the same problems.
    public init(baseline before: EvalReport, candidate after: EvalReport, names: (String, String)) throws {
        guard before.task == after.task, before.rule == after.rule, before.problems == after.problems,
              before.outcomes.greedyCorrect.count == after.outcomes.greedyCorrect.count,
              before.outcomes.keys.isEmpty || after.outcomes.keys.isEmpty || before.outcomes.keys == after.outcomes.keys else {
            throw TrainError("\(names.0) and \(names.1) were not evaluated on the same problems: \(before.summary) against \(after.summary)")
        }
        guard before.revisions == after.revisions else {
            throw TrainError("\(names.0) allowed \(before.revisions) revision(s) after a wrong answer and \(names.1) \(after.revisions): evaluate both with the same --revisions")
        }
        // Both files name the same prompts; the keys of either (older files have none) group them.
        let grouping = before.outcomes.keys.isEmpty ? after.outcomes : before.outcomes
        func paired(_ baseline: [Double], _ candidate: [Double]) throws -> PairedDifference {
            try PairedDifference(baseline: grouping.meanByKey(baseline), candidate: grouping.meanByKey(candidate))
        }
        var rows: [(String, PairedDifference)] = [
            ("greedy pass@1", try paired(before.outcomes.greedyCorrect.map(Double.init), after.outcomes.greedyCorrect.map(Double.init)))
        ]
        let k = before.counts.samplesPerProblem
        sampledAlike = k == after.counts.samplesPerProblem && before.temperature == after.temperature
        if k > 0, sampledAlike {
            rows.append(("pass@1 (\(k) samples)", try paired(before.outcomes.sampledCorrect.map { Double($0) / Double(k) },
                                                              after.outcomes.sampledCorrect.map { Double($0) / Double(k) })))
        }
        (baseline, candidate, self.rows) = (before, after, rows)
        promptCount = grouping.greedyCorrect.count
        problemCount = grouping.problemCount
    }
}
