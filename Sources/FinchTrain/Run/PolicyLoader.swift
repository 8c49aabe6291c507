import Foundation
import FinchData
import FinchModel

/// A model with its tokenizer, as a run starts from: fresh weights of a given architecture,
/// or the weights, config.json and tokenizer.json of a checkpoint directory.
public struct LoadedPolicy {
    public let model: Transformer
    public let tokenizer: any Tokenizer

    public init(section: ModelSection) throws {
        switch section.initialization {
        case let .scratch(config):
            let tokenizer = ByteTokenizer()
            guard config.vocabSize >= tokenizer.vocabSize else {
                throw TrainError("model.config.vocab_size: \(config.vocabSize) is smaller than the byte tokenizer's \(tokenizer.vocabSize) tokens")
            }
            self.init(model: try Transformer(config: config, seed: section.seed), tokenizer: tokenizer)
        case let .checkpoint(path):
            try self.init(checkpoint: URL(fileURLWithPath: path))
            // Training starts from what the directory computes: adapters it holds are folded
            // into the base, and new ones (if configured) start on top of that.
            model.mergeAdapters()
        }
        if let lora = section.lora?.settings {
            model.attach(try LoRAAdapters(config: lora, model: model.config, seed: section.seed))
        }
    }

    public init(model: Transformer, tokenizer: any Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Opens a checkpoint directory written by Finch, or a Hugging Face model directory
    /// (config.json, model.safetensors or its shards, tokenizer.json), or a PEFT adapter directory
    /// (adapter_config.json naming its base, adapter_model.safetensors); errors name the file at fault.
    public init(checkpoint dir: URL) throws {
        let model = try Self.model(checkpoint: dir), tokenizer = try Tokenizers.load(directory: dir)
        // An id past the embedding table would read outside it; a table larger than the
        // tokenizer (padded to a multiple of 64, as GPT-2's 50304) is fine.
        guard tokenizer.vocabSize <= model.config.vocabSize else {
            throw CheckpointError(path: dir.path, reason: "tokenizer.json has \(tokenizer.vocabSize) ids but config.json's vocab_size is \(model.config.vocabSize)")
        }
        self.init(model: model, tokenizer: tokenizer)
    }

    /// The model of a checkpoint or model directory alone: config.json and the weights, which is
    /// all that scoring token ids needs. An adapter directory gives its base with the adapters attached.
    public static func model(checkpoint dir: URL) throws -> Transformer {
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(AdapterConfigFile.fileName).path) {
            return try adaptedModel(dir)
        }
        // A Finch checkpoint is checked against its manifest (sizes and checksums), so a flipped
        // byte is an error naming the file rather than a model that silently computes garbage;
        // a directory from elsewhere (no manifest) is read as it is.
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(CheckpointLayout.manifestFile).path) {
            try CheckpointStore.verify(checkpoint: dir)
        }
        let configURL = dir.appendingPathComponent("config.json")
        let config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: try Data(contentsOf: configURL))
        } catch {
            throw CheckpointError(path: configURL.path, reason: "cannot read the model config: \(error)")
        }
        let model = try Transformer(config: config)
        let weights = try ModelWeights.open(directory: dir)
        do {
            try model.load(model.params, from: weights)
        } catch let error as SafeTensorsError {
            // A tensor missing or mis-shaped is as likely an edited config.json as a bad file.
            throw SafeTensorsError(file: error.file, reason: error.reason + " (the model's shapes come from \(configURL.path))")
        }
        return model
    }

    /// The base `adapter_config.json` names, with the directory's adapters attached. A Finch
    /// checkpoint's config.json (the base's, saved with the adapters) must match the base's.
    private static func adaptedModel(_ dir: URL) throws -> Transformer {
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(CheckpointLayout.manifestFile).path) {
            try CheckpointStore.verify(checkpoint: dir)
        }
        let file = try AdapterConfigFile.read(from: dir)
        let configPath = dir.appendingPathComponent(AdapterConfigFile.fileName).path
        guard let basePath = file.baseModel, !basePath.isEmpty else {
            throw CheckpointError(path: configPath, reason: "base_model_name_or_path names no base model directory; merge with `finch merge --base DIR`")
        }
        let baseURL = URL(fileURLWithPath: basePath).standardizedFileURL  // relative: to the working directory, as PEFT reads it
        guard FileManager.default.fileExists(atPath: baseURL.appendingPathComponent("config.json").path) else {
            throw CheckpointError(path: configPath, reason: "base_model_name_or_path: \(baseURL.path) holds no config.json (the base must be a local directory)")
        }
        let model = try Self.model(checkpoint: baseURL)
        model.mergeAdapters()  // a base that is itself an adapter checkpoint
        let ownConfig = dir.appendingPathComponent("config.json")
        if let json = try? Data(contentsOf: ownConfig) { try PolicyFiles.checkModel(json, in: dir, is: model.config) }
        try attachAdapters(file.lora, from: dir, to: model)
        return model
    }

    /// Attaches adapters with `settings`, filled from `dir`'s adapter_model.safetensors.
    public static func attachAdapters(_ settings: LoRAConfig, from dir: URL, to model: Transformer) throws {
        let adapters = try LoRAAdapters(config: settings, model: model.config, seed: 0)
        try adapters.load(adapters.params, from: try SafeTensorsFile(url: dir.appendingPathComponent(TrainableParameters.adapterWeightsFile)))
        model.attach(adapters)
    }
}
