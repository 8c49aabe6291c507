/// `rl:` — the reinforcement-learning part of a run: which algorithm, which task rewards it,
/// how rollouts are drawn, and the loss's coefficients. `data.train` and `data.eval` are
/// prompt files (`finch data generate --format prompts`); `train` holds the optimiser.
///
/// Names follow TRL/OpenRLHF where they exist (`cliprange` → `clip`, `vf_coef`, `gamma`,
/// `lam`, `kl_coef`, `target_kl` → `kl_target`, `horizon` → `kl_horizon`).
public struct RLSection: Codable, Equatable, Sendable {
    public enum Algorithm: String, Codable, Sendable, CaseIterable {
        /// Group-relative advantages, no critic (DeepSeek-R1 / DeepSeekMath).
        case grpo
        /// Value head, GAE and per-token KL in the reward (Ziegler et al. 2019).
        case ppo
    }

    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// Generate with version v, train v → v+1.
        case sync
        /// Generate with v while training on the batch made by v−1 (importance-corrected).
        case async
    }

    public var algorithm: Algorithm
    /// Task name (`TaskCatalog`), and its settings; the prompt files must be of this task.
    public var task: String
    public var rule: String?
    /// GeneralPoints: "shaped" or "binary".
    public var reward: String?
    /// Prompts per step (summed over all ranks); each is answered `groupSize` times.
    public var promptsPerStep: Int
    public var groupSize: Int
    public var maxNewTokens: Int
    public var temperature: Double
    /// Sequences a rollout worker decodes together.
    public var rolloutBatch: Int
    public var mode: Mode
    /// The oldest policy a trajectory may come from, in versions behind the learner; nil means
    /// what the mode needs (0 for sync, 1 for async).
    public var maxStaleness: Int?
    /// Passes over each batch, and optimiser updates per pass.
    public var epochs: Int
    public var minibatches: Int
    /// Answers per forward/backward on a learner; a minibatch's gradient is accumulated over
    /// them, which bounds activation memory without changing the update.
    public var microBatch: Int
    /// Importance-ratio clip ε.
    public var clip: Double
    /// β, the KL coefficient (GRPO: k3 KL term in the loss; PPO: per-token penalty in the reward).
    public var klCoef: Double
    /// Set to adapt β toward this KL per sequence (Ziegler's controller); nil keeps β fixed.
    public var klTarget: Double?
    public var klHorizon: Int
    /// GRPO: divide group-centred rewards by the group's std (false: mean-only, Dr. GRPO).
    public var scaleByGroupStd: Bool
    public var entropyCoef: Double
    /// PPO: discount, GAE λ, value-loss weight and clip, advantage whitening.
    public var gamma: Double
    public var lam: Double
    public var vfCoef: Double
    public var valueClip: Double
    public var whitenAdvantages: Bool
    /// PPO: steps at the start in which only the value head learns and the policy stays put
    /// (verl's `critic_warmup`, OpenRLHF's `freezing_actor_steps`). The head starts at zero, so
    /// without it the first updates' advantages rest on value estimates that mean nothing yet.
    public var criticWarmup: Int
    /// Base seed of every sampled answer (mixed with its prompt's global index and its number).
    public var seed: UInt64

    public init(algorithm: Algorithm, task: String, rule: String? = nil, reward: String? = nil,
                promptsPerStep: Int = 16, groupSize: Int? = nil, maxNewTokens: Int = 64, temperature: Double = 1,
                rolloutBatch: Int = 64, mode: Mode = .sync, maxStaleness: Int? = nil, epochs: Int = 1,
                minibatches: Int = 1, microBatch: Int = 16, clip: Double = 0.2, klCoef: Double = 0, klTarget: Double? = nil,
                klHorizon: Int = 10_000, scaleByGroupStd: Bool = true, entropyCoef: Double = 0, gamma: Double = 1,
                lam: Double = 0.95, vfCoef: Double = 0.1, valueClip: Double = 0.2, whitenAdvantages: Bool = true,
                criticWarmup: Int = 0, seed: UInt64 = 0) {
        self.algorithm = algorithm
        self.task = task
        self.rule = rule
        self.reward = reward
        self.promptsPerStep = promptsPerStep
        self.groupSize = groupSize ?? (algorithm == .grpo ? 8 : 1)
        self.maxNewTokens = maxNewTokens
        self.temperature = temperature
        self.rolloutBatch = rolloutBatch
        self.mode = mode
        self.maxStaleness = maxStaleness
        self.epochs = epochs
        self.minibatches = minibatches
        self.microBatch = microBatch
        self.clip = clip
        self.klCoef = klCoef
        self.klTarget = klTarget
        self.klHorizon = klHorizon
        self.scaleByGroupStd = scaleByGroupStd
        self.entropyCoef = entropyCoef
        self.gamma = gamma
        self.lam = lam
        self.vfCoef = vfCoef
        self.valueClip = valueClip
        self.whitenAdvantages = whitenAdvantages
        self.criticWarmup = criticWarmup
        self.seed = seed
    }

    /// The staleness the run enforces: the configured bound, or what the mode needs.
    public var stalenessBound: Int { maxStaleness ?? (mode == .async ? 1 : 0) }

    /// Whether the policy learns at `step` (0-based), or only the value head (PPO's critic
    /// warm-up; other algorithms are refused a warm-up, so theirs is 0).
    public func updatesPolicy(atStep step: Int) -> Bool { step >= criticWarmup }

    /// Trajectories per step.
    public var trajectoriesPerStep: Int { promptsPerStep * groupSize }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case algorithm, task, rule, reward, promptsPerStep = "prompts_per_step", groupSize = "group_size"
        case maxNewTokens = "max_new_tokens", temperature, rolloutBatch = "rollout_batch", mode
        case maxStaleness = "max_staleness", epochs, minibatches, microBatch = "micro_batch", clip, klCoef = "kl_coef", klTarget = "kl_target"
        case klHorizon = "kl_horizon", scaleByGroupStd = "scale_by_group_std", entropyCoef = "entropy_coef"
        case gamma, lam, vfCoef = "vf_coef", valueClip = "value_clip", whitenAdvantages = "whiten_advantages"
        case criticWarmup = "critic_warmup", seed
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(algorithm: try c.decode(Algorithm.self, forKey: .algorithm), task: try c.decode(String.self, forKey: .task),
                  groupSize: try c.decodeIfPresent(Int.self, forKey: .groupSize))
        try c.update(&rule, from: .rule)
        try c.update(&reward, from: .reward)
        try c.update(&promptsPerStep, from: .promptsPerStep)
        try c.update(&maxNewTokens, from: .maxNewTokens)
        try c.update(&temperature, from: .temperature)
        try c.update(&rolloutBatch, from: .rolloutBatch)
        try c.update(&mode, from: .mode)
        try c.update(&maxStaleness, from: .maxStaleness)
        try c.update(&epochs, from: .epochs)
        try c.update(&minibatches, from: .minibatches)
        try c.update(&microBatch, from: .microBatch)
        try c.update(&clip, from: .clip)
        try c.update(&klCoef, from: .klCoef)
        try c.update(&klTarget, from: .klTarget)
        try c.update(&klHorizon, from: .klHorizon)
        try c.update(&scaleByGroupStd, from: .scaleByGroupStd)
        try c.update(&entropyCoef, from: .entropyCoef)
        try c.update(&gamma, from: .gamma)
        try c.update(&lam, from: .lam)
        try c.update(&vfCoef, from: .vfCoef)
        try c.update(&valueClip, from: .valueClip)
        try c.update(&whitenAdvantages, from: .whitenAdvantages)
        try c.update(&criticWarmup, from: .criticWarmup)
        try c.update(&seed, from: .seed)
    }
}

extension RLSection: ConfigSection {
    static func field(_ key: CodingKeys) -> ConfigField {
        switch key {
        case .algorithm: return .required(.choice(Algorithm.allCases.map(\.rawValue)))
        case .task: return .required(.string)
        case .rule, .reward: return .optional(.string)
        case .mode: return .optional(.choice(Mode.allCases.map(\.rawValue)))
        case .promptsPerStep, .groupSize, .maxNewTokens, .rolloutBatch, .epochs, .minibatches, .microBatch, .klHorizon:
            return .optional(.integer(atLeast: 1))
        case .maxStaleness, .criticWarmup: return .optional(.integer(atLeast: 0))
        case .temperature, .clip: return .optional(.number(.positive))
        case .klCoef, .klTarget, .entropyCoef, .vfCoef, .valueClip: return .optional(.number(.nonNegative))
        case .gamma, .lam: return .optional(.number(.unitInterval))
        case .scaleByGroupStd, .whitenAdvantages: return .optional(.boolean)
        case .seed: return .optional(.unsignedInteger)
        }
    }
}
