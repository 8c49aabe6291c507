import Yams

/// One key of a config section, declared once: its YAML name, where its value lives in the
/// section, what it may hold, whether it must be given, and its documentation line. The
/// strict checker, the decoder, the YAML writer and the key table in docs/recipes.md are all
/// made from these declarations, so a key cannot be checked without being read, or read
/// without being documented.
public struct ConfigKey<Section> {
    public let schema: SchemaKey
    let read: (inout Section, Node) throws -> Void
    let write: (Section) throws -> Node?

    public var name: String { schema.name }

    public init(name: String, kind: ConfigValueKind, required: Bool = false, variants: [String]? = nil, doc: String,
                read: @escaping (inout Section, Node) throws -> Void, write: @escaping (Section) throws -> Node?) {
        schema = SchemaKey(name: name, kind: kind, isRequired: required, doc: doc, variants: variants)
        self.read = read
        self.write = write
    }

    /// A scalar key at `path`. `variants`: the values of the section's variant key it belongs to.
    public static func value<Value: ConfigScalar>(_ name: String, _ path: WritableKeyPath<Section, Value>,
                                                  _ kind: ConfigValueKind, required: Bool = false,
                                                  variants: [String]? = nil, _ doc: String) -> ConfigKey {
        ConfigKey(name: name, kind: kind, required: required, variants: variants, doc: doc,
                  read: { section, node in
                      guard case .scalar(let scalar) = node, let value = Value.read(scalar) else {
                          throw ConfigDecodeError(path: [name], message: "expected \(kind.expectation)")
                      }
                      section[keyPath: path] = value
                  },
                  write: { $0[keyPath: path].yamlNode })
    }

    /// A key holding one of an enum's words.
    public static func choice<Value: ConfigChoice>(_ name: String, _ path: WritableKeyPath<Section, Value>,
                                                   required: Bool = false, variants: [String]? = nil,
                                                   _ doc: String) -> ConfigKey {
        value(name, path, .choice(Value.names), required: required, variants: variants, doc)
    }

    /// A nested section at `path`.
    public static func section<Nested: ConfigSection>(_ name: String, _ path: WritableKeyPath<Section, Nested>,
                                                      required: Bool = false, _ doc: String) -> ConfigKey {
        ConfigKey(name: name, kind: .section(Nested.schema), required: required, doc: doc,
                  read: { section, node in
                      do {
                          section[keyPath: path] = try Nested.decode(node)
                      } catch let error as ConfigDecodeError {
                          throw error.under(name)
                      }
                  },
                  write: { try $0[keyPath: path].yamlNode() })
    }
}

/// A value that cannot be decoded, or a rule spanning keys that it breaks, at `path` below
/// the section being decoded; the loader turns it into a `RunConfigError` with file and line.
public struct ConfigDecodeError: Error {
    public var path: [String]
    public var message: String

    public init(path: [String], message: String) {
        self.path = path
        self.message = message
    }

    func under(_ key: String) -> ConfigDecodeError { ConfigDecodeError(path: [key] + path, message: message) }
}

extension ConfigKey {
    /// This key of a section stored at `path` inside `Outer`, declared as one of `Outer`'s own
    /// keys (how GRPO's and PPO's settings join the `rl:` section), for `variants` only.
    public func lifted<Outer>(into path: WritableKeyPath<Outer, Section>, variants: [String]) -> ConfigKey<Outer> {
        let read = self.read, write = self.write
        return ConfigKey<Outer>(name: schema.name, kind: schema.kind, required: schema.isRequired, variants: variants,
                                doc: schema.doc, read: { outer, node in try read(&outer[keyPath: path], node) },
                                write: { try write($0[keyPath: path]) })
    }
}
