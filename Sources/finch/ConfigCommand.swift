import ArgumentParser
import FinchAlgorithms

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check run configs and list their keys.", subcommands: [Check.self, Keys.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a run config as its command would (strictly), and print it with every default filled in.")
        @Argument(help: "The config (YAML).") var config: String
        @Option(name: .customLong("set"), help: "Override a config key, as the training commands take it (repeatable).")
        var overrides: [String] = []

        func run() throws {
            let checked = try AlgorithmConfigs.check(path: config, overrides: overrides)
            print("# \(config): a valid config for \(checked.command)")
            print(checked.yaml, terminator: "")
        }
    }

    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every config key as a Markdown table (docs/recipes.md holds it).")
        func run() { print(AlgorithmConfigs.keyTable, terminator: "") }
    }
}
