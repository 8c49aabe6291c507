import FinchAlgorithms
import FinchTrain
import Foundation
import FinchKernels
import FinchModel

public struct DecodeBenchResult: Codable, Sendable {
    public let preset: String
    public let threads: Int
    public let batch: Int
    /// Weights the products read: "fp32" (the model's own) or "bf16" (a copy made before timing).
    public let precision: String
    public let prompt_tokens: Int
    public let new_tokens: Int
    /// Generated tokens per second over the whole call, prefill included.
    public let tokens_per_s: Double
}

/// Greedy KV-cache decoding of `newTokens` tokens (by default 128, or as many as the context
/// leaves, as the PyTorch reference script does) after a random `promptTokens`-token prompt,
/// at the given batch size; the median of `reps` runs after one warm-up run. A BF16 copy of the
/// weights is made once, before the runs (as a model is converted once when it is loaded).
public func benchDecode(preset: BenchPreset, batch: Int, precision: DecodePrecision = .fp32, promptTokens: Int = 16,
                        newTokens: Int? = nil, reps: Int = 5) throws -> DecodeBenchResult {
    let newTokens = newTokens ?? min(128, preset.config.maxPositions - promptTokens)
    let model = try Transformer(config: preset.config, seed: 0)
    let forward = IncrementalForward(model: model, precision: precision)
    var rng = RNG(seed: 1)
    let prompts = (0..<batch).map { _ in (0..<promptTokens).map { _ in Int32(rng.below(preset.config.vocabSize)) } }
    var times: [Double] = []
    for r in 0...reps {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let out = generate(with: forward, prompts: prompts, maxNewTokens: newTokens, sampling: .greedy,
                           stopTokens: [], seeds: Array(repeating: 0, count: batch))
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        precondition(out.allSatisfy { $0.tokens.count == newTokens })
        if r > 0 { times.append(dt) }
    }
    let median = times.sorted()[times.count / 2]
    return DecodeBenchResult(preset: preset.name, threads: KernelThreads.count, batch: batch, precision: precision.rawValue, prompt_tokens: promptTokens,
                             new_tokens: newTokens, tokens_per_s: Double(batch * newTokens) / median)
}
