import Foundation
import FinchData
import FinchKernels
import FinchModel
import FinchTrain

/// Supervised fine-tuning: next-token cross-entropy on completion tokens only, data-parallel
/// over the ranks of a `TrainingWorld`.
///
/// Each step takes the next `train.batch_size` samples of the deterministic sample stream; rank
/// r trains on its contiguous share. The loss is the mean over the *global* batch's completion
/// tokens (`sftLoss`), so each rank scales its gradient by the global token count and the
/// ranks' gradients are summed: 2 ranks × b samples compute the same update as 1 rank × 2b.
///
/// Checkpoints hold everything the next step depends on, so a resumed run repeats the
/// uninterrupted one bit for bit at the same rank and thread counts (OpenBLAS sums in a
/// thread-dependent order), and to float rounding on any other count.
public final class SFTTrainer {
    public let run: TrainingRun<SFTSection, SampleStreamState>
    /// Global loss of every step this process ran, by step number.
    public private(set) var losses: [Int: Double] = [:]

    let train: SFTDataset
    let eval: SFTDataset?
    private var order: SampleOrder
    private let pass: TrainingPass

    public var config: SFTRunConfig { run.config }
    public var world: TrainingWorld { run.world }
    public var model: Transformer { run.model }
    public var tokenizer: any Tokenizer { run.tokenizer }
    public var state: SampleStreamState { run.state }
    public var afterStep: ((Int) -> Void)? {
        get { run.afterStep }
        set { run.afterStep = newValue }
    }

    /// Builds the run on every rank of `world`; with `resume` ("auto" or a checkpoint path)
    /// it continues a saved run. Only the coordinator logs.
    public init(config: SFTRunConfig, world: TrainingWorld = .single(), resume: String? = nil,
                log: @escaping (String) -> Void = { print($0) }) throws {
        try TrainingRun<SFTSection, SampleStreamState>.requireShareableBatch(config, world: world, units: "samples")
        let policy = try TrainingRun<SFTSection, SampleStreamState>.loadPolicy(config)
        let maxLength = min(config.data.maxLength, policy.model.config.maxPositions)
        let data = config.data
        if data.pack && data.kind != .text {
            throw RunConfigError(location: "data.pack", message: "packs text only (data.kind: text); SFT examples keep one per row")
        }
        func dataset(_ path: String) throws -> SFTDataset {
            let url = URL(fileURLWithPath: path)
            switch data.kind {
            case .sft:
                return try SFTDataset(contentsOf: url, tokenizer: policy.tokenizer, chatFormat: data.chatFormat, maxLength: maxLength,
                                      dropOverlong: data.dropOverlong)
            case .text:
                return try SFTDataset(text: url, tokenizer: policy.tokenizer, maxLength: maxLength, pack: data.pack, dropOverlong: data.dropOverlong)
            }
        }
        train = try dataset(config.data.train)
        eval = try config.data.eval.map(dataset)
        order = SampleOrder(seed: config.data.seed, datasetSize: train.examples.count)
        pass = TrainingPass(model: policy.model)
        run = try TrainingRun(config: config, world: world, policy: policy,
                              initialState: .start,
                              log: log)
        try world.agree(Int(bitPattern: UInt(truncatingIfNeeded: train.fingerprint)),
                        on: "the contents of \(config.data.train) (every rank must read the same file)")
        if let resume {
            try run.restore(resume)
        } else {
            try world.broadcastWeights(of: model)  // same seed, same weights; this makes it certain
        }
    }

    /// Trains to `train.steps`, evaluating and checkpointing as configured; returns the final eval.
    /// `stopAfter` ends the run early at that step with a checkpoint (a job that must fit a time
    /// slot); the schedule still follows `train.steps`, so resuming continues the same run.
    @discardableResult
    public func run(stopAfter: Int? = nil) throws -> SFTEvalResult? {
        let t = config.train
        run.log("sft: \(model.trainingSummary), \(train.examples.count) training examples"
            + (train.droppedOverlongCount > 0 ? " (\(train.droppedOverlongCount) over-long dropped)" : "")
            + ", \(t.steps) steps of \(t.batchSize) on \(world.size) rank(s) × \(KernelThreads.count) thread(s)")
        let started = Date(), startStep = state.step
        var windowTokens = 0.0, windowStart = Date()
        var final: SFTEvalResult?
        var stats = (loss: 0.0, lr: Float(0), gradNorm: Float(0), tokens: 0.0)
        try run.loop(until: run.endStep(stopAfter: stopAfter), step: {
            stats = try trainStep()
            windowTokens += stats.tokens
        }, report: {
            guard run.logs(at: state.step) else { return }
            let tps = windowTokens / max(Date().timeIntervalSince(windowStart), 1e-9)
            let perStep = Date().timeIntervalSince(started) / Double(state.step - startStep)
            run.log(String(format: "step %d/%d | loss %.4f | lr %.2e | grad norm %.3f | %.0f tok/s | ETA %@",
                           state.step, t.steps, stats.loss, stats.lr, stats.gradNorm, tps,
                           formatDuration(perStep * Double(t.steps - state.step))))
            try run.metrics?.append(["step": Double(state.step), "loss": stats.loss, "lr": Double(stats.lr),
                                 "grad_norm": Double(stats.gradNorm), "tokens_per_s": tps,
                                 "global_sample": Double(state.globalSample), "elapsed_s": state.elapsedSeconds,
                                 "flops": state.flops],
                                kind: "train")
            (windowTokens, windowStart) = (0, Date())
        }, progress: {
            String(format: "loss %.4f | %.0f tok/s", stats.loss, stats.tokens * Double(state.step - startStep) / max(Date().timeIntervalSince(started), 1e-9))
        }, evaluate: { final = try self.evaluate() }, save: { try self.run.save() })
        return final
    }

    /// One optimizer update on this rank's share of the next `batch_size` samples.
    private func trainStep() throws -> (loss: Double, lr: Float, gradNorm: Float, tokens: Double) {
        let mine = world.share(of: config.train.batchSize)
        let examples = mine.map { train.examples[order.exampleIndex(forGlobalSample: state.globalSample + $0)] }
        let batch = TokenBatch(examples: examples, length: .longest(cappedAt: config.data.maxLength), padID: tokenizer.padID)
        model.trainable.grads.zero()
        pass.dropoutSeed = run.dropoutSeed(step: state.step)
        defer { pass.dropoutSeed = nil }
        let lp = pass.forward(tokens: batch.inputs, targets: batch.targets, batch: batch.batchSize, seqLen: batch.seqLen).logprobs
        // This rank's Σ −w·log p and Σ w, then the global sums that normalise every rank's gradient.
        let local = sftLoss(logprobs: lp, weights: batch.weights, normalizer: 1)
        let flops = model.trainingFlopsPerToken(seqLen: batch.seqLen) * Double(batch.batchSize * batch.seqLen)
        let global = try world.sum([local.loss, local.weightSum, Double(batch.lengths.reduce(0, +)), flops])
        let dlogprobs = sftLoss(logprobs: lp, weights: batch.weights, normalizer: global[1]).dlogprobs
        try world.sumGradients(of: pass) { pass.backward(dlogprobs: dlogprobs) }
        let norm = clipGradNorm([model.trainable.grads], maxNorm: Float(config.train.gradClip))
        let lr = run.advance(flops: global[3])
        let loss = global[1] > 0 ? global[0] / global[1] : 0
        losses[state.step] = loss
        return (loss, lr, norm, global[2])
    }

    /// Held-out loss and exact match, the eval examples split over ranks and the tallies summed.
    private func evaluate() throws -> SFTEvalResult? {
        guard let eval else { return nil }
        let examples = Array(eval.examples.prefix(config.train.evalSamples))
        let mine = world.share(of: examples.count).map { examples[$0] }
        let stops = try ChatTemplate(tokenizer: tokenizer, format: config.data.chatFormat).stopTokens
        // Text has no answer to match: held-out loss and perplexity only.
        let text = config.data.kind == .text
        let local = evaluateSFT(model: model, tokenizer: tokenizer, stopTokens: stops, examples: mine,
                                batchSize: max(config.train.batchSize, 32), maxLength: config.data.maxLength, generate: !text)
        let r = local.with(sums: try world.sum(local.sums))
        run.log(text ? String(format: "eval step %d | loss %.4f | perplexity %.3f (%d rows)", state.step, r.loss, exp(r.loss), Int(r.examples))
                     : String(format: "eval step %d | loss %.4f | exact match %.1f%% (%d examples)",
                              state.step, r.loss, r.exactMatch * 100, Int(r.examples)))
        for s in r.samples.prefix(2) {
            run.log("  \(s.prompt.debugDescription) -> \(s.generated.debugDescription) (reference \(s.reference.debugDescription))")
        }
        try run.metrics?.append(["step": Double(state.step), "eval_loss": r.loss, "examples": r.examples]
                                .merging(text ? ["perplexity": exp(r.loss)] : ["exact_match": r.exactMatch]) { a, _ in a }, kind: "eval")
        return r
    }
}

extension SFTDataset {
    /// A checksum of the tokenised examples, to catch ranks that read different files.
    var fingerprint: UInt64 {
        var h = XXHash64()
        for ex in examples {
            ex.tokens.withUnsafeBytes { h.update($0) }
            ex.lossMask.withUnsafeBytes { h.update($0) }
        }
        return h.finalize()
    }
}
