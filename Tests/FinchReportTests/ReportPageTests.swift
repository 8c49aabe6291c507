import XCTest
import Foundation
import FinchTestSupport
@testable import FinchAlgorithms
@testable import FinchReport
import FinchEval
@testable import FinchTrain
import FinchTasks

/// `finch report` on two real short SFT runs, opened in headless Chromium: no console error,
/// one chart per metric with a line per run (and a smoothed copy of the loss), every logged
/// point drawn, and the hover read-out working.
final class ReportPageTests: XCTestCase {
    private func sftRun(_ dir: URL, name: String, lr: Double) throws -> URL {
        let data = dir.appendingPathComponent("data")
        if !FileManager.default.fileExists(atPath: data.path) {
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            _ = try TaskDataset.generate(task: TaskCatalog.task(named: "addition", settings: TaskSettings(minDigits: 1, maxDigits: 1)),
                                         count: 64, evalCount: 8, seed: 3, format: .sft, directory: data)
        }
        let run = dir.appendingPathComponent(name)
        let yaml = """
        model: {init: scratch, seed: 5, config: {model_type: gpt2, vocab_size: 262, n_embd: 32, n_layer: 1, n_head: 2, n_positions: 32}}
        data: {train: \(data.appendingPathComponent("train.jsonl").path), eval: \(data.appendingPathComponent("eval.jsonl").path), max_length: 32}
        train: {steps: 40, batch_size: 4, lr: \(lr), eval_every: 20, eval_samples: 8, threads: 1}
        checkpoint: {dir: \(run.path), every: 20}
        logging: {every: 1}
        """
        try SFTTrainer(config: SFTRunConfig.parse(yaml: yaml, file: "test.yaml"), log: { _ in }).run()
        return run
    }

    func testReportOfTwoRunsInAHeadlessBrowser() throws {
        let dir = try makeTemporaryDirectory(for: self)
        let runs = try [sftRun(dir, name: "slow", lr: 1e-3), sftRun(dir, name: "fast", lr: 1e-2)].map { try RunHistory(directory: $0) }
        XCTAssertEqual(runs[0].checkpoints, ["step-00000020", "step-00000040"])
        XCTAssertTrue(runs[0].configYAML?.contains("lr: 0.001") == true, runs[0].configYAML ?? "no config")
        let page = dir.appendingPathComponent("report.html")
        try Data(ReportPage(runs: runs).html.utf8).write(to: page)

        let browser = try HeadlessBrowser()
        let tab = try browser.openTab(page.absoluteString)
        try browser.waitFor(tab, "document.readyState === 'complete' && document.querySelectorAll('svg.chart').length > 0", "the report")
        let names = Set(runs.flatMap { $0.series.map { "\($0.kind)/\($0.name)" } })
        XCTAssertEqual(try browser.evaluate(tab, "document.querySelectorAll('svg.chart').length") as? Int, names.count)
        XCTAssertTrue(names.isSuperset(of: ["train/loss", "train/lr", "train/grad_norm", "train/tokens_per_s", "eval/eval_loss", "eval/exact_match"]), "\(names)")
        // The loss chart: raw and smoothed lines for each run, 40 points each.
        let loss = "[...document.querySelectorAll('svg.chart')].find(s => s.getAttribute('aria-label') === 'train/loss')"
        XCTAssertEqual(try browser.evaluate(tab, "\(loss).querySelectorAll('polyline').length") as? Int, 4)
        XCTAssertEqual(try browser.evaluate(tab, "[...\(loss).querySelectorAll('polyline')].map(p => JSON.parse(p.dataset.series).length)") as? [Int],
                       [40, 40, 40, 40])
        XCTAssertEqual(try browser.evaluate(tab, "\(loss).querySelector('polyline').dataset.label") as? String, "slow (raw)")
        // Hover over the middle of the loss chart: the read-out names every line at a step.
        guard let rect = try browser.evaluate(tab, "(() => { const r = \(loss).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()") as? [Double] else {
            return XCTFail("no loss chart")
        }
        try browser.moveMouse(tab, x: rect[0], y: rect[1])
        try browser.waitFor(tab, "!document.getElementById('tip').hidden", "the hover read-out")
        let tip = try browser.evaluate(tab, "document.getElementById('tip').textContent") as? String ?? ""
        XCTAssertTrue(tip.contains("slow (raw)  step") && tip.contains("fast (smoothed)  step"), tip)
        XCTAssertEqual(browser.pageErrors, [], "the report logs no error")
    }
}

/// The comparison table: a row per paired difference, with its interval drawn to scale, and run
/// names and configs escaped.
final class ReportComparisonTests: XCTestCase {
    func testComparisonRowsAndEscaping() throws {
        func report(_ checkpoint: String, _ solved: [Int]) -> EvalReport {
            var counts = TaskEvalCounts()
            counts.problems = solved.count
            counts.greedyCorrect = solved.reduce(0, +)
            return EvalReport(checkpoint: checkpoint, task: "addition", rule: nil, problems: "eval.jsonl", seed: 0, maxNewTokens: 8,
                              temperature: nil, counts: counts, examples: [],
                              outcomes: ProblemOutcomes(greedyCorrect: solved, sampledCorrect: []))
        }
        let before = report("runs/<sft>", [1, 0, 0, 1, 0, 0, 1, 0])
        let after = report("runs/rl", [1, 1, 0, 1, 1, 0, 1, 1])
        let comparison = try EvalComparison(baseline: before, candidate: after, names: ("a.json", "b.json"))
        let html = ReportPage(runs: [], comparisons: [comparison]).html
        XCTAssertTrue(html.contains("<td>greedy pass@1</td><td>37.5%</td><td>75.0%</td><td>+37.5 pts</td>"), html)
        XCTAssertTrue(html.contains("runs/&lt;sft&gt;"), "checkpoint names are escaped")
        XCTAssertFalse(html.contains("runs/<sft>"))
        XCTAssertEqual(html.components(separatedBy: "class=\"interval\"").count - 1, 1)
        XCTAssertThrowsError(try EvalComparison(baseline: before, candidate: report("x", [1, 0]), names: ("a.json", "c.json"))) {
            XCTAssertTrue("\($0)".contains("a.json and c.json were not evaluated on the same problems"), "\($0)")
        }
    }
}
