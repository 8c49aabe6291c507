import FinchData
import FinchEval
import FinchModel
import FinchTestSupport
import Foundation
import XCTest

/// `finch score` and `finch eval --perplexity` against transformers: the log-probs of the
/// committed golden sequences, computed here in Float64 from transformers' own logits.
final class NextTokenScoringTests: XCTestCase {
    private struct Golden: Decodable {
        let tokens: [[Int32]]
        let logits: [[[Double]]]
    }

    func testLogProbsMatchTransformersForEveryFamily() throws {
        for family in ["gpt2", "llama", "qwen2"] {
            let dir = goldenFixture("hf-golden/\(family)")
            let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: dir.appendingPathComponent("transformers-logits.json")))
            let scorer = NextTokenScorer(model: try loadModel(dir))
            var worst = 0.0
            for (row, ids) in golden.tokens.enumerated() {
                let scores = scorer.logProbs(ids)
                XCTAssertEqual(scores.count, ids.count - 1)
                for t in 0..<ids.count - 1 {
                    let logits = golden.logits[row][t], top = logits.max()!
                    let expected = logits[Int(ids[t + 1])] - (top + log(logits.reduce(0) { $0 + exp($1 - top) }))
                    worst = max(worst, abs(Double(scores[t]) - expected))
                }
            }
            print("\(family): max |Δ log p| against transformers \(worst)")
            XCTAssertLessThan(worst, 1e-5, family)
        }
    }

    /// Past the context (16 positions here), windows restart at the last token scored, so the
    /// scores are those of the windows read separately and every token is scored once.
    func testLongSequencesAreScoredInWindowsThatShareOneToken() throws {
        let scorer = NextTokenScorer(model: try loadModel(goldenFixture("hf-golden/gpt2")))
        let ids: [Int32] = (0..<40).map { Int32(($0 * 37 + 11) % 262) }
        let whole = scorer.logProbs(ids)
        XCTAssertEqual(whole.count, 39)
        let windows = [scorer.logProbs(Array(ids[0..<16])), scorer.logProbs(Array(ids[15..<31])), scorer.logProbs(Array(ids[30..<40]))]
        XCTAssertEqual(whole, windows.flatMap { $0 })
        XCTAssertEqual(scorer.logProbs([5]), [])
        XCTAssertNotNil(scorer.problem(with: []))
        XCTAssertEqual(scorer.problem(with: [1, 272]), "id 272 at index 1 is outside the vocabulary (0..<272)")
        XCTAssertNil(scorer.problem(with: [1, 271]))
    }

    func testPerplexityIsTheExponentOfTheMeanLossOverTokensAfterBOS() throws {
        let model = try loadModel(goldenFixture("hf-golden/gpt2"))
        let scorer = NextTokenScorer(model: model), tokenizer = ByteTokenizer()
        let texts = ["Finch!", "two words"]
        let report = PerplexityReport(scorer: scorer, tokenizer: tokenizer, texts: texts)
        let all = texts.flatMap { scorer.logProbs([tokenizer.bosID] + tokenizer.encode($0)) }
        XCTAssertEqual(report.tokens, 15)
        XCTAssertEqual(report.bytes, 15)
        XCTAssertEqual(report.loss, -all.reduce(0.0) { $0 + Double($1) } / 15, accuracy: 1e-12)
        XCTAssertEqual(report.perplexity, exp(report.loss), accuracy: 1e-9)
        XCTAssertEqual(report.bitsPerByte, report.loss / log(2), accuracy: 1e-12)  // one token a byte
    }

    private func loadModel(_ dir: URL) throws -> Transformer {
        let config = try JSONDecoder().decode(ModelConfig.self, from: Data(contentsOf: dir.appendingPathComponent("config.json")))
        let model = try Transformer(config: config)
        try model.load(model.params, from: try ModelWeights.open(directory: dir))
        return model
    }
}
