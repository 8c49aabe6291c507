/// `train:` — the optimisation schedule and AdamW hyperparameters.
public struct TrainSection: ConfigSection {
    /// What `min_lr` defaults to, as a fraction of `lr`: the schedule decays to a tenth of the
    /// peak unless told otherwise.
    public static let defaultMinLRFraction = 0.1

    public var steps = 0
    public var batchSize = 16
    public var lr = 3e-4
    public var minLR = 3e-5
    public var warmupSteps = 0
    public var weightDecay = 0.0
    public var beta1 = 0.9
    public var beta2 = 0.95
    public var eps = 1e-8
    public var gradClip = 1.0
    public var evalEvery = 0
    public var evalSamples = 200
    public var threads = 0


    public init() {}

    public static let keys: [ConfigKey<TrainSection>] = [
        .value("steps", \.steps, .integer(atLeast: 1), required: true, "Optimizer steps to run."),
        .value("batch_size", \.batchSize, .integer(atLeast: 1), "Sequences per optimizer step, summed over all ranks."),
        .value("lr", \.lr, .number(.positive), "Peak learning rate, reached after warmup."),
        .value("min_lr", \.minLR, .number(.nonNegative), "Learning rate at the end of the cosine schedule (default: lr / 10)."),
        .value("warmup_steps", \.warmupSteps, .integer(atLeast: 0), "Linear warmup steps."),
        .value("weight_decay", \.weightDecay, .number(.nonNegative), "AdamW decoupled weight decay (matrices only)."),
        .value("beta1", \.beta1, .number(.fraction), "AdamW first-moment decay."),
        .value("beta2", \.beta2, .number(.fraction), "AdamW second-moment decay."),
        .value("eps", \.eps, .number(.positive), "AdamW epsilon."),
        .value("grad_clip", \.gradClip, .number(.nonNegative), "Global gradient-norm clip; 0 disables clipping."),
        .value("eval_every", \.evalEvery, .integer(atLeast: 0), "Steps between evaluations; 0 evaluates only at the end."),
        .value("eval_samples", \.evalSamples, .integer(atLeast: 1), "Held-out examples (or prompts) per evaluation."),
        .value("threads", \.threads, .integer(atLeast: 0), "Kernel threads per process; 0 divides the node's cores among its ranks."),
    ]

    /// Upper bounds that keep a mistyped number from allocating or looping without end.
    public static let maxBatchSize = 1 << 20, maxSteps = 1 << 40, maxThreads = 4096

    public mutating func resolve(given: Set<String>) throws {
        if !given.contains("min_lr") { minLR = lr * Self.defaultMinLRFraction }
        if minLR > lr { throw ConfigDecodeError(path: ["min_lr"], message: "is \(minLR), above lr \(lr): the schedule decays from lr down to min_lr") }
        for (key, value, limit) in [("batch_size", batchSize, Self.maxBatchSize), ("steps", steps, Self.maxSteps),
                                    ("threads", threads, Self.maxThreads), ("eval_samples", evalSamples, Self.maxBatchSize)] where value > limit {
            throw ConfigDecodeError(path: [key], message: "is \(value); it must be at most \(limit)")
        }
    }
}

