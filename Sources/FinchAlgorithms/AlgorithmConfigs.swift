import FinchTrain
import Yams

/// Every command's config, for what needs all of them: the key table of docs/recipes.md and
/// `finch config check`, which picks the command a file is for.
public enum AlgorithmConfigs {
    /// The key table of docs/recipes.md, for `finch sft`, `finch dpo`, `finch rm` and `finch rl`.
    public static var keyTable: String {
        var ppo = RLRunConfig()
        ppo.rl.algorithm = .ppo
        return ConfigKeyTable.markdown([
            ("sft", SFTRunConfig.acceptedSchema, [try? SFTRunConfig().yamlNode()].compactMap { $0 }),
            ("dpo", DPORunConfig.acceptedSchema, [try? DPORunConfig().yamlNode()].compactMap { $0 }),
            ("rm", RMRunConfig.acceptedSchema, [try? RMRunConfig().yamlNode()].compactMap { $0 }),
            ("rl", RLRunConfig.acceptedSchema, [try? RLRunConfig().yamlNode(), try? ppo.yamlNode()].compactMap { $0 }),
        ])
    }

    /// Loads the config at `path` as the command it is for (an `rl:`, `dpo:` or `rm:` section
    /// picks `finch rl`, `finch dpo` or `finch rm`; none, `finch sft`) and returns that command's
    /// name and the resolved YAML; errors name the file, line and key.
    public static func check(path: String, overrides: [String] = []) throws -> (command: String, yaml: String) {
        let text = try readConfigText(path: path)
        let top = (try? Yams.compose(yaml: text))??.mapping
        func has<A: AlgorithmConfig>(_: A.Type) -> Bool { top?[A.sectionName!] != nil }
        func load<A: AlgorithmConfig>(_: A.Type) throws -> (String, String) {
            (A.command, try RunConfig<A>.load(path: path, overrides: overrides).yaml())
        }
        if has(RLSection.self) { return try load(RLSection.self) }
        if has(DPOSection.self) { return try load(DPOSection.self) }
        if has(RMSection.self) { return try load(RMSection.self) }
        return try load(SFTSection.self)
    }
}
