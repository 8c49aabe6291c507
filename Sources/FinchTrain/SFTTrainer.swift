import Foundation
import FinchData
import FinchKernels
import FinchModel

/// Supervised fine-tuning: next-token cross-entropy on completion tokens only, data-parallel
/// over the ranks of a `TrainingWorld`.
///
/// Each step takes the next `train.batch_size` samples of the deterministic sample stream; rank
/// r trains on its contiguous share. The loss is the mean over the *global* batch's completion
/// tokens, so each rank scales its gradient by the global token count and the ranks' gradients
/// are summed: 2 ranks × b samples compute the same update as 1 rank × 2b.
///
/// Checkpoints hold everything the next step depends on, so a resumed run repeats the
/// uninterrupted one bit for bit at the same rank and thread counts (OpenBLAS sums in a
/// thread-dependent order), and to float rounding on any other count.
public final class SFTTrainer {
    public let config: RunConfig
    public let world: TrainingWorld
    public let model: Transformer
    public let tokenizer: any Tokenizer
    public internal(set) var state = SFTTrainerState(step: 0, globalSample: 0, optimizerStep: 0, elapsedSeconds: 0)
    /// Global loss of every step this process ran, by step number.
    public private(set) var losses: [Int: Double] = [:]
    /// Called on every rank after each step, with the step number (progress hooks, fault drills).
    public var afterStep: ((Int) -> Void)?

    let train: SFTDataset
    let eval: SFTDataset?
    private var order: SampleOrder
    private let pass: TrainingPass
    let optimizer: AdamW
    private let schedule: LRSchedule
    let store: CheckpointStore
    private let metrics: MetricsLog?
    let log: (String) -> Void

    /// Builds the run on every rank of `world`; with `resume` ("auto" or a checkpoint path)
    /// it continues a saved run. Only the coordinator logs.
    public init(config: RunConfig, world: TrainingWorld = .single(), resume: String? = nil,
                log: @escaping (String) -> Void = { print($0) }) throws {
        self.config = config
        self.world = world
        self.log = world.isCoordinator ? log : { _ in }
        let t = config.train
        guard t.batchSize >= world.size else {
            throw TrainError("train.batch_size: \(t.batchSize) samples cannot be shared by \(world.size) ranks")
        }
        KernelThreads.set(t.threads > 0 ? t.threads : TrainingWorld.coresPerLocalRank)
        let policy = try LoadedPolicy(section: config.model)
        model = policy.model
        let tokenizer = policy.tokenizer
        self.tokenizer = tokenizer
        let maxLength = min(config.data.maxLength, policy.model.config.maxPositions)
        train = try SFTDataset(contentsOf: URL(fileURLWithPath: config.data.train), tokenizer: tokenizer,
                               maxLength: maxLength, dropOverlong: config.data.dropOverlong)
        eval = try config.data.eval.map {
            try SFTDataset(contentsOf: URL(fileURLWithPath: $0), tokenizer: tokenizer, maxLength: maxLength,
                           dropOverlong: config.data.dropOverlong)
        }
        order = SampleOrder(seed: config.data.seed, datasetSize: train.examples.count)
        pass = TrainingPass(model: policy.model)
        optimizer = AdamW(model: policy.model, config: AdamWConfig(beta1: Float(t.beta1), beta2: Float(t.beta2),
                                                                   eps: Float(t.eps), weightDecay: Float(t.weightDecay)))
        schedule = LRSchedule(maxLR: Float(t.lr), minLR: Float(t.minLR), warmupSteps: t.warmupSteps, totalSteps: t.steps)
        store = CheckpointStore(root: URL(fileURLWithPath: config.checkpoint.dir), keepLast: config.checkpoint.keepLast)
        metrics = world.isCoordinator ? try MetricsLog(path: config.logging.metrics) : nil
        try world.agree(Int(bitPattern: UInt(truncatingIfNeeded: fingerprint(train))),
                        on: "the contents of \(config.data.train) (every rank must read the same file)")
        if let resume {
            try restore(resume)
        } else {
            try world.broadcast(model.params)  // same seed, same weights; this makes it certain
        }
    }

    /// Trains to `train.steps`, evaluating and checkpointing as configured; returns the final eval.
    /// `stopAfter` ends the run early at that step with a checkpoint (a job that must fit a time
    /// slot); the schedule still follows `train.steps`, so resuming continues the same run.
    @discardableResult
    public func run(stopAfter: Int? = nil) throws -> SFTEvalResult? {
        let t = config.train
        log("sft: \(model.config.family.rawValue) \(model.parameterCount) parameters, \(train.examples.count) training examples"
            + (train.droppedOverlongCount > 0 ? " (\(train.droppedOverlongCount) over-long dropped)" : "")
            + ", \(t.steps) steps of \(t.batchSize) on \(world.size) rank(s) × \(KernelThreads.count) thread(s)")
        let started = Date(), startStep = state.step, startElapsed = state.elapsedSeconds
        var windowTokens = 0.0, windowStart = Date()
        var final: SFTEvalResult?
        let end = min(t.steps, stopAfter ?? t.steps)
        while state.step < end {
            let stats = try trainStep()
            windowTokens += stats.tokens
            state.elapsedSeconds = startElapsed + Date().timeIntervalSince(started)
            let last = state.step == t.steps
            if state.step % config.logging.every == 0 || last {
                let tps = windowTokens / max(Date().timeIntervalSince(windowStart), 1e-9)
                let perStep = Date().timeIntervalSince(started) / Double(state.step - startStep)
                log(String(format: "step %d/%d | loss %.4f | lr %.2e | grad norm %.3f | %.0f tok/s | ETA %@",
                           state.step, t.steps, stats.loss, stats.lr, stats.gradNorm, tps,
                           formatDuration(perStep * Double(t.steps - state.step))))
                metrics?.append(["step": Double(state.step), "loss": stats.loss, "lr": Double(stats.lr),
                                 "grad_norm": Double(stats.gradNorm), "tokens_per_s": tps,
                                 "global_sample": Double(state.globalSample), "elapsed_s": state.elapsedSeconds],
                                kind: "train")
                (windowTokens, windowStart) = (0, Date())
            }
            if (t.evalEvery > 0 && state.step % t.evalEvery == 0) || last {
                final = try evaluate()
            }
            if (config.checkpoint.every > 0 && state.step % config.checkpoint.every == 0) || state.step == end {
                try save()
            }
            afterStep?(state.step)
        }
        return final
    }

    /// One optimizer update on this rank's share of the next `batch_size` samples.
    private func trainStep() throws -> (loss: Double, lr: Float, gradNorm: Float, tokens: Double) {
        let mine = world.share(of: config.train.batchSize)
        let examples = mine.map { train.examples[order.exampleIndex(forGlobalSample: state.globalSample + $0)] }
        let batch = TokenBatch(examples: examples, length: .longest(cappedAt: config.data.maxLength), padID: tokenizer.padID)
        model.grads.zero()
        let lp = pass.forward(tokens: batch.inputs, targets: batch.targets, batch: batch.batchSize, seqLen: batch.seqLen).logprobs
        func crossEntropy(normalizer: Double, gradient: UnsafeMutablePointer<Float>?) -> (loss: Double, weightSum: Double) {
            lp.withUnsafeBufferPointer { l in
                batch.weights.withUnsafeBufferPointer { w in
                    crossEntropyLoss(logprobs: l.baseAddress!, weights: w.baseAddress!, dlogprobs: gradient,
                                     N: lp.count, normalizer: normalizer)
                }
            }
        }
        // This rank's Σ −w·log p and Σ w, then the global sums that normalise every rank's gradient.
        let local = crossEntropy(normalizer: 1, gradient: nil)
        let global = try world.sum([local.loss, local.weightSum, Double(batch.lengths.reduce(0, +))])
        var dlp = [Float](repeating: 0, count: lp.count)
        dlp.withUnsafeMutableBufferPointer { _ = crossEntropy(normalizer: global[1], gradient: $0.baseAddress!) }
        pass.backward(dlogprobs: dlp)
        try world.sumGradients(model.grads)
        let norm = clipGradNorm(model.grads.pointer, N: model.parameterCount, maxNorm: Float(config.train.gradClip))
        let lr = schedule.lr(at: state.step)
        optimizer.update(lr: lr)
        state.step += 1
        state.globalSample += config.train.batchSize
        state.optimizerStep = optimizer.step
        let loss = global[1] > 0 ? global[0] / global[1] : 0
        losses[state.step] = loss
        return (loss, lr, norm, global[2])
    }

    /// Held-out loss and exact match, the eval examples split over ranks and the tallies summed.
    private func evaluate() throws -> SFTEvalResult? {
        guard let eval else { return nil }
        let examples = Array(eval.examples.prefix(config.train.evalSamples))
        let mine = world.share(of: examples.count).map { examples[$0] }
        let local = evaluateSFT(model: model, tokenizer: tokenizer, examples: mine,
                                batchSize: max(config.train.batchSize, 32), maxLength: config.data.maxLength)
        let r = local.with(sums: try world.sum(local.sums))
        log(String(format: "eval step %d | loss %.4f | exact match %.1f%% (%d examples)",
                   state.step, r.loss, r.exactMatch * 100, Int(r.examples)))
        for s in r.samples.prefix(2) {
            log("  \(s.prompt.debugDescription) -> \(s.generated.debugDescription) (reference \(s.reference.debugDescription))")
        }
        metrics?.append(["step": Double(state.step), "eval_loss": r.loss, "exact_match": r.exactMatch,
                         "examples": r.examples], kind: "eval")
        return r
    }

    /// A checksum of the tokenised training set, to catch ranks that read different files.
    private func fingerprint(_ data: SFTDataset) -> UInt64 {
        var h = XXHash64()
        for ex in data.examples {
            ex.tokens.withUnsafeBytes { h.update($0) }
            ex.lossMask.withUnsafeBytes { h.update($0) }
        }
        return h.finalize()
    }
}
