/// `train:` — the optimisation schedule and AdamW hyperparameters.
public struct TrainSection: Codable, Equatable, Sendable {
    /// What `min_lr` defaults to, as a fraction of `lr`: the schedule decays to a tenth
    /// of the peak unless told otherwise.
    public static let defaultMinLRFraction = 0.1

    /// Optimizer steps to run.
    public var steps: Int
    /// Sequences per optimizer step, summed over all ranks.
    public var batchSize: Int
    /// Peak learning rate, reached after warmup.
    public var lr: Double
    /// Learning rate at the end of the schedule.
    public var minLR: Double
    public var warmupSteps: Int
    public var weightDecay: Double
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    /// Global gradient-norm clip; 0 disables clipping.
    public var gradClip: Double
    /// Steps between evaluations; 0 evaluates only at the end.
    public var evalEvery: Int
    /// Evaluation examples per evaluation.
    public var evalSamples: Int
    /// Kernel threads per process; 0 divides the node's cores among its ranks.
    public var threads: Int

    public init(steps: Int, batchSize: Int = 16, lr: Double = 3e-4, minLR: Double? = nil, warmupSteps: Int = 0,
                weightDecay: Double = 0, beta1: Double = 0.9, beta2: Double = 0.95, eps: Double = 1e-8,
                gradClip: Double = 1, evalEvery: Int = 0, evalSamples: Int = 200, threads: Int = 0) {
        self.steps = steps
        self.batchSize = batchSize
        self.lr = lr
        self.minLR = minLR ?? lr * Self.defaultMinLRFraction
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.gradClip = gradClip
        self.evalEvery = evalEvery
        self.evalSamples = evalSamples
        self.threads = threads
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case steps, batchSize = "batch_size", lr, minLR = "min_lr", warmupSteps = "warmup_steps"
        case weightDecay = "weight_decay", beta1, beta2, eps, gradClip = "grad_clip"
        case evalEvery = "eval_every", evalSamples = "eval_samples", threads
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(steps: try container.decode(Int.self, forKey: .steps))
        try container.update(&batchSize, from: .batchSize)
        try container.update(&lr, from: .lr)
        minLR = try container.decodeIfPresent(Double.self, forKey: .minLR) ?? lr * Self.defaultMinLRFraction
        try container.update(&warmupSteps, from: .warmupSteps)
        try container.update(&weightDecay, from: .weightDecay)
        try container.update(&beta1, from: .beta1)
        try container.update(&beta2, from: .beta2)
        try container.update(&eps, from: .eps)
        try container.update(&gradClip, from: .gradClip)
        try container.update(&evalEvery, from: .evalEvery)
        try container.update(&evalSamples, from: .evalSamples)
        try container.update(&threads, from: .threads)
    }
}

extension TrainSection: ConfigSection {
    static func field(_ key: CodingKeys) -> ConfigField {
        switch key {
        case .steps: return .required(.integer(atLeast: 1))
        case .batchSize, .evalSamples: return .optional(.integer(atLeast: 1))
        case .warmupSteps, .evalEvery, .threads: return .optional(.integer(atLeast: 0))
        case .lr, .eps: return .optional(.number(.positive))
        case .minLR, .weightDecay, .gradClip: return .optional(.number(.nonNegative))
        case .beta1, .beta2: return .optional(.number(.fraction))
        }
    }
}
