import XCTest
import FinchKernels
@testable import FinchModel

/// Decoding with a BF16 copy of the matrices (`DecodePrecision.bf16`).
final class BF16DecodingTests: XCTestCase {
    /// Feeds `tokens` [T] one at a time (after a 3-token prefill) and returns the log-prob of each
    /// next token in `targets` from position 2 on.
    func cachedLogprobs(_ model: Transformer, precision: DecodePrecision, tokens: [Int32], targets: [Int32]) -> [Float] {
        let T = tokens.count
        let inc = IncrementalForward(model: model, precision: precision)
        let cache = inc.makeCache(batch: 1, capacity: T)
        var logits = inc.step(tokens: Array(tokens[0..<3]), counts: [3], cache: cache)
        var out: [Float] = []
        for t in 3...T {
            out.append(logSoftmax(logits)[Int(targets[t - 1])])
            if t < T { logits = inc.step(tokens: [tokens[t]], counts: [1], cache: cache) }
        }
        return out
    }

    /// BF16 weights and keys/values move the log-probs by about their rounding (2⁻⁸ relative),
    /// far less than the log-probs differ between tokens; a product reading the wrong panel or
    /// bias, or attention reading the wrong cache slot, moves them by about that spread. Weights
    /// are scaled up from init (where the logits hardly vary) and biases made non-zero, so that
    /// every tensor the BF16 block reads matters.
    func testStaysCloseToFP32() throws {
        for (name, config) in TinyConfigs.all {
            let model = try Transformer(config: config, seed: 22)
            var rng = RNG(seed: 7)
            for view in model.layout.views {
                for i in view.offset..<(view.offset + view.count) {
                    model.params[i] = view.name.hasSuffix("bias") ? 0.5 * rng.normal() : 5 * model.params[i]
                }
            }
            let tokens = randomTokens(12, vocab: config.vocabSize, rng: &rng)
            let targets = randomTokens(12, vocab: config.vocabSize, rng: &rng)
            let fp32 = cachedLogprobs(model, precision: .fp32, tokens: tokens, targets: targets)
            let bf16 = cachedLogprobs(model, precision: .bf16, tokens: tokens, targets: targets)
            let diff = zip(fp32, bf16).map { abs($0 - $1) }.max()!, spread = fp32.max()! - fp32.min()!
            print("bf16 vs fp32 decoding (\(name)): max |Δ log p| \(diff), spread of log p \(spread)")
            XCTAssertGreaterThan(diff, 0, "\(name): BF16 should round something")
            XCTAssertLessThan(diff, 0.05 * spread, name)
        }
    }

    /// The copy is taken when the decoder is made: later weight updates are not seen by it.
    func testCopyIsASnapshot() throws {
        let model = try Transformer(config: TinyConfigs.gpt2, seed: 23)
        let inc = IncrementalForward(model: model, precision: .bf16)
        let before = inc.step(tokens: [1, 2], counts: [2], cache: inc.makeCache(batch: 1, capacity: 4))
        let w = model.layers[0].fcW
        for i in 0..<(model.dims.C * model.dims.fc) { model.params[w + i] = 0 }
        let after = inc.step(tokens: [1, 2], counts: [2], cache: inc.makeCache(batch: 1, capacity: 4))
        XCTAssertEqual(before, after)
        let fresh = IncrementalForward(model: model, precision: .bf16)
            .step(tokens: [1, 2], counts: [2], cache: inc.makeCache(batch: 1, capacity: 4))
        XCTAssertNotEqual(before, fresh)
    }
}
