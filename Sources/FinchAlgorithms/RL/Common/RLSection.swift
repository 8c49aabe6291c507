import FinchModel
import FinchTrain

/// `rl:` — the reinforcement-learning part of a run: which algorithm, which task rewards it,
/// how rollouts are drawn, and the loss's coefficients. `data.train` and `data.eval` are
/// prompt files (`finch data generate --format prompts`); `train` holds the optimiser.
///
/// The keys every RL algorithm reads are declared here; GRPO's and PPO's own keys in their
/// folders (`GRPOSettings`, `PPOSettings`) join the same `rl:` mapping and are accepted only
/// for their algorithm. Names follow TRL/OpenRLHF where they exist (`cliprange` → `clip`,
/// `vf_coef`, `gamma`, `lam`, `kl_coef`, `target_kl` → `kl_target`, `horizon` → `kl_horizon`).
public struct RLSection: AlgorithmConfig {
    public enum Algorithm: String, Sendable, ConfigChoice {
        /// Group-relative advantages, no critic (DeepSeek-R1 / DeepSeekMath).
        case grpo
        /// Value head, GAE and per-token KL in the reward (Ziegler et al. 2019).
        case ppo
    }

    public enum Mode: String, Sendable, ConfigChoice {
        /// Generate with version v, train v → v+1.
        case sync
        /// Generate with v while training on the batch made by v−1 (importance-corrected).
        case async
    }

    public var algorithm = Algorithm.grpo
    public var task = ""
    public var rule: String?
    public var reward: String?
    public var rewardModel: String?
    public var promptsPerStep = 16
    public var groupSize = 8
    public var maxNewTokens = 64
    public var temperature = 1.0
    public var rolloutBatch = 64
    public var mode = Mode.sync
    public var maxStaleness: Int?
    public var epochs = 1
    public var minibatches = 1
    public var microBatch = 16
    public var clip = 0.2
    public var klCoef = 0.0
    public var klTarget: Double?
    public var klHorizon = 10_000
    public var entropyCoef = 0.0
    public var rolloutPrecision = DecodePrecision.fp32
    public var packPrompts = true
    public var revisions = 0
    public var seed: UInt64 = 0
    public var grpo = GRPOSettings()
    public var ppo = PPOSettings()


    public static let command = "finch rl"
    public static let sectionName: String? = "rl"
    public static let variantKey: String? = "algorithm"
    public static let unusedKeys = [
        "train.batch_size": "an RL step's batch is rl.prompts_per_step prompts × rl.group_size answers",
        "data.max_length": "answers are bounded by rl.max_new_tokens and the model's context",
        "data.drop_overlong": "a prompt that fills the context is an error, not skipped",
    ]

    public init() {}

    public static let keys: [ConfigKey<RLSection>] = [
        .choice("algorithm", \.algorithm, required: true, "grpo or ppo."),
        .value("task", \.task, .string, required: true, "The verifiable task that scores answers (its prompt files must be of this task)."),
        .value("rule", \.rule, .string, "The task's rule (GeneralPoints: id or ood)."),
        .value("reward", \.reward, .string, "The task's reward (GeneralPoints: shaped or binary)."),
        .value("reward_model", \.rewardModel, .string,
               "A `finch rm` checkpoint (or transformers sequence-classification directory) whose normalised score replaces the task's reward; the task's own score is still logged as task_reward."),
        .value("prompts_per_step", \.promptsPerStep, .integer(atLeast: 1), "Prompts per step, summed over all ranks."),
        .value("group_size", \.groupSize, .integer(atLeast: 1), "Answers per prompt (default: 8 for GRPO, 1 for PPO)."),
        .value("max_new_tokens", \.maxNewTokens, .integer(atLeast: 1), "Token budget of each answer."),
        .value("temperature", \.temperature, .number(.positive), "Sampling temperature (log-probs are taken at it too)."),
        .value("rollout_batch", \.rolloutBatch, .integer(atLeast: 1), "Sequences a rollout worker decodes together."),
        .choice("mode", \.mode, "sync (generate with v, train v → v+1) or async (generate with v while training on v−1's batch)."),
        .value("max_staleness", \.maxStaleness, .integer(atLeast: 0), "The oldest policy an answer may come from, in versions behind the learner (default: 0 sync, 1 async)."),
        .value("epochs", \.epochs, .integer(atLeast: 1), "Passes over each step's answers."),
        .value("minibatches", \.minibatches, .integer(atLeast: 1), "Optimiser updates per pass."),
        .value("micro_batch", \.microBatch, .integer(atLeast: 1), "Answers per forward/backward on a learner (gradient accumulation; the update is unchanged)."),
        .value("clip", \.clip, .number(.positive), "Importance-ratio clip ε."),
        .value("kl_coef", \.klCoef, .number(.nonNegative), "β, the KL coefficient (GRPO: k3 KL in the loss; PPO: per-token penalty in the reward)."),
        .value("kl_target", \.klTarget, .number(.nonNegative), "Adapt β toward this KL per answer (Ziegler's controller); absent keeps β fixed."),
        .value("kl_horizon", \.klHorizon, .integer(atLeast: 1), "The adaptive KL controller's horizon, in answers."),
        .value("entropy_coef", \.entropyCoef, .number(.nonNegative), "Weight of the entropy bonus."),
        .choice("rollout_precision", \.rolloutPrecision,
                "Weights and KV cache of rollout decoding: fp32, or bf16 (half the bytes per token; learners then recompute log π_old with their FP32 pass, so importance ratios stay exact; sync mode only)."),
        .value("pack_prompts", \.packPrompts, .boolean,
               "Train the answers to one prompt in one row, the prompt computed once (equal to padded rows up to float rounding; far fewer tokens when prompts are long)."),
        .value("revisions", \.revisions, .integer(atLeast: 0),
               "Tries after a wrong answer (Chu et al.'s sequential revision): the model is shown the task's question, its answer and the verifier's reason, and asked again; every try is trained on, and GRPO compares all tries at a prompt. The in-run evaluation allows as many."),
        .value("seed", \.seed, .unsignedInteger, "Base seed of every sampled answer (mixed with its prompt's global index and its number)."),
    ] + GRPOSettings.keys.map { $0.lifted(into: \.grpo, variants: [Algorithm.grpo.rawValue]) }
      + PPOSettings.keys.map { $0.lifted(into: \.ppo, variants: [Algorithm.ppo.rawValue]) }

    public mutating func resolve(given: Set<String>) throws {
        if !given.contains("group_size") { groupSize = algorithm == .grpo ? 8 : 1 }
    }

    /// The staleness the run enforces: the configured bound, or what the mode needs.
    public var stalenessBound: Int { maxStaleness ?? (mode == .async ? 1 : 0) }

    /// Whether the policy learns at `step` (0-based), or only the value head (PPO's critic
    /// warm-up; GRPO has none, so its warm-up is 0).
    public func updatesPolicy(atStep step: Int) -> Bool { step >= (algorithm == .ppo ? ppo.criticWarmup : 0) }

    /// Trajectories per step.
    public var trajectoriesPerStep: Int { promptsPerStep * groupSize }
}

/// `rl.rollout_precision: fp32|bf16`.
extension DecodePrecision: ConfigChoice {}

/// An RL run's config: the shared sections plus `rl:`.
public typealias RLRunConfig = RunConfig<RLSection>

extension RunConfig where Algorithm == RLSection {
    public var rl: RLSection {
        get { algorithm }
        set { algorithm = newValue }
    }
}

