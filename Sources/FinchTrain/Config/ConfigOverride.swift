import Yams

/// One `--set key.path=value` command-line override, applied to the YAML tree before
/// the strict check, so overridden values are checked exactly like values in the file.
struct ConfigOverride {
    /// The override as typed after `--set`, for error messages.
    let text: String
    let path: [String]
    /// The value parsed as YAML, so `3e-4` is a number, `true` a boolean, and an empty
    /// value null (the key's default), just as they would be in the file.
    let value: Node

    init(parsing text: String) throws {
        self.text = text
        guard let equals = text.firstIndex(of: "=") else {
            throw RunConfigError(location: "--set \(text)", message: "expected key.path=value")
        }
        let path = text[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.contains(where: \.isEmpty) else {
            throw RunConfigError(location: "--set \(text)", message: "expected a dotted key path such as train.lr before '='")
        }
        self.path = path
        do {
            value = try Yams.compose(yaml: String(text[text.index(after: equals)...])) ?? Node("~", Tag(.null), .plain)
        } catch {
            throw RunConfigError(location: "--set \(text)", message: "the value is not valid YAML: \(error)")
        }
    }

    /// `root` with this override's value placed at its path, creating missing sections.
    func apply(to root: Node) throws -> Node {
        try setting(value, at: path[...], in: root)
    }

    private func setting(_ value: Node, at path: ArraySlice<String>, in node: Node?) throws -> Node {
        guard let key = path.first else { return value }
        var mapping: Node.Mapping
        switch node {
        case .mapping(let existing)?:
            mapping = existing
        case nil:
            mapping = Node.Mapping([])
        case let other? where other.null != nil:
            mapping = Node.Mapping([])
        case .some:
            let parent = self.path[..<path.startIndex].joined(separator: ".")
            let what = parent.isEmpty ? "the config's top level" : "'\(parent)'"
            throw RunConfigError(location: "--set \(text)", message: "\(what) is not a section, so it has no key '\(key)'")
        }
        mapping[key] = try setting(value, at: path.dropFirst(), in: mapping[key])
        return .mapping(mapping)
    }
}
