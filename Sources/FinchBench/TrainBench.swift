import FinchAlgorithms
import FinchTrain
import Foundation
import FinchKernels
import FinchModel

public struct TrainBenchResult: Codable, Sendable {
    public let preset: String
    public let ranks: Int
    public let threads: Int
    public let ms_per_step: Double
    public let tokens_per_s: Double
    public let mfu: Double
    /// Time per step the gradient all-reduce took after the backward pass ended (all of it when
    /// it is not overlapped with backward), and its share of the step; 0 on one rank.
    public let sync_ms: Double
    public let sync_fraction: Double
    /// Whether the buckets were all-reduced during the backward pass (`distributed.overlap_grad_sync`).
    public let overlap_sync: Bool
    public let first_loss: Double
    public let last_loss: Double
    /// Parameters the optimiser updates (all of them, or the LoRA adapters'), and the bytes of their
    /// gradients and AdamW moments (3 floats each).
    public let trained_parameters: Int
    public let optimizer_state_bytes: Int
    /// The process's peak resident memory (VmHWM) when the bench ends: weights, activations, all.
    public let peak_rss_bytes: Int
    /// e.g. "r 8 on c_attn" with LoRA, nil for full fine-tuning.
    public let lora: String?
}

/// Times full training steps (forward, cross-entropy, backward, gradient all-reduce, AdamW) on
/// random tokens: the same work per step as the PyTorch reference script, median over `steps`
/// after `warmup`. On several ranks the preset's batch is split between them (data parallel),
/// so tokens/s compares directly with one rank; MFU counts every rank's cores. With `lora` the
/// base is frozen and only adapters train: its matrices then need no weight gradients, so a
/// token costs 4·N matmul FLOPs instead of 6·N.
public func benchTrain(preset: BenchPreset, world: TrainingWorld = .single(), steps: Int = 20,
                       warmup: Int = 3, lora: LoRAConfig? = nil) throws -> TrainBenchResult {
    let model = try Transformer(config: preset.config, seed: 0)
    if let lora { model.attach(try LoRAAdapters(config: lora, model: preset.config, seed: 0)) }
    let trainable = model.trainable
    let pass = TrainingPass(model: model)
    let opt = AdamW(model: model, config: AdamWConfig(beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1))
    let rows = world.share(of: preset.batch), T = preset.seqLen, N = rows.count * T
    var rng = RNG(seed: 0)
    let all = (0..<(2 * preset.batch * T)).map { _ in Int32(rng.below(preset.config.vocabSize)) }
    let x = Array(all[(rows.lowerBound * T)..<(rows.upperBound * T)])
    let y = Array(all[((preset.batch + rows.lowerBound) * T)..<((preset.batch + rows.upperBound) * T)])
    let weights = [Float](repeating: 1, count: N)
    var dlp = [Float](repeating: 0, count: N)
    var times: [Double] = [], syncs: [Double] = [], losses: [Double] = []
    for i in 0..<(warmup + steps) {
        try world.barrier()
        let t0 = DispatchTime.now().uptimeNanoseconds
        trainable.grads.zero()
        let lp = pass.forward(tokens: x, targets: y, batch: rows.count, seqLen: T).logprobs
        let loss = lp.withUnsafeBufferPointer { l in
            weights.withUnsafeBufferPointer { w in
                dlp.withUnsafeMutableBufferPointer { d in
                    crossEntropyLoss(logprobs: l.baseAddress!, weights: w.baseAddress!, dlogprobs: d.baseAddress!,
                                     N: N, normalizer: Double(preset.batch * T)).loss
                }
            }
        }
        try world.sumGradients(of: pass) { pass.backward(dlogprobs: dlp) }
        let sync = world.exposedSyncSeconds
        opt.update(lr: 1e-3)
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let global = try world.sum([loss, dt, sync])  // the slowest rank sets the pace; report the mean
        if i >= warmup {
            times.append(global[1] / Double(world.size)); syncs.append(global[2] / Double(world.size)); losses.append(global[0])
        }
    }
    let median = times.sorted()[times.count / 2]
    let tokensPerS = Double(preset.batch * T) / median
    let cores = Double(KernelThreads.count * world.size)
    let frozenSaving = lora == nil ? 0 : 2 * Double(model.parameterCountExcludingPositions)
    let mfu = (model.trainingFlopsPerToken(seqLen: T) - frozenSaving) * tokensPerS / (PeakFlops.perCore * cores)
    let sync = syncs.sorted()[syncs.count / 2]
    return TrainBenchResult(preset: preset.name, ranks: world.size, threads: KernelThreads.count,
                            ms_per_step: median * 1e3, tokens_per_s: tokensPerS, mfu: mfu,
                            sync_ms: sync * 1e3, sync_fraction: sync / median, overlap_sync: world.overlapsGradientSync,
                            first_loss: losses.first!, last_loss: losses.last!,
                            trained_parameters: trainable.params.count, optimizer_state_bytes: 12 * trainable.params.count,
                            peak_rss_bytes: peakResidentBytes(),
                            lora: model.lora.map { "r \($0.config.r) on " + Set($0.modules.map(\.kind.rawValue)).sorted().joined(separator: ", ") })
}

/// The process's peak resident set (VmHWM in /proc/self/status), 0 where there is no /proc.
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kB = line.split(separator: " ").compactMap({ Int($0) }).first else { return 0 }
    return kB * 1024
}
