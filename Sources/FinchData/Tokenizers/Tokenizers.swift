import Foundation

/// Loads whichever tokenizer a checkpoint or model directory carries.
public enum Tokenizers {
    /// Reads `<directory>/tokenizer.json` and returns the tokenizer its `model.type` names.
    /// Errors name the file, and say which types this build understands.
    public static func load(directory: URL) throws -> any Tokenizer {
        let file = try TokenizerFile.read(from: directory)
        switch file.model.type {
        case ByteTokenizer.modelType:
            return try ByteTokenizer.load(from: directory)
        default:
            throw DataError(source: TokenizerFile.url(in: directory).path,
                            reason: "unsupported tokenizer model type \"\(file.model.type)\" (supported: \(ByteTokenizer.modelType))")
        }
    }
}
