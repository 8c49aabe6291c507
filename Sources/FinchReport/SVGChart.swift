import Foundation

/// One line chart as inline SVG: several series (runs) over a shared step axis, ticks at round
/// numbers, axis labels with units, and the points in a `data-series` attribute for the page's
/// hover read-out. Drawn on the server so the report needs no script to show its curves.
struct SVGChart {
    struct Line {
        var label: String
        var color: String
        var points: [(x: Double, y: Double)]
        /// Drawn faint, under a smoothed copy (raw training loss).
        var faint = false
    }

    var title: String
    var yLabel: String
    var lines: [Line]

    static let width = 420.0, height = 250.0
    static let left = 66.0, right = 12.0, top = 26.0, bottom = 42.0
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    /// Round tick values covering lo...hi (about five).
    static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        guard hi > lo else { return [lo] }
        let raw = (hi - lo) / 5, magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        return stride(from: (lo / step).rounded(.up) * step, through: hi + step * 1e-9, by: step).map { $0 }
    }

    static func format(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e5 || a < 1e-3 {
            // 2e-4, 1.5e+06: short mantissa, no padded exponent
            return String(format: "%.2g", v).replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e+")
        }
        if a >= 100 { return String(format: "%.0f", v) }
        if a >= 1 { return String(format: "%.2g", v) == String(format: "%.0f", v) ? String(format: "%.0f", v) : String(format: "%.3g", v) }
        return String(format: "%.3g", v)
    }

    var svg: String {
        let all = lines.flatMap(\.points)
        guard !all.isEmpty else { return "" }
        let W = Self.width, H = Self.height, L = Self.left, R = Self.right, T = Self.top, B = Self.bottom
        var x0 = all.map(\.x).min()!, x1 = all.map(\.x).max()!
        var y0 = all.map(\.y).min()!, y1 = all.map(\.y).max()!
        if x1 == x0 { x0 -= 1; x1 += 1 }
        if y1 == y0 { let pad = max(abs(y0) * 0.1, 1e-6); y0 -= pad; y1 += pad }
        let padY = (y1 - y0) * 0.05
        (y0, y1) = (y0 - padY, y1 + padY)
        func sx(_ x: Double) -> Double { L + (x - x0) / (x1 - x0) * (W - L - R) }
        func sy(_ y: Double) -> Double { T + (y1 - y) / (y1 - y0) * (H - T - B) }
        var out = ["<svg class=\"chart\" viewBox=\"0 0 \(Int(W)) \(Int(H))\" width=\"\(Int(W))\" height=\"\(Int(H))\" role=\"img\" aria-label=\"\(HTML.escape(title))\""
                   + " data-x0=\"\(x0)\" data-x1=\"\(x1)\" data-left=\"\(L)\" data-right=\"\(W - R)\">"]
        out.append("<text x=\"\(L)\" y=\"16\" class=\"title\">\(HTML.escape(title))</text>")
        for t in Self.ticks(y0, y1) {
            out.append(String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", L, W - R, sy(t), sy(t)))
            out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%@</text>", L - 4, sy(t) + 4, Self.format(t)))
        }
        for t in Self.ticks(x0, x1) {
            out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%@</text>", sx(t), H - B + 14, Self.format(t)))
        }
        out.append(String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>", L, W - R, H - B, H - B))
        out.append(String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>", L, L, T, H - B))
        out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" class=\"label\" text-anchor=\"middle\">step</text>", (L + W - R) / 2, H - 8))
        out.append(String(format: "<text x=\"12\" y=\"%.1f\" class=\"label\" text-anchor=\"middle\" transform=\"rotate(-90 12 %.1f)\">%@</text>",
                          (T + H - B) / 2, (T + H - B) / 2, HTML.escape(yLabel)))
        for line in lines where !line.points.isEmpty {
            let path = line.points.map { String(format: "%.1f,%.1f", sx($0.x), sy($0.y)) }.joined(separator: " ")
            let data = line.points.map { "[\($0.x),\($0.y)]" }.joined(separator: ",")
            out.append("<polyline class=\"series\(line.faint ? " faint" : "")\" points=\"\(path)\" stroke=\"\(line.color)\" data-label=\"\(HTML.escape(line.label))\" data-series=\"[\(data)]\"/>")
            if line.points.count == 1 {
                out.append(String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>", sx(line.points[0].x), sy(line.points[0].y), line.color))
            }
        }
        out.append("<line class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"\(T)\" y2=\"\(H - B)\" visibility=\"hidden\"/>")
        out.append("</svg>")
        return out.joined(separator: "\n")
    }
}

/// Escaping for text placed in HTML (element content or a quoted attribute).
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
