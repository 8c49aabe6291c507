import FinchData
import FinchModel
import Foundation

/// The files beside the weights that make a checkpoint directory a loadable model:
/// Hugging Face's `config.json` and the tokenizer's files (`tokenizer.json`, and the
/// `tokenizer_config.json` a Hugging Face tokenizer came with).
public enum PolicyFiles {
    public static func modelConfigJSON(_ config: ModelConfig) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(config)
    }

    /// Every file the tokenizer saves, by name, so the checkpoint loads with its own tokenizer.
    public static func tokenizerFiles(_ tokenizer: any Tokenizer) throws -> [(name: String, contents: Data)] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("finch-tokenizer-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try tokenizer.save(to: dir)
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map { name in
            (name, try Data(contentsOf: dir.appendingPathComponent(name)))
        }
    }

    /// Checks that a checkpoint's config.json describes `expected`, naming the file if not.
    static func checkModel(_ json: Data, in dir: URL, is expected: ModelConfig) throws {
        let saved = try JSONDecoder().decode(ModelConfig.self, from: json)
        guard saved == expected else {
            throw TrainError("\(dir.path)/config.json: the checkpoint's model differs from the configured one")
        }
    }
}
