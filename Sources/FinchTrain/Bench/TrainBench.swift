import Foundation
import FinchKernels
import FinchModel

public struct TrainBenchResult: Codable, Sendable {
    public let preset: String
    public let threads: Int
    public let ms_per_step: Double
    public let tokens_per_s: Double
    public let mfu: Double
    public let first_loss: Double
    public let last_loss: Double
}

/// Times full training steps (forward, cross-entropy, backward, AdamW) on random tokens, the
/// same work per step as the PyTorch reference script: median over `steps` after `warmup`.
public func benchTrain(preset: BenchPreset, steps: Int = 20, warmup: Int = 3) throws -> TrainBenchResult {
    let model = try Transformer(config: preset.config, seed: 0)
    let pass = TrainingPass(model: model)
    let opt = AdamW(model: model, config: AdamWConfig(beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1))
    let B = preset.batch, T = preset.seqLen, N = B * T
    var rng = RNG(seed: 0)
    let x = (0..<N).map { _ in Int32(rng.below(preset.config.vocabSize)) }
    let y = (0..<N).map { _ in Int32(rng.below(preset.config.vocabSize)) }
    let weights = [Float](repeating: 1, count: N)
    var dlp = [Float](repeating: 0, count: N)
    var times: [Double] = [], losses: [Double] = []
    for i in 0..<(warmup + steps) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        model.grads.zero()
        let lp = pass.forward(tokens: x, targets: y, batch: B, seqLen: T).logprobs
        let loss = lp.withUnsafeBufferPointer { l in
            weights.withUnsafeBufferPointer { w in
                dlp.withUnsafeMutableBufferPointer { d in
                    crossEntropyLoss(logprobs: l.baseAddress!, weights: w.baseAddress!, dlogprobs: d.baseAddress!, N: N).loss
                }
            }
        }
        pass.backward(dlogprobs: dlp)
        opt.update(lr: 1e-3)
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        if i >= warmup { times.append(dt); losses.append(loss) }
    }
    let median = times.sorted()[times.count / 2]
    let tokensPerS = Double(N) / median
    let mfu = model.trainingFlopsPerToken(seqLen: T) * tokensPerS / (peakFlopsPerCore * Double(KernelThreads.count))
    return TrainBenchResult(preset: preset.name, threads: KernelThreads.count, ms_per_step: median * 1e3,
                            tokens_per_s: tokensPerS, mfu: mfu, first_loss: losses.first!, last_loss: losses.last!)
}
