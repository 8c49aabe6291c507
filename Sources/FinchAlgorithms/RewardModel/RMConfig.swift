import FinchTrain

/// `rm:` — training a reward model from human comparisons (Ziegler et al. 2019; TRL's
/// `RewardTrainer`). `data.train`/`data.eval` are preference files; `train.batch_size` counts
/// records (a pair, or N answers to one prompt). `model.init` is usually the SFT policy whose
/// answers were compared: its trunk is kept and a scalar `score` head added.
public struct RMSection: AlgorithmConfig {
    public enum Loss: String, Sendable, ConfigChoice {
        /// Bradley–Terry on pairs; Ziegler's softmax over the N rewards on best-of-N records.
        case auto
        /// Bradley–Terry on every (best, other) pair, for every record shape.
        case pairwise
    }

    public var loss = Loss.auto
    public var centerRewardsCoefficient = 0.0
    public var normalize = true
    public var normalizeSamples = 1_000

    public init() {}

    public static let command = "finch rm"
    public static let sectionName: String? = "rm"
    public static let keys: [ConfigKey<RMSection>] = [
        .choice("loss", \.loss, "auto (Bradley–Terry on pairs, softmax cross-entropy over best-of-N answers) or pairwise (Bradley–Terry on every best-vs-other pair)."),
        .value("center_rewards_coefficient", \.centerRewardsCoefficient, .number(.nonNegative),
               "TRL's reward centring: adds this × (Σ rewards of a record's answers)² to the loss, so scores stay near 0."),
        .value("normalize", \.normalize, .boolean,
               "At each save, set gain and bias so the training answers (samples of the policy that was compared) score mean 0, std 1, as Ziegler et al. do."),
        .value("normalize_samples", \.normalizeSamples, .integer(atLeast: 2), "Answers scored to set the normalisation (the first ones of data.train)."),
    ]
    public static let unusedKeys = SFTSection.unusedKeys
}

/// A reward-model run's config: the shared sections plus `rm:`.
public typealias RMRunConfig = RunConfig<RMSection>
