import XCTest
import FinchKernels
@testable import FinchModel

/// KV-cache decoding must compute the same distribution as the full (training) forward pass.
final class CachedDecodingTests: XCTestCase {
    /// The two paths sum in different orders (sgemm over the whole batch, one-row products and
    /// the single-query kernel when decoding), so they agree to rounding, not to the bit. A
    /// log-probability's rounding is absolute (a relative error of p) and of the order of u times
    /// the logits' Σ|terms|, small at these widths: |Δ log p| < 1e-4 leaves ≥ 200× over what
    /// OpenBLAS's Haswell and Prescott kernels give (≤ 4.8e-7); a wrong cache slot moves log p
    /// by ~0.1 or more.
    func testCachedDecodingMatchesFullForward() throws {
        for (name, config) in TinyConfigs.all {
            let model = try Transformer(config: config, seed: 11)
            let V = config.vocabSize, T = 9, B = 2
            var rng = RNG(seed: 5)
            let tokens = randomTokens(B * T, vocab: V, rng: &rng)
            let targets = randomTokens(B * T, vocab: V, rng: &rng)
            let full = TrainingPass(model: model).forward(tokens: tokens, targets: targets, batch: B, seqLen: T).logprobs

            // Prefill 4 tokens of row 0 and 2 of row 1 (right-padded), then one token at a time.
            let cache = KVCache(config: config, batch: B, capacity: T)
            let inc = IncrementalForward(model: model)
            var pos = [4, 2]
            var chunk = [Int32](repeating: 0, count: B * 4)
            for b in 0..<B { for i in 0..<pos[b] { chunk[b * 4 + i] = tokens[b * T + i] } }
            var logits = inc.step(tokens: chunk, counts: pos, cache: cache)
            var maxDiff: Float = 0
            while pos.allSatisfy({ $0 <= T }) {
                for b in 0..<B {
                    let n = b * T + pos[b] - 1
                    let lp = logSoftmax(Array(logits[(b * V)..<((b + 1) * V)]))[Int(targets[n])]
                    maxDiff = max(maxDiff, abs(lp - full[n]))
                }
                if pos.contains(T) { break }
                logits = inc.step(tokens: (0..<B).map { tokens[$0 * T + pos[$0]] }, counts: [1, 1], cache: cache)
                pos = pos.map { $0 + 1 }
            }
            print("cached vs full forward (\(name)): max |Δ log p| \(maxDiff)")
            XCTAssertLessThan(maxDiff, 1e-4, name)
            XCTAssertEqual(cache.lengths, pos)
        }
    }

    func testGreedyGenerationIsBatchIndependentAndSeeded() throws {
        let model = try Transformer(config: TinyConfigs.gpt2, seed: 2)
        let prompts: [[Int32]] = [[1, 2, 3], [4, 5], [6, 7, 8, 9]]
        let sampling = SamplingParams(temperature: 1, topK: 10, topP: 0.9)
        let together = generate(model: model, prompts: prompts, maxNewTokens: 6, sampling: sampling,
                                stopTokens: [], seeds: [10, 20, 30])
        for i in 0..<prompts.count {
            let alone = generate(model: model, prompts: [prompts[i]], maxNewTokens: 6, sampling: sampling,
                                 stopTokens: [], seeds: [[10, 20, 30][i]])
            XCTAssertEqual(alone[0].tokens, together[i].tokens)
            XCTAssertEqual(alone[0].finish, .length)
            for (a, b) in zip(alone[0].logprobs, together[i].logprobs) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        }
        let stop = generate(model: model, prompts: [[1, 2, 3]], maxNewTokens: 6, sampling: .greedy,
                            stopTokens: [], seeds: [0])[0]
        let first = stop.tokens[0]
        let stopped = generate(model: model, prompts: [[1, 2, 3]], maxNewTokens: 6, sampling: .greedy,
                               stopTokens: [first], seeds: [0])[0]
        XCTAssertEqual(stopped.tokens, [first])
        XCTAssertEqual(stopped.finish, .stop)
        // A stop sequence ends the output right after its last token, wherever it falls.
        let sequence = Array(stop.tokens[2...3])
        let bySequence = generate(model: model, prompts: [[1, 2, 3]], maxNewTokens: 6, sampling: .greedy,
                                  stopTokens: [], stopSequences: [sequence], seeds: [0])[0]
        XCTAssertEqual(bySequence.finish, .stop)
        XCTAssertTrue(bySequence.tokens.ends(with: sequence))
        XCTAssertEqual(bySequence.tokens, Array(stop.tokens.prefix(bySequence.tokens.count)))
        XCTAssertLessThanOrEqual(bySequence.tokens.count, 4)
    }

    /// Rows leave the batch as their sequences end (a stop token, a stop sequence, max new tokens,
    /// the context limit), and the KV cache is compacted around them: every sequence must still
    /// get exactly what it gets decoded alone, in both precisions.
    func testRowsThatFinishLeaveTheBatchWithoutChangingTheOthers() throws {
        for precision in DecodePrecision.allCases {
            let model = try Transformer(config: TinyConfigs.qwen2, seed: 3)
            // A 13-token prompt reaches the 16-position context after 3 tokens; the others run longer.
            let prompts: [[Int32]] = [[1, 2, 3], Array(0..<13).map { Int32($0 % 23) }, [4, 5], [6, 7, 8, 9], [10], [11, 12]]
            let sampling = SamplingParams(temperature: 1)
            let seeds: [UInt64] = [1, 2, 3, 4, 5, 6]
            let free = generate(model: model, prompts: prompts, maxNewTokens: 8, sampling: sampling, stopTokens: [],
                                seeds: seeds, precision: precision)
            // Stop row 0 at its 2nd token, row 3 at its 5th (by sequence), the others run to the end.
            let stopTokens: Set<Int32> = [free[0].tokens[1]]
            let stopSequences = [Array(free[3].tokens[3...4])]
            let together = generate(model: model, prompts: prompts, maxNewTokens: 8, sampling: sampling,
                                    stopTokens: stopTokens, stopSequences: stopSequences, seeds: seeds, precision: precision)
            XCTAssertEqual(together[1].tokens.count, 3, "context limit")
            XCTAssertEqual(together[1].finish, .length)
            XCTAssertLessThanOrEqual(together[0].tokens.count, 2)
            XCTAssertEqual(together[0].finish, .stop)
            XCTAssertLessThanOrEqual(together[3].tokens.count, 5)
            XCTAssertEqual(together[3].finish, .stop)
            XCTAssertTrue(together.contains { $0.tokens.count == 8 && $0.finish == .length })
            for i in prompts.indices {
                let alone = generate(model: model, prompts: [prompts[i]], maxNewTokens: 8, sampling: sampling,
                                     stopTokens: stopTokens, stopSequences: stopSequences, seeds: [seeds[i]],
                                     precision: precision)[0]
                XCTAssertEqual(alone.tokens, together[i].tokens, "\(precision) row \(i)")
                XCTAssertEqual(alone.finish, together[i].finish, "\(precision) row \(i)")
                for (a, b) in zip(alone.logprobs, together[i].logprobs) { XCTAssertEqual(a, b, accuracy: 1e-4) }
            }
        }
    }
}

func logSoftmax(_ x: [Float]) -> [Float] {
    let m = x.max()!
    let z = Float(log(x.reduce(0.0) { $0 + exp(Double($1 - m)) }))
    return x.map { $0 - m - z }
}
