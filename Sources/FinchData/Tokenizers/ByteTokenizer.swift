import Foundation

/// A tokenizer whose tokens are the UTF-8 bytes of the text (ids 0–255), followed by a
/// few special tokens.
///
/// It needs no training and no vocabulary file, handles every language, and keeps the
/// embedding table tiny (262 rows), which is what a model trained from scratch on a
/// couple of CPU cores wants. Its ids are fixed, so two runs always agree on them:
///
/// | id  | token             |
/// |-----|-------------------|
/// | 256 | `<|bos|>`         |
/// | 257 | `<|eos|>`         |
/// | 258 | `<|pad|>`         |
/// | 259 | `<|user|>`        |
/// | 260 | `<|assistant|>`   |
/// | 261 | `<|system|>`      |
public struct ByteTokenizer: Tokenizer, Equatable {
    /// Special token contents in id order, starting right after the 256 byte ids.
    public static let specialTokens = ["<|bos|>", "<|eos|>", "<|pad|>", "<|user|>", "<|assistant|>", "<|system|>"]
    /// Written as `model.type` in `tokenizer.json`; no Hugging Face tokenizer uses it, so
    /// a file carrying it is unambiguously this tokenizer.
    public static let modelType = "ByteLevelFinch"

    private static let firstSpecialID: Int32 = 256

    public init() {}

    public var vocabSize: Int { 256 + Self.specialTokens.count }
    public var bosID: Int32 { tokenID(forSpecial: "<|bos|>")! }
    public var eosID: Int32 { tokenID(forSpecial: "<|eos|>")! }
    public var padID: Int32 { tokenID(forSpecial: "<|pad|>")! }

    public func tokenID(forSpecial name: String) -> Int32? {
        Self.specialTokens.firstIndex(of: name).map { Self.firstSpecialID + Int32($0) }
    }

    /// The UTF-8 bytes of `text`; never a special id, whatever the text contains.
    public func encode(_ text: String) -> [Int32] {
        text.utf8.map { Int32($0) }
    }

    /// Bytes are decoded leniently (invalid UTF-8 becomes U+FFFD) because a model's output
    /// is not guaranteed to be valid UTF-8. Padding and `<|bos|>` are dropped as they carry
    /// no text; other specials are shown by name so turn boundaries stay visible. Ids
    /// outside the vocabulary also become U+FFFD rather than trapping.
    public func decode(_ ids: [Int32]) -> String {
        var text = ""
        var pendingBytes: [UInt8] = []
        func flushBytes() {
            text += String(decoding: pendingBytes, as: UTF8.self)
            pendingBytes.removeAll(keepingCapacity: true)
        }
        for id in ids {
            if (0..<256).contains(id) {
                pendingBytes.append(UInt8(id))
                continue
            }
            flushBytes()
            if id == padID || id == bosID { continue }
            let specialIndex = Int(id - Self.firstSpecialID)
            text += Self.specialTokens.indices.contains(specialIndex) ? Self.specialTokens[specialIndex] : "\u{FFFD}"
        }
        flushBytes()
        return text
    }

    public func save(to directory: URL) throws {
        let addedTokens = Self.specialTokens.map { TokenizerFile.AddedToken(id: tokenID(forSpecial: $0)!, content: $0) }
        let file = TokenizerFile(model: .init(type: Self.modelType), addedTokens: addedTokens)
        try file.write(to: directory)
    }

    /// Reads `tokenizer.json` from `directory` and checks that it describes exactly this
    /// tokenizer's special tokens, so a checkpoint made with a different layout is rejected
    /// instead of silently mis-tokenized.
    public static func load(from directory: URL) throws -> ByteTokenizer {
        try load(file: TokenizerFile.url(in: directory))
    }

    /// As `load(from:)`, for a tokenizer.json file of any name.
    public static func load(file url: URL) throws -> ByteTokenizer {
        let file = try TokenizerFile.read(file: url)
        let path = url.path
        guard file.model.type == modelType else {
            throw DataError(source: path, reason: "model.type is \"\(file.model.type)\", expected \"\(modelType)\"")
        }
        let tokenizer = ByteTokenizer()
        let expected = specialTokens.map { TokenizerFile.AddedToken(id: tokenizer.tokenID(forSpecial: $0)!, content: $0) }
        let found = file.addedTokens.sorted { $0.id < $1.id }
        guard found == expected else {
            let describe = { (tokens: [TokenizerFile.AddedToken]) in tokens.map { "\($0.id)=\($0.content)" }.joined(separator: ", ") }
            throw DataError(source: path, reason: "added_tokens [\(describe(found))] do not match the byte tokenizer's [\(describe(expected))]")
        }
        return tokenizer
    }
}
