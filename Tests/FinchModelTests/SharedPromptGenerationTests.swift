import XCTest
@testable import FinchModel

/// Answers to one prompt share its prefill (its cache row is copied to each answer): they must
/// be the answers each would get decoded alone, in FP32 and in BF16.
final class SharedPromptGenerationTests: XCTestCase {
    func testSharedPrefillGivesTheAnswersOfSeparateDecoding() throws {
        let config = ModelConfig(family: .llama, vocabSize: 64, hiddenSize: 32, numLayers: 2, numHeads: 4, numKVHeads: 2,
                                 maxPositions: 40)
        let model = try Transformer(config: config, seed: 4)
        let a: [Int32] = [1, 5, 9, 13, 17, 21], b: [Int32] = [2, 6, 10]
        let prompts = [a, a, a, b, b, a]
        let seeds: [UInt64] = [11, 12, 13, 14, 15, 16]
        for precision in DecodePrecision.allCases {
            let decoder = IncrementalForward(model: model, precision: precision)
            let together = generate(with: decoder, prompts: prompts, maxNewTokens: 12, sampling: SamplingParams(temperature: 1),
                                    stopTokens: [0], seeds: seeds)
            var worst: Float = 0
            for (i, prompt) in prompts.enumerated() {
                let alone = generate(with: decoder, prompts: [prompt], maxNewTokens: 12, sampling: SamplingParams(temperature: 1),
                                     stopTokens: [0], seeds: [seeds[i]])[0]
                XCTAssertEqual(together[i].tokens, alone.tokens, "\(precision) answer \(i)")
                XCTAssertEqual(together[i].finish, alone.finish)
                worst = max(worst, zip(together[i].logprobs, alone.logprobs).map { abs($0 - $1) }.max() ?? 0)
            }
            print("shared prefill (\(precision)): max |Δ log p| against decoding each answer alone \(worst)")
            XCTAssertLessThan(worst, 1e-4)
        }
    }
}
