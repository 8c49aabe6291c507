import FinchModel
import Yams

/// `model:` — where the starting weights come from.
///
/// `init: scratch` builds a fresh model whose architecture is written inline under
/// `config:` with Hugging Face config.json keys (`n_embd`, `hidden_size`, ...), so a
/// config.json from the Hub can be pasted in. `init: <path>` continues from a saved
/// checkpoint directory, whose own config.json fixes the architecture, so `config:` must
/// then be absent rather than silently ignored.
public struct ModelSection: ConfigSection {
    public enum Initialization: Equatable, Sendable {
        /// Random weights with this architecture.
        case scratch(ModelConfig)
        /// Weights and architecture from the checkpoint directory at this path.
        case checkpoint(path: String)
    }

    /// The `init:` value that selects fresh weights; anything else is a checkpoint path.
    public static let scratchKeyword = "scratch"

    /// `init:` as written, and `config:`; `initialization` is what they mean together.
    var source = scratchKeyword
    var architecture: ModelConfig?
    public var seed: UInt64 = 0
    /// Low-rank adapters to train on the frozen base, or nil for full fine-tuning.
    public var lora: LoRASection?

    public init() {}

    public init(initialization: Initialization, seed: UInt64 = 0, lora: LoRAConfig? = nil) {
        self.seed = seed
        self.initialization = initialization
        self.lora = lora.map(LoRASection.init)
    }

    /// The same starting model without `lora`: a frozen reference needs the base alone.
    public var withoutAdapters: ModelSection {
        var section = self
        section.lora = nil
        return section
    }

    public var initialization: Initialization {
        get {
            guard source == Self.scratchKeyword, let architecture else { return .checkpoint(path: source) }
            return .scratch(architecture)
        }
        set {
            switch newValue {
            case .scratch(let config): (source, architecture) = (Self.scratchKeyword, config)
            case .checkpoint(let path): (source, architecture) = (path, nil)
            }
        }
    }

    public static let keys: [ConfigKey<ModelSection>] = [
        .value("init", \.source, .string, required: true, "`scratch` (fresh weights of `config`) or a checkpoint directory to start from."),
        ConfigKey(name: "config", kind: .modelArchitecture,
                  doc: "With `init: scratch`: the architecture, as Hugging Face config.json keys (`model_type` gpt2, llama or qwen2).",
                  read: { section, node in section.architecture = try ModelArchitectureYAML.decode(node) },
                  write: { try $0.architecture.map(ModelArchitectureYAML.encode) }),
        .value("seed", \.seed, .unsignedInteger, "Seed of the weight initialisation (and of LoRA's A matrices)."),
        ConfigKey(name: "lora", kind: .section(LoRASection.schema),
                  doc: "Train LoRA adapters on the frozen `init` model instead of all weights (PEFT's format).",
                  read: { section, node in
                      do { section.lora = try LoRASection.decode(node) } catch let error as ConfigDecodeError { throw error.under("lora") }
                  },
                  write: { try $0.lora?.yamlNode() }),
    ]

    public mutating func resolve(given: Set<String>) throws {
        if source == Self.scratchKeyword && architecture == nil {
            throw ConfigDecodeError(path: ["init"], message: "'\(Self.scratchKeyword)' needs the architecture under 'model.config'")
        }
        if lora != nil && source == Self.scratchKeyword {
            throw ConfigDecodeError(path: ["lora"], message: "needs model.init to be a model or checkpoint directory: adapters are saved without the base, which must be loadable again")
        }
        if source != Self.scratchKeyword && architecture != nil {
            throw ConfigDecodeError(path: ["config"], message: "not allowed when model.init is a checkpoint path: the architecture comes from the checkpoint's config.json")
        }
    }
}

/// `model.config` as YAML: read with `ModelConfig`'s own config.json decoder, written with only
/// the keys it reads (its encoder also writes informational ones, such as `architectures`).
enum ModelArchitectureYAML {
    static func decode(_ node: Node) throws -> ModelConfig {
        do {
            return try YAMLDecoder().decode(ModelConfig.self, from: node)
        } catch let ModelConfigError.invalid(key, reason) {
            throw ConfigDecodeError(path: ["config", key], message: reason)
        } catch {
            throw ConfigDecodeError(path: ["config"], message: "\(error)")
        }
    }

    static func encode(_ config: ModelConfig) throws -> Node {
        guard let encoded = try Yams.compose(yaml: try YAMLEncoder().encode(config)), case .mapping(let mapping) = encoded else {
            return .mapping(Node.Mapping([]))
        }
        let read = ModelConfig.hfKeys(for: config.family).map(\.name)
        return .mapping(Node.Mapping(read.compactMap { name in
            guard let value = mapping[name] else { return nil }
            // Architecture numbers are Float: write the shortest text that reads back the same.
            if case .scalar(let scalar) = value, value.tag.rawValue == Tag.Name.float.rawValue, let float = Float(scalar.string) {
                return (Node(name), Node("\(float)", Tag(.float)))
            }
            return (Node(name), value)
        }))
    }
}
