import FinchModel
import Foundation
import Yams

/// Turns YAML text plus `--set` overrides into a `RunConfig`: parse, apply the overrides
/// to the tree, check it strictly, decode. Any failure becomes a `RunConfigError` that
/// points at the file line or the override responsible.
struct RunConfigLoader {
    let file: String
    let overrides: [ConfigOverride]

    private var origins: ConfigOrigins { ConfigOrigins(file: file, overrides: overrides) }

    func load(_ yaml: String) throws -> RunConfig {
        var root: Node
        do {
            root = try Yams.compose(yaml: yaml) ?? .mapping(Node.Mapping([]))
        } catch {
            throw RunConfigError(location: file, message: "invalid YAML: \(error)")
        }
        for override in overrides {
            root = try override.apply(to: root)
        }
        try StrictConfigChecker(origins: origins, schema: RunConfig.schema).check(root)
        do {
            return try YAMLDecoder().decode(RunConfig.self, from: root)
        } catch let error as DecodingError {
            throw explain(error, in: root)
        } catch let ModelConfigError.invalid(key, reason) {
            let path = ["model", "config", key]
            throw origins.error("key '\(path.joined(separator: "."))': \(reason)", at: path, node: node(at: path, in: root))
        }
    }

    /// Decoding runs after the strict check, so what reaches here are the rules that span
    /// keys (such as `model.init` versus `model.config`); report them by key path.
    private func explain(_ error: DecodingError, in root: Node) -> RunConfigError {
        let path: [String]
        let message: String
        switch error {
        case .keyNotFound(let key, let context):
            path = context.codingPath.map(\.stringValue) + [key.stringValue]
            message = "missing required key '\(path.joined(separator: "."))'"
        case .typeMismatch(let type, let context):
            path = context.codingPath.map(\.stringValue)
            message = "key '\(path.joined(separator: "."))': expected a value of type \(type)"
        case .valueNotFound(_, let context):
            path = context.codingPath.map(\.stringValue)
            message = "key '\(path.joined(separator: "."))' has no value"
        case .dataCorrupted(let context):
            path = context.codingPath.map(\.stringValue)
            message = "key '\(path.joined(separator: "."))': \(context.debugDescription)"
        @unknown default:
            path = []
            message = "\(error)"
        }
        return origins.error(message, at: path, node: node(at: path, in: root) ?? node(at: path.dropLast(), in: root))
    }

    private func node<Path: Collection<String>>(at path: Path, in root: Node) -> Node? {
        path.reduce(Optional(root)) { node, key in node?.mapping?[key] }
    }
}
