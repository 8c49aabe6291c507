/// How a conversation is laid out as tokens: the markers around each turn and the token that ends
/// an answer. `data.chat_template` chooses one; `auto` asks `detect`.
///
/// | format | a turn | the answer ends with |
/// |---|---|---|
/// | `finch` | `<|bos|>` once, then `<|role|>` content | `<|eos|>` |
/// | `chatml` (Qwen2) | `<|im_start|>`role\\n content `<|im_end|>`\\n | `<|im_end|>` |
/// | `llama3` | `<|begin_of_text|>` once, then `<|start_header_id|>`role`<|end_header_id|>`\\n\\n content (trimmed) `<|eot_id|>` | `<|eot_id|>` |
/// | `none` | prompt and completion as plain text | the tokenizer's eos |
///
/// `chatml` and `llama3` give the ids `apply_chat_template` gives for the templates of
/// scripts/make-byom-golden.py (Qwen2's without its default system message); a plain prompt is
/// one user turn. `none` takes prompt/completion records only.
public enum ChatFormat: String, CaseIterable, Sendable {
    case finch, chatml, llama3, none

    /// Finch's byte tokenizer uses `finch`; a Hugging Face tokenizer the format its
    /// tokenizer_config.json's chat template is written in, or `none` if it has none.
    public static func detect(for tokenizer: any Tokenizer) -> ChatFormat {
        if tokenizer is ByteTokenizer { return .finch }
        guard let source = tokenizer.chatTemplateSource else { return .none }
        if source.contains("<|im_start|>") { return .chatml }
        if source.contains("<|start_header_id|>") { return .llama3 }
        return .none
    }

    /// The Jinja template of the format, as tokenizer_config.json's `chat_template` writes it
    /// (the templates scripts/make-byom-golden.py checks against); nil for finch and none.
    public var jinjaSource: String? {
        switch self {
        case .chatml:
            return "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
                + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
        case .llama3:
            return "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
                + " + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
        case .finch, .none:
            return nil
        }
    }

    /// The special tokens the format needs from the tokenizer.
    var requiredSpecials: [String] {
        switch self {
        case .finch: return ChatRole.allCases.map(\.marker)
        case .chatml: return ["<|im_start|>", "<|im_end|>"]
        case .llama3: return ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
        case .none: return []
        }
    }
}
