import FinchData
import FinchModel
import Foundation

/// log p(token t+1 | tokens ≤ t) under a model: what `finch score` prints and perplexity sums.
///
/// A sequence longer than the model's context is read in windows of `maxPositions` tokens, each
/// starting at the last token of the one before, so every token after the first is scored exactly
/// once, with the context restarting at each window (as lm-evaluation-harness's disjoint windows do).
public struct NextTokenScorer {
    public let model: Transformer
    private let pass: TrainingPass

    public init(model: Transformer) {
        self.model = model
        pass = TrainingPass(model: model)
    }

    /// One log-prob per token after the first: `ids.count − 1` values (none for a single token).
    /// Every id must lie below the vocabulary size (callers check, naming their input).
    public func logProbs(_ ids: [Int32]) -> [Float] {
        guard ids.count >= 2 else { return [] }
        let window = model.config.maxPositions
        var scores: [Float] = []
        scores.reserveCapacity(ids.count - 1)
        var start = 0
        while start < ids.count - 1 {
            let end = min(start + window, ids.count)
            let tokens = Array(ids[start..<end - 1]), targets = Array(ids[start + 1..<end])
            scores += pass.forward(tokens: tokens, targets: targets, batch: 1, seqLen: tokens.count).logprobs
            start = end - 1
        }
        return scores
    }

    /// Why `ids` cannot be scored, or nil: empty, or an id outside the vocabulary (with its index).
    public func problem(with ids: [Int32]) -> String? {
        if ids.isEmpty { return "an empty sequence has nothing to score" }
        if let bad = ids.firstIndex(where: { $0 < 0 || Int($0) >= model.config.vocabSize }) {
            return "id \(ids[bad]) at index \(bad) is outside the vocabulary (0..<\(model.config.vocabSize))"
        }
        return nil
    }
}

/// Per-token loss and perplexity of texts, each read as `bos` + its tokens, so the first token
/// of every text is scored too.
public struct PerplexityReport: Codable, Equatable, Sendable {
    public var texts: Int
    /// Tokens scored (the text's tokens, not the `bos` each is given).
    public var tokens: Int
    /// UTF-8 bytes of the texts, for bits per byte, which compares tokenizers.
    public var bytes: Int
    /// Mean negative log-likelihood per token, in nats.
    public var loss: Double
    public var perplexity: Double { exp(loss) }
    public var bitsPerByte: Double { bytes > 0 ? loss * Double(tokens) / (Double(bytes) * log(2)) : 0 }

    public init(scorer: NextTokenScorer, tokenizer: any Tokenizer, texts: [String]) {
        var total = 0.0, tokens = 0
        for text in texts {
            let scores = scorer.logProbs([tokenizer.bosID] + tokenizer.encode(text))
            total -= scores.reduce(0.0) { $0 + Double($1) }
            tokens += scores.count
        }
        self.texts = texts.count
        self.tokens = tokens
        bytes = texts.reduce(0) { $0 + $1.utf8.count }
        loss = tokens > 0 ? total / Double(tokens) : 0
    }

    public var summary: String {
        String(format: "%d texts, %d tokens: loss %.4f nats/token, perplexity %.3f, %.4f bits/byte",
               texts, tokens, loss, perplexity, bitsPerByte)
    }
}
