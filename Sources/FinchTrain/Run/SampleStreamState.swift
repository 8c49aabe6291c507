/// What a run over a stream of samples (SFT, DPO, a reward model) needs, beyond weights and
/// optimizer moments, to continue exactly where it stopped: the step, the position in the
/// data stream, and the optimizer's step count.
///
/// The data order is a pure function of (seed, global sample index), so the index alone
/// restores it: no iterator state to save, and any number of ranks can resume from it.
public struct SampleStreamState: RunState {
    /// Updates completed.
    public var step: Int
    /// Samples consumed from the training stream (the next batch starts here).
    public var globalSample: Int
    /// AdamW's bias-correction step count.
    public var optimizerStep: Int
    /// Seconds of training before this checkpoint, so ETAs and throughput survive resumes.
    public var elapsedSeconds: Double
    /// Model FLOPs of training so far (`Transformer.trainingFlopsPerToken` per position of every
    /// batch, padding included, since it is computed): the compute axis of a study.
    public var flops: Double

    public init(step: Int, globalSample: Int, optimizerStep: Int, elapsedSeconds: Double, flops: Double = 0) {
        (self.step, self.globalSample, self.optimizerStep, self.elapsedSeconds) = (step, globalSample, optimizerStep, elapsedSeconds)
        self.flops = flops
    }

    /// A run that has not started.
    public static let start = SampleStreamState(step: 0, globalSample: 0, optimizerStep: 0, elapsedSeconds: 0)

    /// Checkpoints written before FLOPs were counted read as having counted none.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        step = try c.decode(Int.self, forKey: .step)
        globalSample = try c.decode(Int.self, forKey: .globalSample)
        optimizerStep = try c.decode(Int.self, forKey: .optimizerStep)
        elapsedSeconds = try c.decode(Double.self, forKey: .elapsedSeconds)
        flops = try c.decodeIfPresent(Double.self, forKey: .flops) ?? 0
    }

    public var summary: String { "step \(step), sample \(globalSample)" }

    enum CodingKeys: String, CodingKey {
        case step, globalSample = "global_sample", optimizerStep = "optimizer_step", elapsedSeconds = "elapsed_seconds", flops
    }
}

extension TrainingRun where State == SampleStreamState {
    /// Ends a step over the next `train.batch_size` samples: AdamW at this step's learning rate
    /// (also on `heads`, a reward model's score head), then the step, the stream position and the
    /// optimiser's count advanced, and the step's `flops` (summed over ranks) counted. Returns
    /// the learning rate used.
    public func advance(heads: [AdamW] = [], flops: Double = 0) -> Float {
        let lr = schedule.lr(at: state.step)
        optimizer.update(lr: lr)
        for head in heads { head.update(lr: lr) }
        state.step += 1
        state.globalSample += config.train.batchSize
        state.optimizerStep = optimizer.step
        state.flops += flops
        return lr
    }
}
