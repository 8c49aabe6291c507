import Foundation

/// Lays out an `SFTRecord` as tokens and marks which tokens the model is trained to predict.
///
/// The template, exactly:
/// - prompt/completion: `<|bos|>` prompt completion `<|eos|>`
///   (no markers: the prompt's own text, e.g. `"4821+0375="`, ends where the answer starts);
/// - chat: `<|bos|>`, then for each message its role marker (`<|system|>`, `<|user|>` or
///   `<|assistant|>`) followed by the content, and after each assistant content an `<|eos|>`.
///
/// The loss mask is 1 on completion tokens and on assistant content tokens, including the
/// `<|eos|>` that ends each assistant turn (so the model learns when to stop), and 0 on
/// `<|bos|>`, prompts, system and user content, and every role marker: the model is taught to
/// answer, not to imitate its users.
///
/// Content is encoded with `Tokenizer.encode`, which never yields special ids, so text in the
/// data cannot forge a turn boundary.
public struct ChatTemplate: Sendable {
    public let tokenizer: any Tokenizer
    private let markerIDs: [ChatRole: Int32]

    /// Fails if the tokenizer lacks a role marker, naming the missing token.
    public init(tokenizer: any Tokenizer) throws {
        var markers: [ChatRole: Int32] = [:]
        for role in ChatRole.allCases {
            guard let id = tokenizer.tokenID(forSpecial: role.marker) else {
                throw DataError(source: "tokenizer", reason: "has no special token \(role.marker) needed by the chat template")
            }
            markers[role] = id
        }
        self.tokenizer = tokenizer
        self.markerIDs = markers
    }

    /// The full token sequence of `record` and its loss mask (same length, 1 = trained target).
    public func render(_ record: SFTRecord) -> (tokens: [Int32], lossMask: [Float]) {
        var tokens: [Int32] = [tokenizer.bosID]
        var mask: [Float] = [0]
        func append(_ ids: [Int32], trained: Bool) {
            tokens += ids
            mask += repeatElement(trained ? 1 : 0, count: ids.count)
        }
        switch record {
        case .promptCompletion(let prompt, let completion):
            append(tokenizer.encode(prompt), trained: false)
            append(tokenizer.encode(completion) + [tokenizer.eosID], trained: true)
        case .chat(let messages):
            for message in messages {
                append([markerIDs[message.role]!], trained: false)
                if message.role == .assistant {
                    append(tokenizer.encode(message.content) + [tokenizer.eosID], trained: true)
                } else {
                    append(tokenizer.encode(message.content), trained: false)
                }
            }
        }
        return (tokens, mask)
    }

    /// What a model is given at inference for a single-turn task: `<|bos|>` prompt. It should
    /// then generate the completion and `<|eos|>`, exactly as in training.
    public func promptTokens(for prompt: String) -> [Int32] {
        [tokenizer.bosID] + tokenizer.encode(prompt)
    }

    /// What a model is given at inference for a chat: the rendered messages followed by an
    /// `<|assistant|>` marker, after which it should write the reply and `<|eos|>`.
    public func promptTokens(for messages: [ChatMessage]) -> [Int32] {
        var tokens: [Int32] = [tokenizer.bosID]
        for message in messages {
            tokens.append(markerIDs[message.role]!)
            tokens += tokenizer.encode(message.content)
            if message.role == .assistant { tokens.append(tokenizer.eosID) }
        }
        return tokens + [markerIDs[.assistant]!]
    }
}
