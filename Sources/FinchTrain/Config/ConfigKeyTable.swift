import Yams

/// The key reference of docs/recipes.md, made from the key declarations themselves, so the
/// documentation lists exactly the keys the strict checker accepts, with their defaults.
public enum ConfigKeyTable {
    /// One command's accepted keys and its defaults: `(name, schema, defaults)` where
    /// `defaults` are YAML configs with every key at its default, one per variant (a key's
    /// default is read from the first that writes it).
    public typealias Command = (name: String, schema: ConfigSchema, defaults: [Node])

    /// A Markdown table: key, what it holds, default, which commands read it, and its doc line.
    public static func markdown(_ commands: [Command]) -> String {
        var order: [String] = []
        var rows: [String: (kind: String, defaultValue: String, doc: String, users: [String])] = [:]
        for command in commands {
            walk(command.schema, defaults: command.defaults, path: []) { path, key, users, defaultValue in
                let dotted = path.joined(separator: ".")
                let who = users.map { "\(command.name) (\($0.joined(separator: ", ")))" } ?? command.name
                if var row = rows[dotted] {
                    row.users.append(who)
                    rows[dotted] = row
                } else {
                    order.append(dotted)
                    rows[dotted] = (key.kind.expectation, defaultValue, key.doc, [who])
                }
            }
        }
        let lines = order.map { path -> String in
            let row = rows[path]!
            let cells = ["`\(path)`", row.kind, row.defaultValue, row.users.joined(separator: ", "), row.doc]
            return "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
        }
        return (["| key | value | default | read by | meaning |", "|---|---|---|---|---|"] + lines).joined(separator: "\n") + "\n"
    }

    private static func walk(_ schema: ConfigSchema, defaults: [Node], path: [String],
                             row: ([String], SchemaKey, [String]?, String) -> Void) {
        for key in schema.keys {
            let keyPath = path + [key.name]
            let values = defaults.compactMap { $0.mapping?[key.name] }
            let value = values.first
            switch key.kind {
            case .section(let nested):
                walk(nested, defaults: values, path: keyPath, row: row)
            case .modelArchitecture:
                row(keyPath, key, nil, "—")
            default:
                let shown = key.isRequired ? "required" : value.flatMap { $0.string.map { "`\($0)`" } } ?? "—"
                row(keyPath, key, key.variants, shown)
            }
        }
    }
}
