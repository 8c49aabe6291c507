import FinchModel
import Yams

/// Walks a YAML tree against a schema and rejects anything the schema does not describe:
/// unknown keys, values of the wrong type or out of range, missing required keys.
/// Decoding alone would ignore an unknown key, so a misspelt `lr_warmup` would silently
/// train with no warmup; here it stops the run before it starts.
struct StrictConfigChecker {
    let origins: ConfigOrigins
    let schema: [ConfigKey]
    /// Every key path in the schema, for suggesting a key that lives in another section.
    private let allPaths: [[String]]

    init(origins: ConfigOrigins, schema: [ConfigKey]) {
        self.origins = origins
        self.schema = schema
        allPaths = Self.paths(in: schema, under: [])
    }

    func check(_ root: Node) throws {
        try checkSection(root, keys: schema, path: [], familyNote: nil)
    }

    private func checkSection(_ node: Node, keys: [ConfigKey], path: [String], familyNote: String?) throws {
        guard case .mapping(let mapping) = node else {
            let what = path.isEmpty ? "the top level" : "key '\(dotted(path))'"
            throw origins.error("\(what): expected a mapping of keys, got \(describe(node))", at: path, node: node)
        }
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw origins.error("keys under '\(dotted(path))' must be plain names, got \(describe(keyNode))", at: path, node: keyNode)
            }
            let name = keyScalar.string
            let keyPath = path + [name]
            guard let key = keys.first(where: { $0.name == name }) else {
                let guesses = ConfigKeySuggestion.suggestions(for: name, sectionPath: path, siblings: keys.map(\.name),
                                                              elsewhere: allPaths)
                throw origins.error("unknown key '\(dotted(keyPath))'\(familyNote ?? "")" + ConfigKeySuggestion.clause(for: guesses),
                                    at: keyPath, node: keyNode)
            }
            try checkValue(value, field: key.field, path: keyPath)
        }
        for key in keys where key.field.isRequired && mapping[key.name] == nil {
            throw origins.error("missing required key '\(dotted(path + [key.name]))'", at: path + [key.name], node: node)
        }
    }

    private func checkValue(_ value: Node, field: ConfigField, path: [String]) throws {
        if value.null != nil {
            guard !field.isRequired else {
                throw origins.error("key '\(dotted(path))' is required but has no value", at: path, node: value)
            }
            return  // an explicit null means "use the default"
        }
        switch field.kind {
        case .section(let keys):
            try checkSection(value, keys: keys, path: path, familyNote: nil)
        case .modelArchitecture:
            try checkArchitecture(value, path: path)
        default:
            guard case .scalar(let scalar) = value, field.kind.admits(scalar) else {
                throw origins.error("key '\(dotted(path))': expected \(field.kind.expectation), got \(describe(value))", at: path, node: value)
            }
        }
    }

    /// The accepted Hugging Face keys depend on `model_type`, so read it first.
    private func checkArchitecture(_ value: Node, path: [String]) throws {
        var family = ModelConfigKeys.defaultFamily
        if case .mapping(let mapping) = value, let typeNode = mapping[ModelConfigKeys.modelTypeKey], typeNode.null == nil {
            let typePath = path + [ModelConfigKeys.modelTypeKey]
            guard case .scalar(let scalar) = typeNode, let named = ModelConfig.Family(rawValue: scalar.string) else {
                throw origins.error("key '\(dotted(typePath))': expected one of \(ModelConfigKeys.familyNames), got \(describe(typeNode))",
                                    at: typePath, node: typeNode)
            }
            family = named
        }
        try checkSection(value, keys: ModelConfigKeys.keys(for: family), path: path,
                         familyNote: " for model_type \(family.rawValue)")
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

    private static func paths(in keys: [ConfigKey], under prefix: [String]) -> [[String]] {
        keys.flatMap { key -> [[String]] in
            let path = prefix + [key.name]
            if case .section(let nested) = key.field.kind { return [path] + paths(in: nested, under: path) }
            return [path]
        }
    }
}
