import Foundation

/// A Hugging Face `tokenizer.json` with a BPE model (GPT-2, Llama-3, Qwen2, Llama-2/Mistral and
/// their kin), read and run as the `tokenizers` library does, with parity fixtures made by it
/// (`scripts/make-tokenizer-golden.py`).
///
/// Encoding follows tokenizers' pipeline (`EncodingPipeline`): added tokens are found first and
/// never split; the text between them is normalized, pre-tokenized into words, and each word
/// goes through the BPE merges. Decoding hands the tokens' strings to the decoder.
/// `post_processor`, `truncation` and `padding` are not applied: they are what
/// `add_special_tokens=True` and batch options do, and Finch places specials (its chat
/// template) and truncates (`data.max_length`) itself.
///
/// As the `Tokenizer` protocol requires, `encode(_:)` leaves special added tokens as ordinary
/// text (tokenizers' `encode_special_tokens = True`), so data cannot forge a chat turn;
/// `encode(_:allowingSpecialTokens: true)` matches them as tokenizers does by default.
/// Non-special added tokens are matched either way. (The model's unknown token, which
/// SentencePiece files mark special, is still what characters outside the vocabulary become.)
public struct HuggingFaceTokenizer: Tokenizer {
    /// The `model.type` this tokenizer reads.
    public static let modelType = "BPE"
    public static let configFileName = "tokenizer_config.json"
    public static let generationConfigFileName = "generation_config.json"

    /// The largest id (of the vocabulary or an added token) + 1.
    public let vocabSize: Int
    /// From tokenizer_config.json, or by the convention of `SpecialTokenRoles`.
    public let bosID: Int32
    public let eosID: Int32
    public let padID: Int32

    private let pipeline: EncodingPipeline
    private let decoder: TokenDecoder?
    /// What the decoder receives for each id: the vocabulary's token, or an added token (a
    /// normalized one in its normalized form, as tokenizers decodes it); nil for unused ids.
    private let tokenStrings: [String?]
    private let specialIDs: [String: Int32]
    public let chatTemplateSource: String?
    public let endOfGenerationIDs: [Int32]
    /// tokenizer.json (and tokenizer_config.json) exactly as read, which `save(to:)` writes back.
    private let files: [(name: String, contents: Data)]

    /// Reads `file` (a tokenizer.json, whatever its name; `json` is its `data` parsed, which
    /// `Tokenizers.load` has done to read `model.type`) and the tokenizer_config.json beside it,
    /// if there is one. Errors name the file and the key at fault.
    init(json: JSONValue, data: Data, file: URL) throws {
        let modelJSON = try json.required("model")
        let type = try modelJSON.type()
        guard type == Self.modelType else { throw modelJSON.unsupported("model", type: type, supported: [Self.modelType]) }
        let normalizer = try json.member("normalizer").map(TextNormalizer.init)
        let preTokenizer = try PreTokenizer(json.member("pre_tokenizer"))
        let model = try BPEModel(modelJSON, byteLevel: preTokenizer.isByteLevel)
        decoder = try json.member("decoder").map(TokenDecoder.init)

        let added = try AddedToken.read(json.member("added_tokens"), vocabulary: model.vocabulary, vocabularyCount: model.vocabularyCount)
        pipeline = EncodingPipeline(addedTokens: added, normalizer: normalizer, preTokenizer: preTokenizer, model: model)

        let maxID = max(model.vocabulary.values.max() ?? -1, added.map(\.id).max() ?? -1)
        var tokenStrings = [String?](repeating: nil, count: Int(maxID) + 1)
        for (token, id) in model.vocabulary { tokenStrings[Int(id)] = token }
        for token in added { tokenStrings[Int(token.id)] = String(scalars: EncodingPipeline.form(of: token, normalizer: normalizer)) }
        self.tokenStrings = tokenStrings
        vocabSize = tokenStrings.count
        let specialIDs = Dictionary(added.filter(\.special).map { ($0.content, $0.id) }, uniquingKeysWith: { $1 })
        self.specialIDs = specialIDs

        var files = [(name: TokenizerFile.fileName, contents: data)]
        let configURL = file.deletingLastPathComponent().appendingPathComponent(Self.configFileName)
        var config: JSONValue?
        if FileManager.default.fileExists(atPath: configURL.path) {
            let (configJSON, configData) = try JSONValue.read(configURL)
            config = configJSON
            files.append((Self.configFileName, configData))
        }
        chatTemplateSource = try config.flatMap(Self.chatTemplate)
        let generationURL = file.deletingLastPathComponent().appendingPathComponent(Self.generationConfigFileName)
        var endIDs: [Int32] = []
        if FileManager.default.fileExists(atPath: generationURL.path) {
            let (generation, generationData) = try JSONValue.read(generationURL)
            files.append((Self.generationConfigFileName, generationData))
            if let eos = try generation.member("eos_token_id") {
                endIDs = try (eos.value is [Any] ? eos.elements() : [eos]).map { Int32(clamping: try $0.integer()) }
            }
            for id in endIDs where !(0..<Int32(vocabSize)).contains(id) {
                throw DataError(source: generationURL.path, reason: "eos_token_id \(id) is outside the vocabulary (0..<\(vocabSize))")
            }
        }
        endOfGenerationIDs = endIDs
        self.files = files
        let idByContent = Dictionary(added.map { ($0.content, $0.id) }, uniquingKeysWith: { $1 })
        let vocabulary = model.vocabulary
        let roles = try SpecialTokenRoles(config: config, tokenizerSource: file.path,
                                          tokenID: { idByContent[$0] ?? vocabulary[$0] }, specialID: { specialIDs[$0] })
        (bosID, eosID, padID) = (roles.bos, roles.eos, roles.pad)
    }

    /// `chat_template` of tokenizer_config.json: a string, or a list of named templates (the "default" one).
    private static func chatTemplate(_ config: JSONValue) throws -> String? {
        guard let template = try config.member("chat_template") else { return nil }
        if template.value is String { return try template.string() }
        for named in try template.elements() where (try? named.string("name")) == "default" { return try named.string("template") }
        return nil
    }

    /// The ids of `text`, with special added tokens in it encoded as ordinary text.
    public func encode(_ text: String) -> [Int32] {
        encode(text, allowingSpecialTokens: false)
    }

    /// The ids of `text`; with `allowingSpecialTokens`, special added tokens spelled in the text
    /// become their ids, as tokenizers' `encode(text, add_special_tokens=False)` does.
    public func encode(_ text: String, allowingSpecialTokens: Bool) -> [Int32] {
        pipeline.encode(text, allowingSpecialTokens: allowingSpecialTokens)
    }

    /// The text of `ids` as tokenizers' `decode(ids, skip_special_tokens=False)` gives it:
    /// special tokens are written out, invalid UTF-8 becomes U+FFFD, and ids that name no token
    /// are left out (as tokenizers does).
    public func decode(_ ids: [Int32]) -> String {
        let tokens = ids.compactMap { id in id >= 0 && Int(id) < tokenStrings.count ? tokenStrings[Int(id)] : nil }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decodeChain(tokens).joined()
    }

    /// The id of a special added token by its content, e.g. `"<|im_start|>"`.
    public func tokenID(forSpecial name: String) -> Int32? {
        specialIDs[name]
    }

    /// Writes tokenizer.json (and tokenizer_config.json, if one was read) exactly as they were
    /// read, so a checkpoint carries the user's tokenizer unchanged.
    public func save(to directory: URL) throws {
        for file in files {
            let url = directory.appendingPathComponent(file.name)
            do {
                try file.contents.write(to: url, options: .atomic)
            } catch {
                throw DataError(source: url.path, reason: "cannot write: \(error.localizedDescription)")
            }
        }
    }
}
