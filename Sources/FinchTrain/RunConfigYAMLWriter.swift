import FinchModel
import Yams

/// Writes a `RunConfig` as YAML that reads back through the strict loader to an equal value.
///
/// Plain `YAMLEncoder` output needs two fixes for that and for a person reading it:
/// `ModelConfig` also writes informational keys (`architectures`, `hidden_act`) that it
/// never reads and the strict checker therefore rejects, and numbers come out with 17
/// significant digits (`0.00029999999999999997`). Both are rewritten on the YAML tree.
enum RunConfigYAMLWriter {
    private static let modelConfigPath = ["model", "config"]

    static func yaml(for config: RunConfig) throws -> String {
        let encoded = try YAMLEncoder().encode(config)
        guard let root = try Yams.compose(yaml: encoded) else { return encoded }
        return try Yams.serialize(node: normalized(root, path: []))
    }

    private static func normalized(_ node: Node, path: [String]) -> Node {
        switch node {
        case .mapping(var mapping):
            if path == modelConfigPath {
                let family = mapping[ModelConfigKeys.modelTypeKey]?.string.flatMap(ModelConfig.Family.init(rawValue:))
                    ?? ModelConfigKeys.defaultFamily
                let readKeys = Set(ModelConfigKeys.keys(for: family).map(\.name))
                mapping = Node.Mapping(mapping.filter { $0.key.string.map(readKeys.contains) ?? false })
            }
            return .mapping(Node.Mapping(mapping.map { key, value in
                (key, normalized(value, path: path + [key.string ?? ""]))
            }))
        case .scalar(let scalar) where scalar.style == .plain && node.tag.rawValue == Tag.Name.float.rawValue:
            // Model architecture numbers are `Float`; everything else is `Double`.
            let shortest = path.starts(with: modelConfigPath)
                ? Float(scalar.string).map { "\($0)" }
                : Double(scalar.string).map { "\($0)" }
            return shortest.map { Node($0, Tag(.float), .plain) } ?? node
        default:
            return node
        }
    }
}
