import Foundation

/// The subset of Hugging Face's `tokenizer.json` that Finch writes and reads: the model
/// type, which selects the implementation, and the added (special) tokens with their ids.
///
/// Keeping the Hugging Face key names means a checkpoint directory looks familiar to HF
/// tooling, and a real HF `tokenizer.json` can be recognised here by its `model.type`.
struct TokenizerFile: Codable, Equatable {
    struct Model: Codable, Equatable {
        var type: String
    }

    struct AddedToken: Codable, Equatable {
        var id: Int32
        var content: String
        /// Always written; optional on read because only `id` and `content` matter here.
        var special: Bool? = true
    }

    /// Always written; optional on read so a hand-written file need not carry it.
    var version: String? = "1.0"
    var model: Model
    var addedTokens: [AddedToken]

    enum CodingKeys: String, CodingKey {
        case version, model
        case addedTokens = "added_tokens"
    }

    static let fileName = "tokenizer.json"

    static func url(in directory: URL) -> URL {
        directory.appendingPathComponent(fileName)
    }

    func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = Self.url(in: directory)
        do {
            try encoder.encode(self).write(to: url, options: .atomic)
        } catch {
            throw DataError(source: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    static func read(from directory: URL) throws -> TokenizerFile {
        try read(file: url(in: directory))
    }

    static func read(file url: URL) throws -> TokenizerFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataError(source: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(TokenizerFile.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw DataError(source: url.path, reason: "missing key \"\(keyPath(context.codingPath + [key]))\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw DataError(source: url.path, reason: "wrong type at \"\(keyPath(context.codingPath))\"")
        } catch {
            throw DataError(source: url.path, reason: "not a valid tokenizer.json: \(error.localizedDescription)")
        }
    }

    private static func keyPath(_ path: [CodingKey]) -> String {
        path.reduce("") { text, key in
            if let index = key.intValue { return text + "[\(index)]" }
            return text.isEmpty ? key.stringValue : text + "." + key.stringValue
        }
    }
}
