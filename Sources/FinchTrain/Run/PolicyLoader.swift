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
        }
    }

    public init(model: Transformer, tokenizer: any Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Opens a checkpoint directory written by Finch, or a Hugging Face model directory
    /// (config.json, model.safetensors or its shards, tokenizer.json); errors name the file at fault.
    public init(checkpoint dir: URL) throws {
        self.init(model: try Self.model(checkpoint: dir), tokenizer: try Tokenizers.load(directory: dir))
    }

    /// The model of a checkpoint or model directory alone: config.json and the weights, which is
    /// all that scoring token ids needs.
    public static func model(checkpoint dir: URL) throws -> Transformer {
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
        try model.load(model.params, from: try ModelWeights.open(directory: dir))
        return model
    }
}
