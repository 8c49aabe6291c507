import FinchData
/// A rule-based critic's verdict on a candidate solution, written as the text a critique
/// fine-tuned model should learn to produce: what it checked, the first error it found, and a
/// last line that is exactly `Conclusion: right` or `Conclusion: wrong`.
public struct Critique: Equatable, Sendable {
    public static let rightConclusion = "Conclusion: right"
    public static let wrongConclusion = "Conclusion: wrong"

    public let text: String
    /// Whether the critic judged the solution right.
    public let judgesRight: Bool

    /// Joins the findings, one per line, and appends the conclusion line.
    init(findings: [String], judgesRight: Bool) {
        self.text = (findings + [judgesRight ? Self.rightConclusion : Self.wrongConclusion]).joined(separator: "\n")
        self.judgesRight = judgesRight
    }

    /// The conclusion a critique text (for example a model's) ends with: true for right, false
    /// for wrong, nil when its last non-empty line is neither, so CFT outputs can be scored.
    public static func conclusion(of text: String) -> Bool? {
        let lastLine = text.split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) }
        switch lastLine.map({ $0.trimmingWhitespace }) {
        case rightConclusion: return true
        case wrongConclusion: return false
        default: return nil
        }
    }
}
