import Foundation
import FinchData
import FinchKernels
import FinchModel

/// Supervised fine-tuning: next-token cross-entropy on completion tokens only.
///
/// One step takes `train.batch_size` samples from the deterministic sample stream, pads them
/// into one batch, and averages the loss over the batch's completion tokens. Checkpoints hold
/// everything the next step depends on, so a resumed run repeats the uninterrupted one bit for
/// bit (at the same thread count: OpenBLAS sums in a thread-dependent order).
public final class SFTTrainer {
    public let config: RunConfig
    public let model: Transformer
    public let tokenizer: any Tokenizer
    public private(set) var state = SFTTrainerState(step: 0, globalSample: 0, optimizerStep: 0, elapsedSeconds: 0)
    /// Loss of every step this process ran, by step number (what the resume test compares).
    public private(set) var losses: [Int: Double] = [:]

    private let train: SFTDataset
    private let eval: SFTDataset?
    private var order: SampleOrder
    private let pass: TrainingPass
    private let optimizer: AdamW
    private let schedule: LRSchedule
    private let store: CheckpointStore
    private let metrics: MetricsLog
    private let log: (String) -> Void

    /// Builds the run; with `resume` ("auto" or a checkpoint path) it continues a saved run.
    public init(config: RunConfig, resume: String? = nil, log: @escaping (String) -> Void = { print($0) }) throws {
        self.config = config
        self.log = log
        let t = config.train
        KernelThreads.set(t.threads > 0 ? t.threads : ProcessInfo.processInfo.activeProcessorCount)
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
        metrics = try MetricsLog(path: config.logging.metrics)
        if let resume { try restore(resume) }
    }

    /// Trains to `train.steps`, evaluating and checkpointing as configured; returns the final eval.
    @discardableResult
    public func run() throws -> SFTEvalResult? {
        let t = config.train
        log("sft: \(model.config.family.rawValue) \(model.parameterCount) parameters, \(train.examples.count) training examples"
            + (train.droppedOverlongCount > 0 ? " (\(train.droppedOverlongCount) over-long dropped)" : "")
            + ", \(t.steps) steps of \(t.batchSize), \(KernelThreads.count) threads")
        let started = Date()
        let startElapsed = state.elapsedSeconds
        var windowTokens = 0, windowStart = Date()
        var final: SFTEvalResult?
        while state.step < t.steps {
            let stats = trainStep()
            windowTokens += stats.tokens
            state.elapsedSeconds = startElapsed + Date().timeIntervalSince(started)
            if state.step % max(1, config.logging.every) == 0 || state.step == t.steps {
                let secs = Date().timeIntervalSince(windowStart)
                let tps = Double(windowTokens) / max(secs, 1e-9)
                let perStep = (state.elapsedSeconds - startElapsed) / Double(max(1, stats.stepsThisProcess))
                log(String(format: "step %d/%d | loss %.4f | lr %.2e | grad norm %.3f | %.0f tok/s | ETA %@",
                           state.step, t.steps, stats.loss, stats.lr, stats.gradNorm, tps,
                           formatDuration(perStep * Double(t.steps - state.step))))
                metrics.append(["step": Double(state.step), "loss": stats.loss, "lr": Double(stats.lr),
                                "grad_norm": Double(stats.gradNorm), "tokens_per_s": tps,
                                "elapsed_s": state.elapsedSeconds], kind: "train")
                windowTokens = 0
                windowStart = Date()
            }
            let last = state.step == t.steps
            if (t.evalEvery > 0 && state.step % t.evalEvery == 0) || last {
                final = evaluate()
            }
            if (config.checkpoint.every > 0 && state.step % config.checkpoint.every == 0) || last {
                try save()
            }
        }
        return final
    }

    private var stepsThisProcess = 0

    /// One optimizer update on the next `batch_size` samples.
    private func trainStep() -> (loss: Double, lr: Float, gradNorm: Float, tokens: Int, stepsThisProcess: Int) {
        let B = config.train.batchSize
        let examples = (0..<B).map { train.examples[order.exampleIndex(forGlobalSample: state.globalSample + $0)] }
        let batch = TokenBatch(examples: examples, length: .longest(cappedAt: config.data.maxLength), padID: tokenizer.padID)
        model.grads.zero()
        let lp = pass.forward(tokens: batch.inputs, targets: batch.targets, batch: batch.batchSize, seqLen: batch.seqLen).logprobs
        var dlp = [Float](repeating: 0, count: lp.count)
        let loss = lp.withUnsafeBufferPointer { l in
            batch.weights.withUnsafeBufferPointer { w in
                dlp.withUnsafeMutableBufferPointer { d in
                    crossEntropyLoss(logprobs: l.baseAddress!, weights: w.baseAddress!, dlogprobs: d.baseAddress!, N: lp.count).loss
                }
            }
        }
        pass.backward(dlogprobs: dlp)
        let norm = clipGradNorm(model.grads.pointer, N: model.parameterCount, maxNorm: Float(config.train.gradClip))
        let lr = schedule.lr(at: state.step)
        optimizer.update(lr: lr)
        state.step += 1
        state.globalSample += B
        state.optimizerStep = optimizer.step
        losses[state.step] = loss
        stepsThisProcess += 1
        return (loss, lr, norm, batch.inputs.count, stepsThisProcess)
    }

    private func evaluate() -> SFTEvalResult? {
        guard let eval else { return nil }
        let examples = Array(eval.examples.prefix(config.train.evalSamples))
        let r = evaluateSFT(model: model, tokenizer: tokenizer, examples: examples,
                            batchSize: max(config.train.batchSize, 32), maxLength: config.data.maxLength)
        log(String(format: "eval step %d | loss %.4f | exact match %.1f%% (%d examples)",
                   state.step, r.loss, r.exactMatch * 100, r.examples))
        for s in r.samples.prefix(2) {
            log("  \(s.prompt.debugDescription) -> \(s.generated.debugDescription) (reference \(s.reference.debugDescription))")
        }
        metrics.append(["step": Double(state.step), "eval_loss": r.loss, "exact_match": r.exactMatch,
                        "examples": Double(r.examples)], kind: "eval")
        return r
    }

    // MARK: checkpoints

    private func save() throws {
        let tokenizerDir = FileManager.default.temporaryDirectory.appendingPathComponent("finch-tok-\(getpid())")
        try FileManager.default.createDirectory(at: tokenizerDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tokenizerDir) }
        try tokenizer.save(to: tokenizerDir)
        let tokenizerJSON = try Data(contentsOf: tokenizerDir.appendingPathComponent("tokenizer.json"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = try store.save(step: state.step, model: model.namedTensors(model.params),
                                 optimizer: model.namedTensors(optimizer.m, prefix: "exp_avg.")
                                     + model.namedTensors(optimizer.v, prefix: "exp_avg_sq."),
                                 trainerState: state, runConfigYAML: config.yaml(),
                                 modelConfigJSON: try encoder.encode(model.config),
                                 extraFiles: [(name: "tokenizer.json", contents: tokenizerJSON)])
        log("saved \(url.path)")
    }

    private func restore(_ resume: String) throws {
        let point = try store.resolve(resume: resume)
        for warning in point.skipped { log("warning: \(warning)") }
        guard let dir = point.checkpoint else {
            log("resume \(resume): no checkpoint in \(store.root.path), starting fresh")
            return
        }
        let ckpt = try LoadedCheckpoint<SFTTrainerState>(directory: dir)
        let savedConfig = try JSONDecoder().decode(ModelConfig.self, from: ckpt.modelConfigJSON)
        guard savedConfig == model.config else {
            throw TrainError("\(dir.path)/config.json: the checkpoint's model differs from the configured one")
        }
        try model.load(model.params, from: ckpt.model)
        try model.load(optimizer.m, from: ckpt.optimizer, prefix: "exp_avg.")
        try model.load(optimizer.v, from: ckpt.optimizer, prefix: "exp_avg_sq.")
        state = ckpt.state
        optimizer.step = state.optimizerStep
        log("resumed from \(dir.path) at step \(state.step), sample \(state.globalSample)")
    }
}
