import Foundation
import Yams

/// A run config that cannot be used. `location` is the file (with a line when known) or
/// the `--set` override at fault; the message names the full key path.
public struct RunConfigError: Error, CustomStringConvertible, LocalizedError {
    public let location: String
    public let message: String

    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
    public var errorDescription: String? { description }
}

/// Says where a key's value came from — the config file or a `--set` override — so each
/// error points at the text the user has to change.
struct ConfigOrigins {
    let file: String
    let overrides: [ConfigOverride]

    /// The override that set `path` or a section containing it (the last one wins, as it
    /// does when applied); otherwise the file, at `node`'s line when it has one.
    func location(of path: [String], node: Node?) -> String {
        if let override = overrides.last(where: { path.starts(with: $0.path) }) {
            return "--set \(override.text)"
        }
        if let line = node?.mark?.line { return "\(file):\(line)" }
        return file
    }

    func error(_ message: String, at path: [String], node: Node?) -> RunConfigError {
        RunConfigError(location: location(of: path, node: node), message: message)
    }
}
