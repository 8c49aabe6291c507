/// `data:` — where examples come from and how they are cut.
public struct DataSection: Codable, Equatable, Sendable {
    /// Training data path.
    public var train: String
    /// Evaluation data path; nil means no evaluation.
    public var eval: String?
    /// Tokens per example; longer ones are truncated or, with `dropOverlong`, skipped.
    public var maxLength: Int
    public var dropOverlong: Bool
    /// Seed for shuffling.
    public var seed: UInt64

    public init(train: String, eval: String? = nil, maxLength: Int = 512, dropOverlong: Bool = false, seed: UInt64 = 0) {
        self.train = train
        self.eval = eval
        self.maxLength = maxLength
        self.dropOverlong = dropOverlong
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case train, eval, maxLength = "max_length", dropOverlong = "drop_overlong", seed
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(train: try container.decode(String.self, forKey: .train),
                  eval: try container.decodeIfPresent(String.self, forKey: .eval))
        try container.update(&maxLength, from: .maxLength)
        try container.update(&dropOverlong, from: .dropOverlong)
        try container.update(&seed, from: .seed)
    }
}

extension DataSection: ConfigSection {
    static func field(_ key: CodingKeys) -> ConfigField {
        switch key {
        case .train: return .required(.string)
        case .eval: return .optional(.string)
        case .maxLength: return .optional(.integer(atLeast: 1))
        case .dropOverlong: return .optional(.boolean)
        case .seed: return .optional(.unsignedInteger)
        }
    }
}

/// `checkpoint:` — where and how often to save, and how many saves to keep.
public struct CheckpointSection: Codable, Equatable, Sendable {
    /// Root directory for `step-*` checkpoints (and, by default, the metrics file).
    public var dir: String
    /// Steps between saves; 0 saves only at the end.
    public var every: Int
    /// Checkpoints kept; 0 keeps all.
    public var keepLast: Int

    public init(dir: String, every: Int = 0, keepLast: Int = 3) {
        self.dir = dir
        self.every = every
        self.keepLast = keepLast
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case dir, every, keepLast = "keep_last"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(dir: try container.decode(String.self, forKey: .dir))
        try container.update(&every, from: .every)
        try container.update(&keepLast, from: .keepLast)
    }
}

extension CheckpointSection: ConfigSection {
    static func field(_ key: CodingKeys) -> ConfigField {
        switch key {
        case .dir: return .required(.string)
        case .every, .keepLast: return .optional(.integer(atLeast: 0))
        }
    }
}

/// `logging:` — how often to report and where the JSONL metrics go.
public struct LoggingSection: Codable, Equatable, Sendable {
    /// Steps between log lines.
    public var every: Int
    /// JSONL metrics file.
    public var metrics: String

    /// Logging defaults for a run checkpointing into `checkpointDir`: metrics live beside
    /// the checkpoints so one directory holds the whole run.
    public init(every: Int = 10, checkpointDir: String) {
        self.init(every: every, metrics: checkpointDir + "/metrics.jsonl")
    }

    public init(every: Int, metrics: String) {
        self.every = every
        self.metrics = metrics
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case every, metrics
    }

    /// Decodes the section, which may be absent or partial, filling gaps from the defaults
    /// for `checkpointDir` (the metrics default depends on another section).
    init(from container: KeyedDecodingContainer<CodingKeys>?, checkpointDir: String) throws {
        self.init(checkpointDir: checkpointDir)
        try container?.update(&every, from: .every)
        try container?.update(&metrics, from: .metrics)
    }
}

extension LoggingSection: ConfigSection {
    static func field(_ key: CodingKeys) -> ConfigField {
        switch key {
        case .every: return .optional(.integer(atLeast: 1))
        case .metrics: return .optional(.string)
        }
    }
}
