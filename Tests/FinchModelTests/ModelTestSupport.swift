import FinchKernels
@testable import FinchModel

/// Tiny configs for both families, small enough for finite differences in a debug build.
enum TinyConfigs {
    static let gpt2 = ModelConfig(family: .gpt2, vocabSize: 23, hiddenSize: 16, numLayers: 2, numHeads: 4,
                                  maxPositions: 16)
    /// GQA (4 query heads over 2 kv heads), q/k/v bias, untied head.
    static let qwen2 = ModelConfig(family: .qwen2, vocabSize: 23, hiddenSize: 16, numLayers: 2, numHeads: 4,
                                   numKVHeads: 2, intermediateSize: 24, maxPositions: 16, tieWordEmbeddings: false)
    static let llamaTied = ModelConfig(family: .llama, vocabSize: 23, hiddenSize: 16, numLayers: 1, numHeads: 2,
                                       numKVHeads: 1, intermediateSize: 20, maxPositions: 16, tieWordEmbeddings: true)
    static let all = [("gpt2", gpt2), ("qwen2", qwen2), ("llama-tied", llamaTied)]
}

func randomTokens(_ n: Int, vocab: Int, rng: inout RNG) -> [Int32] {
    (0..<n).map { _ in Int32(rng.below(vocab)) }
}

/// One forward pass and the backward of its weighted mean cross-entropy (`crossEntropyLoss`),
/// accumulating into the model's (or its adapters') gradients.
func backpropagateBatchLoss(_ pass: TrainingPass, tokens: [Int32], targets: [Int32], weights: [Float], B: Int, T: Int) {
    let lp = pass.forward(tokens: tokens, targets: targets, batch: B, seqLen: T).logprobs
    var dlp = [Float](repeating: 0, count: B * T)
    _ = lp.withUnsafeBufferPointer { l in
        weights.withUnsafeBufferPointer { w in
            dlp.withUnsafeMutableBufferPointer { d in
                crossEntropyLoss(logprobs: l.baseAddress!, weights: w.baseAddress!, dlogprobs: d.baseAddress!, N: B * T)
            }
        }
    }
    pass.backward(dlogprobs: dlp)
}

/// Cross-entropy of the model on a batch, in Double, from a fresh forward pass.
func batchLoss(_ pass: TrainingPass, tokens: [Int32], targets: [Int32], weights: [Float], B: Int, T: Int) -> Double {
    let lp = pass.forward(tokens: tokens, targets: targets, batch: B, seqLen: T).logprobs
    var s = 0.0, w = 0.0
    for i in 0..<lp.count { s -= Double(weights[i]) * Double(lp[i]); w += Double(weights[i]) }
    return s / w
}
