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
    ///
    /// With `chatFormat` chatml or llama3 on a tokenizer whose own template is another, the saved
    /// tokenizer_config.json gets that format's `chat_template` (as TRL's `setup_chat_format`
    /// does), so the checkpoint is read in the layout it was trained in, by Finch and by transformers.
    public static func tokenizerFiles(_ tokenizer: any Tokenizer, chatFormat: ChatFormat? = nil) throws -> [(name: String, contents: Data)] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("finch-tokenizer-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try tokenizer.save(to: dir)
        var files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map { name in
            (name: name, contents: try Data(contentsOf: dir.appendingPathComponent(name)))
        }
        guard let chatFormat, let source = chatFormat.jinjaSource, ChatFormat.detect(for: tokenizer) != chatFormat else { return files }
        let name = HuggingFaceTokenizer.configFileName
        var config = try files.first { $0.name == name }.map { try JSONSerialization.jsonObject(with: $0.contents) as? [String: Any] ?? [:] } ?? [:]
        config["chat_template"] = source
        files.removeAll { $0.name == name }
        files.append((name, try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])))
        return files
    }

    /// Checks that a checkpoint's config.json describes `expected`, naming the file if not.
    static func checkModel(_ json: Data, in dir: URL, is expected: ModelConfig) throws {
        let saved = try JSONDecoder().decode(ModelConfig.self, from: json)
        guard saved == expected else {
            throw TrainError("\(dir.path)/config.json: the checkpoint's model differs from the configured one")
        }
    }
}
