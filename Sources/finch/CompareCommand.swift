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
        let comparison = try EvalComparison(baseline: try EvalReport(path: baseline), candidate: try EvalReport(path: candidate),
                                            names: (baseline, candidate))
        let before = comparison.baseline, after = comparison.candidate
        print("\(before.summary): \(before.checkpoint) → \(after.checkpoint)")
        if before.maxNewTokens != after.maxNewTokens {
            print("note: answers had different token budgets (\(before.maxNewTokens) and \(after.maxNewTokens)); pass the same --max-new-tokens to both evals")
        }
        if comparison.problemCount < comparison.promptCount {
            print("\(comparison.promptCount) prompts present \(comparison.problemCount) problems: each problem's prompts are averaged, then paired")
        }
        print(table(comparison.rows))
        if !comparison.sampledAlike {
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
