import FinchModel

/// `model:` — where the starting weights come from.
///
/// `init: scratch` builds a fresh model whose architecture is written inline under
/// `config:` with Hugging Face config.json keys (`n_embd`, `hidden_size`, ...), so a
/// config.json from the Hub can be pasted in. `init: <path>` continues from a saved
/// checkpoint directory, whose own config.json fixes the architecture, so `config:` must
/// then be absent rather than silently ignored.
public struct ModelSection: Codable, Equatable, Sendable {
    public enum Initialization: Equatable, Sendable {
        /// Random weights with this architecture.
        case scratch(ModelConfig)
        /// Weights and architecture from the checkpoint directory at this path.
        case checkpoint(path: String)
    }

    /// The `init:` value that selects fresh weights; anything else is a checkpoint path.
    public static let scratchKeyword = "scratch"

    public var initialization: Initialization
    /// Seed for weight initialisation.
    public var seed: UInt64

    public init(initialization: Initialization, seed: UInt64 = 0) {
        self.initialization = initialization
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case initialization = "init", config, seed
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let source = try container.decode(String.self, forKey: .initialization)
        let hasConfig = container.contains(.config) ? !(try container.decodeNil(forKey: .config)) : false
        if source == Self.scratchKeyword {
            guard hasConfig else {
                throw DecodingError.dataCorruptedError(forKey: .initialization, in: container,
                                                       debugDescription: "'\(Self.scratchKeyword)' needs the architecture under 'model.config'")
            }
            initialization = .scratch(try container.decode(ModelConfig.self, forKey: .config))
        } else {
            guard !hasConfig else {
                throw DecodingError.dataCorruptedError(forKey: .config, in: container,
                                                       debugDescription: "not allowed when model.init is a checkpoint path: the architecture comes from the checkpoint's config.json")
            }
            initialization = .checkpoint(path: source)
        }
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch initialization {
        case .scratch(let config):
            try container.encode(Self.scratchKeyword, forKey: .initialization)
            try container.encode(config, forKey: .config)
        case .checkpoint(let path):
            try container.encode(path, forKey: .initialization)
        }
        try container.encode(seed, forKey: .seed)
    }
}

extension ModelSection: ConfigSection {
    static func field(_ key: CodingKeys) -> ConfigField {
        switch key {
        case .initialization: return .required(.string)
        case .config: return .optional(.modelArchitecture)
        case .seed: return .optional(.unsignedInteger)
        }
    }
}
