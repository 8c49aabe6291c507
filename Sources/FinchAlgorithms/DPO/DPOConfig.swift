import FinchTrain

/// `dpo:` — Direct Preference Optimization (Rafailov et al. 2023) on preference pairs.
/// `data.train`/`data.eval` are preference files (`PreferenceRecord`: pairwise, or best-of-N,
/// which gives one pair per non-best answer); `train.batch_size` counts pairs. Keys as TRL's
/// `DPOConfig` names them.
public struct DPOSection: AlgorithmConfig {
    public enum LossType: String, Sendable, ConfigChoice {
        /// −log σ(β·h), h the margin of log-ratios (the DPO paper's loss).
        case sigmoid
        /// (h − 1/(2β))² on per-token mean log-probs (Azar et al. 2023, as TRL computes it).
        case ipo
        /// max(0, 1 − β·h) (SLiC).
        case hinge
    }

    public var beta = 0.1
    public var lossType = LossType.sigmoid
    public var labelSmoothing = 0.0
    /// nil: the run's starting policy.
    public var reference: String?

    public init() {}

    public static let command = "finch dpo"
    public static let sectionName: String? = "dpo"
    public static let keys: [ConfigKey<DPOSection>] = [
        .value("beta", \.beta, .number(.positive), "β: how far the policy may move from the reference (TRL's default 0.1)."),
        .choice("loss_type", \.lossType, "sigmoid (DPO), ipo or hinge."),
        .value("label_smoothing", \.labelSmoothing, .number(.fraction),
               "With sigmoid: the assumed fraction of flipped labels (conservative DPO); 0 is plain DPO."),
        .value("reference", \.reference, .string, "Checkpoint directory of the frozen reference policy (default: the starting policy, `model.init`)."),
    ]
    public static let unusedKeys = SFTSection.unusedKeys
}

/// A DPO run's config: the shared sections plus `dpo:`.
public typealias DPORunConfig = RunConfig<DPOSection>
