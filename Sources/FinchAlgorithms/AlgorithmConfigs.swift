import FinchTrain
import Yams

/// Every command's config, for what needs all of them: the key table of docs/recipes.md and
/// `finch config check`, which picks the command a file is for.
public enum AlgorithmConfigs {
    /// The key table of docs/recipes.md, for `finch sft` and `finch rl`.
    public static var keyTable: String {
        var ppo = RLRunConfig()
        ppo.rl.algorithm = .ppo
        return ConfigKeyTable.markdown([
            ("sft", SFTRunConfig.acceptedSchema, [try? SFTRunConfig().yamlNode()].compactMap { $0 }),
            ("rl", RLRunConfig.acceptedSchema, [try? RLRunConfig().yamlNode(), try? ppo.yamlNode()].compactMap { $0 }),
        ])
    }

    /// Loads the config at `path` as the command it is for (`rl:` present: `finch rl`) and
    /// returns that command's name and the resolved YAML; errors name the file, line and key.
    public static func check(path: String, overrides: [String] = []) throws -> (command: String, yaml: String) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let isRL = (try? Yams.compose(yaml: text))??.mapping?[RLSection.sectionName!] != nil
        if isRL { return (RLSection.command, try RLRunConfig.load(path: path, overrides: overrides).yaml()) }
        return (SFTSection.command, try SFTRunConfig.load(path: path, overrides: overrides).yaml())
    }
}
