import FinchModel
import Yams

/// Walks a YAML tree against a schema and rejects anything the schema does not describe:
/// unknown keys, keys the command does not read, keys of another variant (a PPO key in a GRPO
/// run), values of the wrong type or out of range, missing required keys. Decoding alone
/// would ignore an unknown key, so a misspelt `lr_warmup` would silently train with no
/// warmup; here it stops the run before it starts.
struct StrictConfigChecker {
    let origins: ConfigOrigins
    let schema: ConfigSchema
    /// Keys the command does not read (dotted path → why), and the command's name.
    let unused: [String: String]
    let command: String
    /// Every key path in the schema, for suggesting a key that lives in another section.
    private let allPaths: [[String]]

    init(origins: ConfigOrigins, schema: ConfigSchema, unused: [String: String] = [:], command: String = "this command") {
        self.origins = origins
        self.schema = schema
        self.unused = unused
        self.command = command
        allPaths = Self.paths(in: schema.keys, under: [])
    }

    func check(_ root: Node) throws {
        try checkSection(root, schema: schema, path: [], familyNote: nil)
    }

    private func checkSection(_ node: Node, schema: ConfigSchema, path: [String], familyNote: String?) throws {
        guard case .mapping(let mapping) = node else {
            let what = path.isEmpty ? "the top level" : "key '\(dotted(path))'"
            throw origins.error("\(what): expected a mapping of keys, got \(describe(node))", at: path, node: node)
        }
        let variant = schema.variantKey.flatMap { mapping[$0]?.string }
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw origins.error("keys under '\(dotted(path))' must be plain names, got \(describe(keyNode))", at: path, node: keyNode)
            }
            let name = keyScalar.string
            let keyPath = path + [name]
            if let reason = unused[dotted(keyPath)] {
                throw origins.error("key '\(dotted(keyPath))' is not used by \(command): \(reason)", at: keyPath, node: keyNode)
            }
            guard let key = schema.key(named: name) else {
                let guesses = ConfigKeySuggestion.suggestions(for: name, sectionPath: path, siblings: schema.keys.map(\.name),
                                                              elsewhere: allPaths)
                throw origins.error("unknown key '\(dotted(keyPath))'\(familyNote ?? "")" + ConfigKeySuggestion.clause(for: guesses),
                                    at: keyPath, node: keyNode)
            }
            if let variants = key.variants, let variantKey = schema.variantKey, let variant, !variants.contains(variant) {
                throw origins.error("key '\(dotted(keyPath))' applies only when \(dotted(path + [variantKey])) is "
                                    + variants.joined(separator: " or ") + ", not \(variant)", at: keyPath, node: keyNode)
            }
            try checkValue(value, key: key, path: keyPath)
        }
        for key in schema.keys where key.isRequired && mapping[key.name] == nil {
            throw origins.error("missing required key '\(dotted(path + [key.name]))'", at: path + [key.name], node: node)
        }
    }

    private func checkValue(_ value: Node, key: SchemaKey, path: [String]) throws {
        if value.null != nil {
            guard !key.isRequired else {
                throw origins.error("key '\(dotted(path))' is required but has no value", at: path, node: value)
            }
            return  // an explicit null means "use the default"
        }
        switch key.kind {
        case .section(let nested):
            try checkSection(value, schema: nested, path: path, familyNote: nil)
        case .modelArchitecture:
            try checkArchitecture(value, path: path)
        case .strings:
            let elements: [Node]
            switch value {
            case .scalar: elements = [value]
            case .sequence(let sequence): elements = Array(sequence)
            default: elements = [value]
            }
            for element in elements where element.scalar == nil || element.string?.isEmpty != false {
                throw origins.error("key '\(dotted(path))': expected \(key.kind.expectation) (none empty), got \(describe(element))", at: path, node: element)
            }
        default:
            guard case .scalar(let scalar) = value, key.kind.admits(scalar) else {
                throw origins.error("key '\(dotted(path))': expected \(key.kind.expectation), got \(describe(value))", at: path, node: value)
            }
        }
    }

    /// The accepted Hugging Face keys depend on `model_type`, so read it first.
    private func checkArchitecture(_ value: Node, path: [String]) throws {
        var family = ModelConfig.defaultFamily
        if case .mapping(let mapping) = value, let typeNode = mapping[ModelConfig.modelTypeKey], typeNode.null == nil {
            let typePath = path + [ModelConfig.modelTypeKey]
            guard case .scalar(let scalar) = typeNode, let named = ModelConfig.Family(rawValue: scalar.string) else {
                throw origins.error("key '\(dotted(typePath))': expected one of \(ModelConfig.familyNames), got \(describe(typeNode))",
                                    at: typePath, node: typeNode)
            }
            family = named
        }
        try checkSection(value, schema: Self.architectureSchema(for: family), path: path,
                         familyNote: " for model_type \(family.rawValue)")
    }

    /// `ModelConfig`'s own list of the config.json keys it reads, as a schema.
    static func architectureSchema(for family: ModelConfig.Family) -> ConfigSchema {
        schema(of: ModelConfig.hfKeys(for: family))
    }

    private static func schema(of keys: [ModelConfig.HFKey]) -> ConfigSchema {
        ConfigSchema(keys: keys.map { key in
            let kind: ConfigValueKind
            switch key.kind {
            case .integer(let minimum): kind = .integer(atLeast: minimum)
            case .positiveNumber: kind = .number(.positive)
            case .boolean: kind = .boolean
            case .string: kind = .string
            case .object(let nested): kind = .section(schema(of: nested))
            }
            return SchemaKey(name: key.name, kind: kind, isRequired: key.isRequired, doc: "", variants: nil)
        }, variantKey: nil)
    }

    private func dotted(_ path: [String]) -> String { path.joined(separator: ".") }

    private func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    private static func paths(in keys: [SchemaKey], under prefix: [String]) -> [[String]] {
        keys.flatMap { key -> [[String]] in
            let path = prefix + [key.name]
            if case .section(let nested) = key.kind { return [path] + paths(in: nested.keys, under: path) }
            return [path]
        }
    }
}
