import Foundation

/// A problem with training data or a tokenizer file, located precisely enough to fix:
/// its description is `"<source>:<line>: <reason>"` (1-based line) or `"<source>: <reason>"`
/// when the problem concerns the whole source (an empty file, a missing tokenizer.json).
///
/// `source` is a file path for data read from disk, or a short label for data built in
/// memory, so the same message shape serves users and tests.
public struct DataError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public let source: String
    public let line: Int?
    public let reason: String

    public init(source: String, line: Int? = nil, reason: String) {
        self.source = source
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(source):\(line): \(reason)" }
        return "\(source): \(reason)"
    }

    /// Foundation's `localizedDescription` reads this, so CLI error output shows the location.
    public var errorDescription: String? { description }
}
