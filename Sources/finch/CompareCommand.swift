import ArgumentParser
import FinchEval
import FinchTrain
import Foundation

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two 'finch eval --out' results problem by problem: the paired difference and its 95% interval.",
        discussion: """
        Both files must come from the same problems (same --data or the same generated set, same \
        count) and, for the sampled row, the same --samples. A difference whose interval excludes \
        zero is larger than the noise of which problems happen to be solved. Prompts that present \
        the same problem (the same task key, as in 'finch data variants') are averaged first, so \
        each problem counts once.
        """)

    @Argument(help: "The baseline's result (e.g. the SFT checkpoint).") var baseline: String
    @Argument(help: "The candidate's result (e.g. after RL).") var candidate: String

    func run() throws {
        let before = try EvalReport(path: baseline)
        let after = try EvalReport(path: candidate)
        guard before.task == after.task, before.rule == after.rule, before.problems == after.problems,
              before.outcomes.greedyCorrect.count == after.outcomes.greedyCorrect.count,
              before.outcomes.keys.isEmpty || after.outcomes.keys.isEmpty || before.outcomes.keys == after.outcomes.keys else {
            throw ValidationError("""
                \(baseline) and \(candidate) were not evaluated on the same problems: \
                \(before.summary) against \(after.summary)
                """)
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
        let sampledAlike = k == after.counts.samplesPerProblem && before.temperature == after.temperature
        if k > 0, sampledAlike {
            rows.append(("pass@1 (\(k) samples)", try paired(before.outcomes.sampledCorrect.map { Double($0) / Double(k) },
                                                              after.outcomes.sampledCorrect.map { Double($0) / Double(k) })))
        }
        print("\(before.summary): \(before.checkpoint) → \(after.checkpoint)")
        if before.maxNewTokens != after.maxNewTokens {
            print("note: answers had different token budgets (\(before.maxNewTokens) and \(after.maxNewTokens)); pass the same --max-new-tokens to both evals")
        }
        if grouping.problemCount < grouping.greedyCorrect.count {
            print("\(grouping.greedyCorrect.count) prompts present \(grouping.problemCount) problems: each problem's prompts are averaged, then paired")
        }
        print(table(rows))
        if !sampledAlike {
            print("sampled answers not compared: \(sampling(before)) against \(sampling(after))")
        }
    }

    private func sampling(_ report: EvalReport) -> String {
        guard let temperature = report.temperature, report.counts.samplesPerProblem > 0 else { return "greedy only" }
        return String(format: "%d samples at T=%.2f", report.counts.samplesPerProblem, temperature)
    }

    private func table(_ rows: [(String, PairedDifference)]) -> String {
        func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
        func points(_ x: Double) -> String { String(format: "%+.1f", 100 * x) }
        let lines = [("", "baseline", "candidate", "difference", "95% interval", "better/worse")] + rows.map { name, d in
            (name, percent(d.baseline), percent(d.candidate), points(d.difference) + " pts",
             "[\(points(d.interval95.lowerBound)), \(points(d.interval95.upperBound))]", "\(d.better)/\(d.worse)")
        }
        let widths = [22, 9, 10, 11, 15, 12]
        return lines.map { row in
            zip([row.0, row.1, row.2, row.3, row.4, row.5], widths)
                .map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }.joined(separator: " ")
        }.joined(separator: "\n")
    }
}
