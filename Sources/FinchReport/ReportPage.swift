import Foundation
import FinchEval

/// `finch report`: one self-contained HTML file (inline CSS, SVG and script; nothing is fetched)
/// with every metric of every run drawn over steps, runs overlaid in one chart per metric, the
/// paired comparisons of `finch compare` as a table with interval bars, and each run's
/// checkpoints and resolved config.
public struct ReportPage {
    public let runs: [RunHistory]
    public let comparisons: [EvalComparison]

    public init(runs: [RunHistory], comparisons: [EvalComparison] = []) {
        self.runs = runs
        self.comparisons = comparisons
    }

    /// The unit shown on a metric's axis.
    static func axisLabel(_ name: String) -> String {
        let units = ["lr": "learning rate", "tokens_per_s": "tokens / s", "grad_norm": "gradient L2 norm", "kl": "KL (nats / answer)",
                     "response_length": "tokens", "wait_s": "seconds", "step_s": "seconds", "staleness": "versions",
                     "entropy": "nats / token", "beta": "β", "clip_fraction": "fraction of tokens"]
        if let unit = units[name] { return unit }
        if name.hasSuffix("accuracy") || name.hasSuffix("rate") || name.contains("pass_at") || name == "exact_match" { return "fraction" }
        if name.contains("loss") { return "loss (nats)" }
        return name
    }

    /// A trailing mean over a twentieth of the points: smooth enough to read a noisy loss,
    /// short enough not to lag behind a curve logged only a few dozen times.
    static func smoothed(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        let window = max(1, points.count / 20)
        var sum = 0.0
        return points.enumerated().map { i, p in
            sum += p.y
            if i >= window { sum -= points[i - window].y }
            return (p.x, sum / Double(min(i + 1, window)))
        }
    }

    /// The metrics people look at first, first; the rest in the order the run logged them.
    static let leading = ["loss", "reward", "task_reward", "accuracy", "kl", "eval_loss", "exact_match", "pass_at_1", "mean_reward"]

    public var html: String {
        // Training curves first, held-out ones after, anything else last.
        let found = runs.flatMap { $0.series.map(\.kind) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let kinds = ["train", "rl", "eval"].filter(found.contains) + found.filter { !["train", "rl", "eval"].contains($0) }
        let color = { (run: Int) in SVGChart.palette[run % SVGChart.palette.count] }
        var body: [String] = ["<h1>Finch report</h1>", "<p class=\"legend\">" + runs.enumerated().map { i, run in
            "<span><i style=\"background:\(color(i))\"></i>\(HTML.escape(run.name))</span>"
        }.joined(separator: " ") + "</p>"]
        for kind in kinds {
            let logged = runs.flatMap { $0.series.filter { $0.kind == kind }.map(\.name) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let names = Self.leading.filter(logged.contains) + logged.filter { !Self.leading.contains($0) }
            body.append("<h2>\(HTML.escape(kind))</h2><div class=\"grid\">")
            for name in names {
                var lines: [SVGChart.Line] = []
                for (i, run) in runs.enumerated() {
                    guard let series = run.series.first(where: { $0.kind == kind && $0.name == name }) else { continue }
                    let points = series.points.map { (x: $0.step, y: $0.value) }
                    let smooth = (name == "loss" || name == "reward") && points.count >= 40
                    lines.append(SVGChart.Line(label: run.name + (smooth ? " (raw)" : ""), color: color(i), points: points, faint: smooth))
                    if smooth { lines.append(SVGChart.Line(label: run.name + " (smoothed)", color: color(i), points: Self.smoothed(points))) }
                }
                body.append(SVGChart(title: "\(kind)/\(name)", yLabel: Self.axisLabel(name), lines: lines).svg)
            }
            body.append("</div>")
        }
        if !comparisons.isEmpty {
            body.append("<h2>Comparisons</h2>")
            for c in comparisons { body.append(comparisonTable(c)) }
        }
        body.append("<h2>Runs</h2>")
        for (i, run) in runs.enumerated() {
            body.append("<details><summary><i style=\"background:\(color(i))\"></i>\(HTML.escape(run.name)) — \(HTML.escape(run.directory.path)), "
                        + "\(run.checkpoints.count) checkpoint(s)</summary>")
            body.append("<p>Checkpoints: " + (run.checkpoints.isEmpty ? "none yet" : run.checkpoints.map(HTML.escape).joined(separator: ", ")) + "</p>")
            body.append("<pre>" + HTML.escape(run.configYAML ?? "(no checkpoint yet, so no resolved config)") + "</pre></details>")
        }
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Finch report: \(HTML.escape(runs.map(\.name).joined(separator: ", ")))</title>
        <style>\(Self.style)</style></head>
        <body>
        \(body.joined(separator: "\n"))
        <div id="tip" hidden></div>
        <script>\(Self.script)</script>
        </body></html>
        """
    }

    /// The rows of one comparison, each with its difference and 95% interval drawn on a shared scale.
    func comparisonTable(_ c: EvalComparison) -> String {
        let extent = max(c.rows.map { max(abs($0.difference.interval95.lowerBound), abs($0.difference.interval95.upperBound)) }.max() ?? 0, 1e-9)
        func bar(_ d: PairedDifference) -> String {
            let w = 220.0, mid = w / 2
            func x(_ v: Double) -> Double { mid + v / extent * (mid - 6) }
            return String(format: "<svg class=\"bar\" width=\"%.0f\" height=\"18\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"18\" class=\"axis\"/>"
                          + "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"9\" y2=\"9\" class=\"interval\"/><circle cx=\"%.1f\" cy=\"9\" r=\"4\" class=\"estimate\"/></svg>",
                          w, mid, mid, x(d.interval95.lowerBound), x(d.interval95.upperBound), x(d.difference))
        }
        let rows = c.rows.map { row -> String in
            let d = row.difference
            return String(format: "<tr><td>%@</td><td>%.1f%%</td><td>%.1f%%</td><td>%+.1f pts</td><td>[%+.1f, %+.1f]</td><td>%d / %d</td><td>%@</td></tr>",
                          HTML.escape(row.name), 100 * d.baseline, 100 * d.candidate, 100 * d.difference,
                          100 * d.interval95.lowerBound, 100 * d.interval95.upperBound, d.better, d.worse, bar(d))
        }
        return "<p>\(HTML.escape(c.baseline.summary)): \(HTML.escape(c.baseline.checkpoint)) → \(HTML.escape(c.candidate.checkpoint))</p>"
            + "<table class=\"compare\"><tr><th></th><th>baseline</th><th>candidate</th><th>difference</th><th>95% interval</th><th>better / worse</th><th></th></tr>"
            + rows.joined() + "</table>"
    }

    static let style = """
    body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
    h2 { margin-top: 1.6rem; border-bottom: 1px solid #ddd; }
    .grid { display: flex; flex-wrap: wrap; gap: .6rem; }
    .chart { background: #fff; border: 1px solid #e4e4e4; border-radius: 4px; }
    .chart .title { font-size: 13px; font-weight: 600; }
    .chart .tick { font-size: 10px; fill: #555; }
    .chart .label { font-size: 11px; fill: #333; }
    .chart .grid, .chart line.grid { stroke: #eee; }
    .axis { stroke: #888; }
    .series { fill: none; stroke-width: 1.8; }
    .series.faint { stroke-opacity: .3; stroke-width: 1; }
    .cursor { stroke: #999; stroke-dasharray: 3 3; }
    .legend span { margin-right: 1rem; } i { display: inline-block; width: .9em; height: .9em; margin-right: .3em; vertical-align: -1px; }
    table.compare { border-collapse: collapse; } table.compare td, table.compare th { padding: .2rem .6rem; border-bottom: 1px solid #eee; text-align: right; }
    .interval { stroke: #1f77b4; stroke-width: 3; } .estimate { fill: #1f77b4; }
    pre { background: #f6f6f6; padding: .6rem; overflow: auto; max-height: 24rem; }
    #tip { position: fixed; pointer-events: none; background: rgba(255,255,255,.95); border: 1px solid #bbb; padding: .3rem .5rem; font-size: 12px; white-space: pre; }
    """

    /// Hover: the values of every line of a chart at the step under the pointer.
    static let script = """
    "use strict";
    const tip = document.getElementById("tip");
    for (const svg of document.querySelectorAll("svg.chart")) {
      const lines = [...svg.querySelectorAll("polyline.series")].map(p => ({ label: p.dataset.label, points: JSON.parse(p.dataset.series) }));
      const x0 = +svg.dataset.x0, x1 = +svg.dataset.x1, left = +svg.dataset.left, right = +svg.dataset.right;
      const cursor = svg.querySelector(".cursor");
      svg.addEventListener("mousemove", e => {
        const box = svg.getBoundingClientRect(), scale = box.width / svg.viewBox.baseVal.width;
        const sx = (e.clientX - box.left) / scale, step = x0 + (sx - left) / (right - left) * (x1 - x0);
        const rows = lines.map(l => {
          let best = l.points[0];
          for (const p of l.points) if (Math.abs(p[0] - step) < Math.abs(best[0] - step)) best = p;
          return l.label + "  step " + best[0] + ": " + Number(best[1].toPrecision(5));
        });
        cursor.setAttribute("x1", sx); cursor.setAttribute("x2", sx); cursor.setAttribute("visibility", "visible");
        tip.textContent = rows.join("\\n"); tip.hidden = false;
        tip.style.left = (e.clientX + 14) + "px"; tip.style.top = (e.clientY + 10) + "px";
      });
      svg.addEventListener("mouseleave", () => { tip.hidden = true; cursor.setAttribute("visibility", "hidden"); });
    }
    """
}
