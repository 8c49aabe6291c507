import Foundation
import Yams

/// Everything a training run needs, read from a YAML file with snake_case keys:
///
/// ```yaml
/// model: {init: scratch, config: {model_type: gpt2, vocab_size: 50257, n_embd: 768, n_layer: 12, n_head: 12}}
/// data: {train: data/train.jsonl, eval: data/eval.jsonl, max_length: 1024}
/// train: {steps: 2000, lr: 3.0e-4, warmup_steps: 100}
/// checkpoint: {dir: runs/sft, every: 500}
/// logging: {every: 10}
/// ```
///
/// The shared sections are declared here; `Algorithm` adds its own (`rl:`) and says which
/// shared keys it does not read. Loading is strict (`StrictConfigChecker`): an unknown,
/// misplaced, mistyped or unused key stops the run with the file, line and full key path.
public struct RunConfig<Algorithm: AlgorithmConfig>: ConfigSection {
    public var model = ModelSection()
    public var data = DataSection()
    public var train = TrainSection()
    public var checkpoint = CheckpointSection()
    public var logging = LoggingSection()
    public var distributed = DistributedSection()
    /// The algorithm's own section.
    public var algorithm = Algorithm()

    public init() {}

    public init(model: ModelSection, data: DataSection, train: TrainSection, checkpoint: CheckpointSection,
                logging: LoggingSection = LoggingSection(), distributed: DistributedSection = DistributedSection(),
                algorithm: Algorithm = Algorithm()) {
        (self.model, self.data, self.train, self.checkpoint) = (model, data, train, checkpoint)
        (self.logging, self.distributed, self.algorithm) = (logging, distributed, algorithm)
    }

    public static var keys: [ConfigKey<RunConfig>] {
        [.section("model", \.model, required: true, "Where the starting weights come from."),
         .section("data", \.data, required: true, "Training and held-out data."),
         .section("train", \.train, required: true, "The optimisation schedule and AdamW."),
         .section("checkpoint", \.checkpoint, required: true, "Where and how often to save."),
         .section("logging", \.logging, "How often to report, and where metrics go."),
         .section("distributed", \.distributed, "How ranks share the work.")]
            + (Algorithm.sectionName.map { [.section($0, \.algorithm, required: true, "\(Algorithm.command)'s own settings.")] } ?? [])
    }

    /// The keys this algorithm's runs accept: the full table less its unused keys.
    public static var acceptedSchema: ConfigSchema { schema.removing(Algorithm.unusedKeys.keys.map { $0.split(separator: ".").map(String.init) }) }

    /// The JSONL metrics file: `logging.metrics`, or `metrics.jsonl` beside the checkpoints.
    public var metricsPath: String { logging.metrics ?? checkpoint.dir + "/metrics.jsonl" }

    /// Reads the config at `path`, applies `overrides` (`key.path=value` strings from
    /// `--set`), checks it strictly and decodes it.
    public static func load(path: String, overrides: [String] = []) throws -> RunConfig {
        let text = try readConfigText(path: path)
        return try parse(yaml: text, file: path, overrides: overrides)
    }

    /// Like `load`, for YAML already in memory (such as a checkpoint's `config.yaml`);
    /// `file` names the source in error messages.
    public static func parse(yaml: String, file: String, overrides: [String] = []) throws -> RunConfig {
        try RunConfigLoader<Algorithm>(file: file, overrides: overrides.map(ConfigOverride.init(parsing:))).load(yaml)
    }

    /// The config as YAML that `parse` reads back to an equal value, with every default
    /// written out, for storing beside checkpoints as a record of what actually ran.
    public func yaml() -> String {
        do {
            let unused = Algorithm.unusedKeys.keys.map { $0.split(separator: ".").map(String.init) }
            return try Yams.serialize(node: try yamlNode().removing(unused))
        } catch {
            // Only plain scalars and mappings are written, which Yams always emits.
            preconditionFailure("cannot write the run config as YAML: \(error)")
        }
    }
}

extension ConfigSchema {
    /// The schema without the keys at `paths` (each a list of keys from the top).
    func removing(_ paths: [[String]]) -> ConfigSchema {
        var copy = self
        copy.keys = keys.compactMap { key in
            let below = paths.filter { $0.first == key.name }
            if below.contains(where: { $0.count == 1 }) { return nil }
            guard !below.isEmpty, case .section(let nested) = key.kind else { return key }
            return SchemaKey(name: key.name, kind: .section(nested.removing(below.map { Array($0.dropFirst()) })),
                             isRequired: key.isRequired, doc: key.doc, variants: key.variants)
        }
        return copy
    }
}

extension Node {
    /// The mapping without the keys at `paths`.
    func removing(_ paths: [[String]]) -> Node {
        guard case .mapping(let mapping) = self else { return self }
        return .mapping(Node.Mapping(mapping.compactMap { key, value in
            let below = paths.filter { $0.first == key.string }
            if below.contains(where: { $0.count == 1 }) { return nil }
            return (key, below.isEmpty ? value : value.removing(below.map { Array($0.dropFirst()) }))
        }))
    }
}

/// A config file's text; a file that is missing, unreadable or not UTF-8 is an error naming it
/// (and, for bad bytes, the line).
public func readConfigText(path: String) throws -> String {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw RunConfigError(location: path, message: "cannot read the config: \(error.localizedDescription)")
    }
    guard let text = String(validating: data, as: UTF8.self) else {
        // Name the first line that is not UTF-8 (a newline byte never occurs inside a UTF-8 sequence).
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        let line = (lines.firstIndex { String(validating: $0, as: UTF8.self) == nil } ?? 0) + 1
        throw RunConfigError(location: "\(path):\(line)", message: "is not valid UTF-8")
    }
    return text
}
