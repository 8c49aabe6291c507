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
/// Loading is strict (see `StrictConfigChecker`): an unknown, misplaced or mistyped key
/// stops the run with the file, line and full key path, instead of being ignored.
public struct RunConfig: Codable, Equatable, Sendable {
    public var model: ModelSection
    public var data: DataSection
    public var train: TrainSection
    public var checkpoint: CheckpointSection
    public var logging: LoggingSection
    public var distributed: DistributedSection
    /// Present for RL runs (`finch rl`); SFT ignores it.
    public var rl: RLSection?

    /// `logging` defaults to `LoggingSection(checkpointDir: checkpoint.dir)`.
    public init(model: ModelSection, data: DataSection, train: TrainSection, checkpoint: CheckpointSection,
                logging: LoggingSection? = nil, distributed: DistributedSection = DistributedSection(),
                rl: RLSection? = nil) {
        self.model = model
        self.data = data
        self.train = train
        self.checkpoint = checkpoint
        self.logging = logging ?? LoggingSection(checkpointDir: checkpoint.dir)
        self.distributed = distributed
        self.rl = rl
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, data, train, checkpoint, logging, distributed, rl
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(ModelSection.self, forKey: .model)
        data = try container.decode(DataSection.self, forKey: .data)
        train = try container.decode(TrainSection.self, forKey: .train)
        checkpoint = try container.decode(CheckpointSection.self, forKey: .checkpoint)
        let hasLogging = container.contains(.logging) ? !(try container.decodeNil(forKey: .logging)) : false
        logging = try LoggingSection(
            from: hasLogging ? container.nestedContainer(keyedBy: LoggingSection.CodingKeys.self, forKey: .logging) : nil,
            checkpointDir: checkpoint.dir)
        distributed = try container.decodeIfPresent(DistributedSection.self, forKey: .distributed) ?? DistributedSection()
        rl = try container.decodeIfPresent(RLSection.self, forKey: .rl)
    }

    /// Reads the config at `path`, applies `overrides` (`key.path=value` strings from
    /// `--set`), checks it strictly and decodes it.
    public static func load(path: String, overrides: [String] = []) throws -> RunConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RunConfigError(location: path, message: "cannot read the config: \(error.localizedDescription)")
        }
        return try parse(yaml: text, file: path, overrides: overrides)
    }

    /// Like `load`, for YAML already in memory (such as a checkpoint's `config.yaml`);
    /// `file` names the source in error messages.
    public static func parse(yaml: String, file: String, overrides: [String] = []) throws -> RunConfig {
        try RunConfigLoader(file: file, overrides: overrides.map(ConfigOverride.init(parsing:))).load(yaml)
    }

    /// The config as YAML that `parse` reads back to an equal value, with every default
    /// written out, for storing beside checkpoints as a record of what actually ran.
    public func yaml() -> String {
        do {
            return try RunConfigYAMLWriter.yaml(for: self)
        } catch {
            // Only plain scalars and mappings are encoded, which Yams always emits.
            preconditionFailure("cannot encode the run config as YAML: \(error)")
        }
    }
}

extension RunConfig: ConfigSection {
    static func field(_ key: CodingKeys) -> ConfigField {
        switch key {
        case .model: return .required(.section(ModelSection.schema))
        case .data: return .required(.section(DataSection.schema))
        case .train: return .required(.section(TrainSection.schema))
        case .checkpoint: return .required(.section(CheckpointSection.schema))
        case .logging: return .optional(.section(LoggingSection.schema))
        case .distributed: return .optional(.section(DistributedSection.schema))
        case .rl: return .optional(.section(RLSection.schema))
        }
    }
}
