import Yams

/// A section of the run config, described by one table of `ConfigKey`s. `init()` holds every
/// key's default (required keys get a placeholder the checker never lets through); decoding
/// starts there and applies what the file says.
public protocol ConfigSection: Equatable, Sendable {
    init()
    static var keys: [ConfigKey<Self>] { get }
    /// The key whose value decides which other keys apply (`rl.algorithm`); nil: all apply.
    static var variantKey: String? { get }
    /// Defaults that depend on other keys, and rules that span keys, after the keys in
    /// `given` were read; throws a `ConfigDecodeError` naming the key at fault.
    mutating func resolve(given: Set<String>) throws
}

extension ConfigSection {
    public static var variantKey: String? { nil }
    public mutating func resolve(given: Set<String>) throws {}

    public static var schema: ConfigSchema {
        ConfigSchema(keys: keys.map(\.schema), variantKey: variantKey)
    }

    /// The section a checked YAML mapping describes (null: every default).
    public static func decode(_ node: Node) throws -> Self {
        var section = Self()
        var given = Set<String>()
        if case .mapping(let mapping) = node {
            for (keyNode, value) in mapping where value.null == nil {
                guard let name = keyNode.string, let key = keys.first(where: { $0.name == name }) else {
                    throw ConfigDecodeError(path: [keyNode.string ?? "?"], message: "unknown key")
                }
                try key.read(&section, value)
                given.insert(name)
            }
        } else if node.null == nil {
            throw ConfigDecodeError(path: [], message: "expected a mapping of keys")
        }
        try section.resolve(given: given)
        return section
    }

    /// The section as a YAML mapping with every key written out (absent optionals, and keys of
    /// other variants than this one's, left out).
    public func yamlNode() throws -> Node {
        let variant = try Self.variantKey.flatMap { name in try Self.keys.first { $0.name == name }?.write(self)?.string }
        var pairs: [(Node, Node)] = []
        for key in Self.keys where key.schema.variants.map({ variant.map($0.contains) ?? true }) ?? true {
            if let value = try key.write(self) { pairs.append((Node(key.name), value)) }
        }
        return .mapping(Node.Mapping(pairs))
    }
}
