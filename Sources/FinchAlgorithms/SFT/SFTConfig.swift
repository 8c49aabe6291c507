import FinchTrain

/// SFT has no section of its own: it reads `data`, `train` and the other shared sections.
/// It refuses the RL roles' keys, which it would otherwise ignore.
public struct SFTSection: AlgorithmConfig {
    public init() {}

    public static let command = "finch sft"
    public static let sectionName: String? = nil
    public static let keys: [ConfigKey<SFTSection>] = []
    public static let unusedKeys = [
        "distributed.learners": "every SFT rank trains; learners and rollout workers are RL roles",
        "distributed.rollout_workers": "every SFT rank trains; learners and rollout workers are RL roles",
    ]
}

/// An SFT run's config: the shared sections only.
public typealias SFTRunConfig = RunConfig<SFTSection>
