import Foundation

/// A checkpoint that cannot be written, found or trusted. The message starts with the
/// path of the file or directory at fault, so an operator knows what to inspect or delete.
public struct CheckpointError: Error, CustomStringConvertible, LocalizedError {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
    public var errorDescription: String? { description }
}
