import Foundation

/// Lays out an `SFTRecord` as tokens in a `ChatFormat` and marks which tokens the model is
/// trained to predict.
///
/// The loss mask is 1 on completion tokens and on assistant content tokens, including the token
/// that ends each assistant turn (`endOfTurnID`, so the model learns when to stop), and 0 on
/// everything else: prompts, system and user content, role markers and headers. The model is
/// taught to answer, not to imitate its users.
///
/// Text is encoded with `Tokenizer.encode`, which never yields special ids, so text in the data
/// cannot forge a turn boundary. Each run of text between two special tokens is encoded as one
/// piece, as `apply_chat_template` followed by tokenization does, except that an assistant's
/// header and its content are encoded apart so the mask falls exactly on the content (the same
/// ids wherever the pre-tokenizer splits at the header's newline, as GPT-2's, Llama 3's and
/// Qwen2's do).
public struct ChatTemplate: Sendable {
    public let tokenizer: any Tokenizer
    public let format: ChatFormat
    /// The token that closes an answer: what training appends and generation stops at.
    public let endOfTurnID: Int32
    /// Where generation stops: the end of turn, the model's own end-of-generation ids
    /// (generation_config.json) and the tokenizer's eos.
    public let stopTokens: Set<Int32>
    private let special: [String: Int32]

    /// `format` nil: `ChatFormat.detect`. Fails if the tokenizer lacks a token the format needs.
    public init(tokenizer: any Tokenizer, format: ChatFormat? = nil) throws {
        let format = format ?? ChatFormat.detect(for: tokenizer)
        var special: [String: Int32] = [:]
        for name in format.requiredSpecials {
            guard let id = tokenizer.tokenID(forSpecial: name) else {
                throw DataError(source: "tokenizer", reason: "has no special token \(name), which the \(format.rawValue) chat template needs")
            }
            special[name] = id
        }
        self.tokenizer = tokenizer
        self.format = format
        self.special = special
        switch format {
        case .finch, .none: endOfTurnID = tokenizer.eosID
        case .chatml: endOfTurnID = special["<|im_end|>"]!
        case .llama3: endOfTurnID = special["<|eot_id|>"]!
        }
        stopTokens = Set([endOfTurnID, tokenizer.eosID] + tokenizer.endOfGenerationIDs)
    }

    /// The full token sequence of `record` and its loss mask (same length, 1 = trained target).
    /// Fails only for a chat record under `none`, which has no way to mark turns.
    public func render(_ record: SFTRecord) throws -> (tokens: [Int32], lossMask: [Float]) {
        var out = Rendering()
        switch (format, record) {
        case (.none, .chat):
            throw DataError(source: "chat template", reason: "a chat (\"messages\") record needs a chat template; set data.chat_template to finch, chatml or llama3")
        case (.none, .promptCompletion(let prompt, let completion)):
            out.append(tokenizer.encode(prompt), trained: false)
            out.append(tokenizer.encode(completion) + [endOfTurnID], trained: true)
        case (.finch, .promptCompletion(let prompt, let completion)):
            out.append([tokenizer.bosID] + tokenizer.encode(prompt), trained: false)
            out.append(tokenizer.encode(completion) + [endOfTurnID], trained: true)
        case (_, .promptCompletion(let prompt, let completion)):
            appendConversation([ChatMessage(role: .user, content: prompt), ChatMessage(role: .assistant, content: completion)], to: &out)
        case (_, .chat(let messages)):
            appendConversation(messages, to: &out)
        }
        return (out.tokens, out.mask)
    }

    /// What a model is given at inference for a single-turn task: what precedes the completion in
    /// `render`, so it then generates the completion and `endOfTurnID` exactly as in training.
    public func promptTokens(for prompt: String) -> [Int32] {
        switch format {
        case .none: return tokenizer.encode(prompt)
        case .finch: return [tokenizer.bosID] + tokenizer.encode(prompt)
        case .chatml, .llama3: return promptTokens(for: [ChatMessage(role: .user, content: prompt)])
        }
    }

    /// What a model is given at inference for a chat: the rendered messages, then the opening of
    /// the assistant's turn (`add_generation_prompt=True`). Under `none`, the messages' contents.
    public func promptTokens(for messages: [ChatMessage]) -> [Int32] {
        var out = Rendering()
        if format == .none {
            for message in messages { out.append(tokenizer.encode(message.content), trained: false) }
            return out.tokens
        }
        appendConversation(messages, to: &out)
        appendHeader(.assistant, to: &out)
        return out.tokens
    }

    // MARK: Layout

    private struct Rendering {
        var tokens: [Int32] = [], mask: [Float] = []
        mutating func append(_ ids: [Int32], trained: Bool) {
            tokens += ids
            mask += repeatElement(trained ? 1 : 0, count: ids.count)
        }
    }

    /// The conversation's turns after the format's one-time opening (finch's and llama3's bos).
    private func appendConversation(_ messages: [ChatMessage], to out: inout Rendering) {
        if format == .finch { out.append([tokenizer.bosID], trained: false) }
        if format == .llama3 { out.append([special["<|begin_of_text|>"]!], trained: false) }
        for message in messages {
            let content = format == .llama3 ? message.content.trimmingCharacters(in: .whitespacesAndNewlines) : message.content
            if message.role == .assistant {
                appendHeader(.assistant, to: &out)
                out.append(tokenizer.encode(content) + [endOfTurnID], trained: true)
            } else {
                appendHeader(message.role, content: content, to: &out)
                if format != .finch { out.append([endOfTurnID], trained: false) }
            }
            if format == .chatml { out.append(tokenizer.encode("\n"), trained: false) }
        }
    }

    /// A turn's opening, and for a turn that is not trained its content in the same text piece.
    private func appendHeader(_ role: ChatRole, content: String = "", to out: inout Rendering) {
        switch format {
        case .finch:
            out.append([tokenizer.tokenID(forSpecial: role.marker)!] + tokenizer.encode(content), trained: false)
        case .chatml:
            out.append([special["<|im_start|>"]!] + tokenizer.encode(role.rawValue + "\n" + content), trained: false)
        case .llama3:
            out.append([special["<|start_header_id|>"]!] + tokenizer.encode(role.rawValue) + [special["<|end_header_id|>"]!]
                       + tokenizer.encode("\n\n" + content), trained: false)
        case .none:
            out.append(tokenizer.encode(content), trained: false)
        }
    }
}
