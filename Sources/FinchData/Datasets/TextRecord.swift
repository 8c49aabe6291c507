import Foundation

/// Plain text to score or pretrain on: one `{"text": "..."}` object per JSONL line, the layout
/// of most pretraining corpora on the Hub. Other keys on a line are ignored.
public enum TextRecords {
    /// The texts of `url` in file order; a line that is not an object with a string `"text"`
    /// (or not UTF-8) is an error naming the file and line. An empty file is an error too.
    public static func read(_ url: URL) throws -> [String] {
        let texts = try readJSONLines(url).map { number, line -> String in
            func fail(_ reason: String) -> DataError { DataError(source: url.path, line: number, reason: reason) }
            guard String(data: line, encoding: .utf8) != nil else { throw fail("not valid UTF-8") }
            guard let json = try? JSONSerialization.jsonObject(with: line, options: [.fragmentsAllowed]) else {
                throw fail("invalid JSON")
            }
            guard let object = json as? [String: Any] else { throw fail("expected a JSON object with a \"text\" key") }
            guard let text = object["text"] as? String else { throw fail("\"text\" is missing or not a string") }
            return text
        }
        guard !texts.isEmpty else { throw DataError(source: url.path, reason: "has no records") }
        return texts
    }
}
