import Foundation

/// Turns text into token ids and back.
///
/// The shape follows what a Hugging Face `tokenizer.json` provides, and `HuggingFaceTokenizer`
/// implements it for such files (`ByteTokenizer` for Finch's own): `encode`/`decode` map to
/// the pre-tokenizer + merges and the decoder, the special ids come from `added_tokens`, and
/// `tokenID(forSpecial:)` looks a token up by its content (for example `"<|user|>"`).
///
/// `encode` must never produce special tokens from ordinary text: specials are inserted
/// only by the chat template, so text inside a user's data cannot forge a turn boundary.
public protocol Tokenizer: Sendable {
    /// Number of distinct ids; a model's embedding table needs at least this many rows.
    var vocabSize: Int { get }
    var bosID: Int32 { get }
    var eosID: Int32 { get }
    var padID: Int32 { get }

    func encode(_ text: String) -> [Int32]
    func decode(_ ids: [Int32]) -> String

    /// The id of a special token by its content, or nil if this tokenizer lacks it.
    func tokenID(forSpecial name: String) -> Int32?

    /// Writes `tokenizer.json` into `directory`, so a checkpoint carries its tokenizer
    /// and `Tokenizers.load(directory:)` can read it back.
    func save(to directory: URL) throws

    /// The Jinja chat template of tokenizer_config.json, which `ChatFormat.detect` recognises.
    var chatTemplateSource: String? { get }
    /// Ids that end a generation besides the chat template's end of turn: generation_config.json's
    /// `eos_token_id` (one or a list) in the tokenizer's directory.
    var endOfGenerationIDs: [Int32] { get }
}

extension Tokenizer {
    public var chatTemplateSource: String? { nil }
    public var endOfGenerationIDs: [Int32] { [] }
}
