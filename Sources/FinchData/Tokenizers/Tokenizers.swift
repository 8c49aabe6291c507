import Foundation

/// Loads whichever tokenizer a checkpoint or model directory carries.
public enum Tokenizers {
    /// Reads `<directory>/tokenizer.json` and returns the tokenizer its `model.type` names.
    /// Errors name the file, and say which types this build understands.
    public static func load(directory: URL) throws -> any Tokenizer {
        try load(file: TokenizerFile.url(in: directory))
    }

    /// A directory holding tokenizer.json, or a tokenizer.json file itself, as a user names it.
    public static func load(path: String) throws -> any Tokenizer {
        var isDirectory: ObjCBool = false
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try load(directory: url)
        }
        return try load(file: url)
    }

    /// As `load(directory:)`, for a tokenizer.json file of any name (a tokenizer_config.json
    /// beside it is read too).
    public static func load(file: URL) throws -> any Tokenizer {
        let (json, data) = try JSONValue.read(file)
        let type = try json.required("model").type()
        switch type {
        case ByteTokenizer.modelType:
            return try ByteTokenizer.load(file: file)
        case HuggingFaceTokenizer.modelType:
            return try HuggingFaceTokenizer(json: json, data: data, file: file)
        default:
            throw DataError(source: file.path,
                            reason: "unsupported tokenizer model type \"\(type)\" (supported: \(ByteTokenizer.modelType), \(HuggingFaceTokenizer.modelType))")
        }
    }
}
