import FinchEval
import Foundation
import FinchData
import FinchKernels
import FinchModel
import FinchTrain

/// Held-out metrics for SFT: mean loss on the completion tokens, and exact match of greedy
/// generations (the text the model writes after the prompt, up to its end-of-sequence token,
/// equals the reference completion).
///
/// Kept as sums so that ranks evaluating different examples can add their tallies.
public struct SFTEvalResult: Sendable {
    public var lossSum: Double
    public var weightSum: Double
    public var matches: Double
    public var examples: Double
    /// A few (prompt, reference, generated) triples to print.
    public var samples: [(prompt: String, reference: String, generated: String)]

    public var loss: Double { weightSum > 0 ? lossSum / weightSum : .nan }
    public var exactMatch: Double { examples > 0 ? matches / examples : .nan }
    var sums: [Double] { [lossSum, weightSum, matches, examples] }

    /// The same result with tallies replaced by `sums` (e.g. after adding up every rank's).
    func with(sums v: [Double]) -> SFTEvalResult {
        SFTEvalResult(lossSum: v[0], weightSum: v[1], matches: v[2], examples: v[3], samples: samples)
    }
}

/// `stopTokens`: where a generation ends (the chat template's); the reference span ends with one.
/// `generate: false` (text data) measures the loss only.
public func evaluateSFT(model: Transformer, tokenizer: any Tokenizer, stopTokens: Set<Int32>, examples: [SFTExample],
                        batchSize: Int, maxLength: Int, generate decodes: Bool = true) -> SFTEvalResult {
    guard !examples.isEmpty else { return SFTEvalResult(lossSum: 0, weightSum: 0, matches: 0, examples: 0, samples: []) }
    let pass = TrainingPass(model: model)
    var lossSum = 0.0, weightSum = 0.0, matches = 0
    var samples: [(String, String, String)] = []
    for start in stride(from: 0, to: examples.count, by: batchSize) {
        let chunk = Array(examples[start..<min(examples.count, start + batchSize)])
        let batch = TokenBatch(examples: chunk, length: .longest(cappedAt: maxLength), padID: tokenizer.padID)
        let lp = pass.forward(tokens: batch.inputs, targets: batch.targets, batch: batch.batchSize, seqLen: batch.seqLen).logprobs
        for i in 0..<lp.count {
            lossSum -= Double(batch.weights[i]) * Double(lp[i])
            weightSum += Double(batch.weights[i])
        }
        guard decodes else { continue }
        // Prompt = the tokens before the first trained one; reference = the trained span.
        let split = chunk.map { ex in ex.lossMask.firstIndex(of: 1) ?? ex.tokens.count }
        let prompts = zip(chunk, split).map { Array($0.tokens[..<$1]) }
        let references = zip(chunk, split).map { Array($0.tokens[$1...]) }
        let longest = references.map(\.count).max() ?? 1
        let outputs = generate(model: model, prompts: prompts, maxNewTokens: longest + 4, sampling: .greedy,
                               stopTokens: stopTokens, seeds: Array(repeating: 0, count: chunk.count))
        for i in 0..<chunk.count {
            if outputs[i].tokens == references[i] { matches += 1 }
            if samples.count < 3 {
                samples.append((tokenizer.decode(prompts[i]), tokenizer.decode(references[i]),
                                tokenizer.decode(outputs[i].tokens)))
            }
        }
    }
    return SFTEvalResult(lossSum: lossSum, weightSum: weightSum, matches: Double(matches),
                         examples: Double(examples.count), samples: samples)
}
