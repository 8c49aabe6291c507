import ArgumentParser
import FinchEval
import FinchReport
import Foundation

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw runs as one self-contained HTML page: every metric over steps, runs overlaid, configs and checkpoints.",
        discussion: """
        Each RUN_DIR is a run's checkpoint.dir (its metrics.jsonl); a run still in progress works too. \
        --compare A.json,B.json (repeatable) adds the paired comparison of two 'finch eval --out' files.
        """)

    @Argument(help: "Run directories.") var runs: [String]
    @Option(help: "Output HTML file.") var out: String
    @Option(help: "Two eval results, baseline then candidate, separated by a comma (repeatable).") var compare: [String] = []

    func run() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run directory") }
        let outURL = URL(fileURLWithPath: out)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: outURL.deletingLastPathComponent().path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--out: the directory \(outURL.deletingLastPathComponent().path) does not exist")
        }
        let histories = try runs.map { try RunHistory(directory: URL(fileURLWithPath: $0)) }
        let comparisons = try compare.map { pair -> EvalComparison in
            let files = pair.split(separator: ",").map(String.init)
            guard files.count == 2 else { throw ValidationError("--compare takes two files separated by a comma, got '\(pair)'") }
            return try EvalComparison(baseline: try EvalReport(path: files[0]), candidate: try EvalReport(path: files[1]),
                                      names: (files[0], files[1]))
        }
        try Data(ReportPage(runs: histories, comparisons: comparisons).html.utf8).write(to: outURL, options: .atomic)
        print("wrote \(out): \(histories.map { "\($0.name) (\($0.series.count) series)" }.joined(separator: ", "))")
    }
}
