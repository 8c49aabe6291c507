import FinchData
import FinchModel
import Foundation

/// The files beside the weights that make a checkpoint directory a loadable model:
/// Hugging Face's `config.json` and the tokenizer's `tokenizer.json`.
public enum PolicyFiles {
    public static func modelConfigJSON(_ config: ModelConfig) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(config)
    }

    /// tokenizer.json as the tokenizer writes it, so the checkpoint loads with its own tokenizer.
    public static func tokenizerJSON(_ tokenizer: any Tokenizer) throws -> Data {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("finch-tokenizer-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try tokenizer.save(to: dir)
        return try Data(contentsOf: dir.appendingPathComponent("tokenizer.json"))
    }

    /// Checks that a checkpoint's config.json describes `expected`, naming the file if not.
    static func checkModel(_ json: Data, in dir: URL, is expected: ModelConfig) throws {
        let saved = try JSONDecoder().decode(ModelConfig.self, from: json)
        guard saved == expected else {
            throw TrainError("\(dir.path)/config.json: the checkpoint's model differs from the configured one")
        }
    }
}
