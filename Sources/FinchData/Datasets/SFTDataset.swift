import Foundation

/// A tokenized training example: the tokens and, position by position, whether the token
/// is a training target (1) or context only (0).
public struct SFTExample: Equatable, Sendable {
    public var tokens: [Int32]
    /// Same length as `tokens`; 1 where the token is a training target.
    public var lossMask: [Float]

    public init(tokens: [Int32], lossMask: [Float]) {
        precondition(tokens.count == lossMask.count, "tokens and lossMask must have the same length")
        self.tokens = tokens
        self.lossMask = lossMask
    }
}

/// Supervised fine-tuning data: JSONL records (see `SFTRecord` for the two accepted shapes)
/// rendered with `ChatTemplate` into `SFTExample`s.
///
/// Truncation rule: an example longer than `maxLength` tokens keeps its first `maxLength`
/// tokens, so the end of the completion is cut and the prompt is kept intact. If the kept
/// tokens contain no training target at all (the prompt alone fills `maxLength`), the
/// example is an error naming its file and line, since silently training on nothing hides
/// a misconfigured `maxLength`; with `dropOverlong` it is skipped instead and counted in
/// `droppedOverlongCount`.
///
/// Every malformed line is an error whose description is `"<path>:<line>: <reason>"`
/// (1-based line). Blank lines are skipped. A file with no records is an error naming it.
public struct SFTDataset: Sendable {
    public let examples: [SFTExample]
    /// How many records were skipped because `dropOverlong` was set and they had no
    /// training target left after truncation.
    public let droppedOverlongCount: Int

    init(examples: [SFTExample], droppedOverlongCount: Int) {
        self.examples = examples
        self.droppedOverlongCount = droppedOverlongCount
    }

    /// Loads and tokenizes a JSONL file.
    public init(contentsOf url: URL, tokenizer: any Tokenizer, chatFormat: ChatFormat? = nil, maxLength: Int,
                dropOverlong: Bool = false) throws {
        let source = url.path
        let numberedRecords = try readJSONLines(url).map { number, line in
            (line: number, record: try SFTRecord.parse(jsonLine: line, source: source, line: number))
        }
        try self.init(numberedRecords: numberedRecords, source: source, template: try ChatTemplate(tokenizer: tokenizer, format: chatFormat),
                      maxLength: maxLength, dropOverlong: dropOverlong)
    }

    /// Tokenizes records built in memory; errors name `source` and the 1-based record number.
    public init(records: [SFTRecord], source: String = "in-memory records", tokenizer: any Tokenizer,
                chatFormat: ChatFormat? = nil, maxLength: Int, dropOverlong: Bool = false) throws {
        for (index, record) in records.enumerated() {
            if let problem = record.problem { throw DataError(source: source, line: index + 1, reason: problem) }
        }
        try self.init(numberedRecords: records.enumerated().map { ($0.offset + 1, $0.element) }, source: source,
                      template: try ChatTemplate(tokenizer: tokenizer, format: chatFormat), maxLength: maxLength, dropOverlong: dropOverlong)
    }

    private init(numberedRecords: [(line: Int, record: SFTRecord)], source: String, template: ChatTemplate,
                 maxLength: Int, dropOverlong: Bool) throws {
        // Two tokens is the least that gives one (input, target) pair.
        guard maxLength >= 2 else { throw DataError(source: source, reason: "maxLength is \(maxLength), must be at least 2") }
        guard !numberedRecords.isEmpty else { throw DataError(source: source, reason: "contains no records") }

        var examples: [SFTExample] = []
        var dropped = 0
        for (line, record) in numberedRecords {
            let rendered: (tokens: [Int32], lossMask: [Float])
            do { rendered = try template.render(record) } catch let error as DataError {
                throw DataError(source: source, line: line, reason: error.reason)
            }
            let keptMask = Array(rendered.lossMask.prefix(maxLength))
            guard keptMask.contains(where: { $0 > 0 }) else {
                if dropOverlong {
                    dropped += 1
                    continue
                }
                throw DataError(source: source, line: line,
                                reason: "the prompt fills maxLength (\(maxLength) tokens), leaving nothing to train on; raise maxLength or set dropOverlong")
            }
            examples.append(SFTExample(tokens: Array(rendered.tokens.prefix(maxLength)), lossMask: keptMask))
        }
        guard !examples.isEmpty else {
            throw DataError(source: source, reason: "all \(dropped) records were dropped as longer than maxLength (\(maxLength) tokens)")
        }
        self.examples = examples
        self.droppedOverlongCount = dropped
    }
}
