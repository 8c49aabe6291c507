import Foundation
import Yams

/// Turns YAML text plus `--set` overrides into a `RunConfig`: parse, apply the overrides
/// to the tree, check it strictly against what `Algorithm` accepts, decode. Any failure
/// becomes a `RunConfigError` that points at the file line or the override responsible.
struct RunConfigLoader<Algorithm: AlgorithmConfig> {
    let file: String
    let overrides: [ConfigOverride]

    private var origins: ConfigOrigins { ConfigOrigins(file: file, overrides: overrides) }

    func load(_ yaml: String) throws -> RunConfig<Algorithm> {
        var root: Node
        do {
            root = try Yams.compose(yaml: yaml) ?? .mapping(Node.Mapping([]))
        } catch {
            throw RunConfigError(location: file, message: "invalid YAML: \(error)")
        }
        for override in overrides {
            root = try override.apply(to: root)
        }
        try StrictConfigChecker(origins: origins, schema: RunConfig<Algorithm>.acceptedSchema,
                                unused: Algorithm.unusedKeys, command: Algorithm.command).check(root)
        do {
            return try RunConfig<Algorithm>.decode(root)
        } catch let error as ConfigDecodeError {
            // The strict check ran first, so what reaches here are rules that span keys
            // (such as `model.init` against `model.config`).
            let path = error.path
            let message = path.isEmpty ? error.message : "key '\(path.joined(separator: "."))': \(error.message)"
            throw origins.error(message, at: path, node: node(at: path, in: root) ?? node(at: path.dropLast(), in: root))
        }
    }

    private func node<Path: Collection<String>>(at path: Path, in root: Node) -> Node? {
        path.reduce(Optional(root)) { node, key in node?.mapping?[key] }
    }
}
