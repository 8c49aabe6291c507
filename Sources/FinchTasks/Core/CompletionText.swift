import FinchData
/// Finding the answer inside free-form model output. Verifiers read only a marked line (or
/// tag), so whatever a model writes before it — reasoning, false starts — is free.
enum CompletionText {
    /// The text after `marker` on the last line that starts with it (ignoring leading spaces
    /// and the marker's case), trimmed; nil if no line does. Taking the last line lets a
    /// model revise its answer.
    static func lastMarkedLine(_ text: String, marker: String) -> String? {
        let lowercasedMarker = marker.lowercased()
        for line in text.split(whereSeparator: \.isNewline).reversed() {
            let trimmed = line.drop(while: \.isWhitespace)
            guard trimmed.count >= marker.count,
                  trimmed.prefix(marker.count).lowercased() == lowercasedMarker else { continue }
            return trimmed.dropFirst(marker.count).trimmingWhitespace
        }
        return nil
    }

    /// The lines before the last line starting with `marker` (all lines if there is none),
    /// trimmed, without blank ones: the worked steps of a solution.
    static func lines(_ text: String, before marker: String) -> [String] {
        var lines = text.split(whereSeparator: \.isNewline).map(\.trimmingWhitespace)
        let lowercasedMarker = marker.lowercased()
        if let answerIndex = lines.lastIndex(where: { $0.lowercased().hasPrefix(lowercasedMarker) }) {
            lines.removeSubrange(answerIndex...)
        }
        return lines.filter { !$0.isEmpty }
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace and newlines (no Foundation needed).
    var trimmingWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
