/// Which tokens are a Hugging Face tokenizer's bos, eos and pad.
///
/// `tokenizer_config.json` beside tokenizer.json names them (`bos_token`, `eos_token`,
/// `pad_token`: a string, or `{"content": …}` as older transformers wrote them), and that is
/// where transformers reads them; so does Finch. A role the file does not name (absent, null,
/// or no file) is chosen by convention from the special added tokens:
/// - eos: the first of `<|endoftext|>` (GPT-2, Qwen2 base), `<|end_of_text|>` (Llama-3 base),
///   `</s>` (Llama-2, Mistral), `<|eot_id|>`, `<|im_end|>`, `<｜end▁of▁sentence｜>` (DeepSeek);
///   a tokenizer with none of them needs a tokenizer_config.json that names its eos_token;
/// - bos: the first of `<|begin_of_text|>`, `<s>`, `<｜begin▁of▁sentence｜>`, `<|endoftext|>`
///   (GPT-2 also starts documents with it), else the eos token;
/// - pad: the eos token, as transformers users set `pad_token = eos_token` (padding is masked).
/// So GPT-2's file alone gives `<|endoftext|>` for all three.
struct SpecialTokenRoles {
    let bos: Int32
    let eos: Int32
    let pad: Int32

    static let eosCandidates = ["<|endoftext|>", "<|end_of_text|>", "</s>", "<|eot_id|>", "<|im_end|>", "<｜end▁of▁sentence｜>"]
    static let bosCandidates = ["<|begin_of_text|>", "<s>", "<｜begin▁of▁sentence｜>", "<|endoftext|>"]

    /// `tokenID` looks a token up by content (added tokens, then the vocabulary); `specialID`
    /// only among the special added tokens.
    init(config: JSONValue?, tokenizerSource: String, tokenID: (String) -> Int32?, specialID: (String) -> Int32?) throws {
        func named(_ key: String) throws -> Int32? {
            guard let field = try config?.member(key) else { return nil }
            let content = field.value is String ? try field.string() : try field.string("content")
            guard let id = tokenID(content) else {
                throw field.error("\(BPEModel.quoted(content)) is not a token of \(tokenizerSource)")
            }
            return id
        }
        func conventional(_ candidates: [String]) -> Int32? { candidates.lazy.compactMap(specialID).first }
        guard let eos = try named("eos_token") ?? conventional(Self.eosCandidates) else {
            throw DataError(source: tokenizerSource, reason: "no end-of-sequence token: no tokenizer_config.json beside it names an eos_token, and none of its special added tokens is one of \(Self.eosCandidates.joined(separator: " "))")
        }
        self.eos = eos
        bos = try named("bos_token") ?? conventional(Self.bosCandidates) ?? eos
        pad = try named("pad_token") ?? eos
    }
}
