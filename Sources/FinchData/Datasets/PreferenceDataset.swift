import Foundation

/// One tokenised preference: the answers to one prompt, each rendered as a full sequence
/// (prompt, answer, `<|eos|>`) with a loss mask on the answer, and which answer was preferred.
/// A pairwise record is a group of two whose best is the first (`chosen`).
public struct PreferenceGroup: Equatable, Sendable {
    /// One per answer; `lossMask` is 1 on the answer's tokens and its `<|eos|>`.
    public var answers: [SFTExample]
    public var best: Int
    public var margin: Double
    /// The prompt's text, for logging.
    public var prompt: String

    /// The (preferred, other) index pairs the group implies: best against each other answer.
    public var pairs: [(chosen: Int, rejected: Int)] {
        answers.indices.filter { $0 != best }.map { (best, $0) }
    }
}

/// Preference data for reward models and DPO: the JSONL records `PreferenceRecord` reads,
/// rendered with `ChatTemplate` exactly as SFT renders a prompt and its completion, so a
/// reward model or DPO run starting from an SFT policy sees the layout that policy learned.
///
/// An answer given as messages must be a single assistant turn (TRL's conversational form).
/// Sequences longer than `maxLength` keep their first `maxLength` tokens; a prompt that fills
/// `maxLength` by itself is an error naming the line (or, with `dropOverlong`, skipped).
public struct PreferenceDataset: Sendable {
    public let groups: [PreferenceGroup]
    public let droppedOverlongCount: Int
    /// How many answers lost tokens to `maxLength`.
    public let truncatedCount: Int

    public init(contentsOf url: URL, tokenizer: any Tokenizer, chatFormat: ChatFormat? = nil, maxLength: Int,
                dropOverlong: Bool = false) throws {
        let records = try readJSONLines(url).map { number, line in
            (number, try PreferenceRecord.parse(jsonLine: line, source: url.path, line: number))
        }
        try self.init(numbered: records, source: url.path, template: try ChatTemplate(tokenizer: tokenizer, format: chatFormat),
                      maxLength: maxLength, dropOverlong: dropOverlong)
    }

    public init(records: [PreferenceRecord], source: String = "in-memory records", tokenizer: any Tokenizer,
                maxLength: Int, dropOverlong: Bool = false) throws {
        try self.init(numbered: records.enumerated().map { ($0.offset + 1, $0.element) }, source: source,
                      template: try ChatTemplate(tokenizer: tokenizer), maxLength: maxLength, dropOverlong: dropOverlong)
    }

    private init(numbered: [(Int, PreferenceRecord)], source: String, template: ChatTemplate, maxLength: Int,
                 dropOverlong: Bool) throws {
        guard maxLength >= 2 else { throw DataError(source: source, reason: "maxLength is \(maxLength), must be at least 2") }
        guard !numbered.isEmpty else { throw DataError(source: source, reason: "contains no records") }
        let tokenizer = template.tokenizer
        var groups: [PreferenceGroup] = [], dropped = 0, truncated = 0
        for (line, record) in numbered {
            func fail(_ reason: String) -> DataError { DataError(source: source, line: line, reason: reason) }
            let promptTokens: [Int32], promptText: String
            switch record.prompt {
            case .plain(let text): (promptTokens, promptText) = (template.promptTokens(for: text), text)
            case .messages(let messages):
                promptTokens = template.promptTokens(for: messages)
                promptText = messages.map(\.content).joined(separator: "\n")
            }
            guard promptTokens.count < maxLength else {
                if dropOverlong { dropped += 1; continue }
                throw fail("the prompt fills maxLength (\(maxLength) tokens), leaving no answer to score; raise maxLength or set dropOverlong")
            }
            let (texts, best): ([PreferenceRecord.Text], Int)
            switch record.choice {
            case let .pairwise(chosen, rejected): (texts, best) = ([chosen, rejected], 0)
            case let .bestOfN(completions, index): (texts, best) = (completions, index)
            }
            let keys = record.choice.answerKeys
            let answers = try zip(texts, keys).map { text, key -> SFTExample in
                let content: String
                switch text {
                case .plain(let string): content = string
                case .messages(let messages):
                    guard messages.count == 1, let only = messages.first, only.role == .assistant else {
                        throw fail("\"\(key)\" must be one assistant message (got \(messages.map(\.role.rawValue)))")
                    }
                    content = only.content
                }
                let answer = tokenizer.encode(content) + [template.endOfTurnID]
                let tokens = promptTokens + answer
                if tokens.count > maxLength { truncated += 1 }
                let mask = [Float](repeating: 0, count: promptTokens.count) + [Float](repeating: 1, count: answer.count)
                return SFTExample(tokens: Array(tokens.prefix(maxLength)), lossMask: Array(mask.prefix(maxLength)))
            }
            groups.append(PreferenceGroup(answers: answers, best: best, margin: record.margin ?? 0, prompt: promptText))
        }
        guard !groups.isEmpty else {
            throw DataError(source: source, reason: "all \(dropped) records were dropped as longer than maxLength (\(maxLength) tokens)")
        }
        (self.groups, droppedOverlongCount, truncatedCount) = (groups, dropped, truncated)
    }

    /// Every (preferred, other) pair of every group, in file order: what DPO trains on.
    public var pairs: [(group: Int, chosen: Int, rejected: Int)] {
        groups.enumerated().flatMap { g, group in group.pairs.map { (g, $0.chosen, $0.rejected) } }
    }
}

extension PreferenceRecord.Choice {
    /// The JSON key of each answer, for error messages.
    var answerKeys: [String] {
        switch self {
        case .pairwise: return ["chosen", "rejected"]
        case .bestOfN(let completions, _): return completions.indices.map { "completions[\($0)]" }
        }
    }
}
