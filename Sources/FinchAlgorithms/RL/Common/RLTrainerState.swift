import FinchTrain

/// What an RL run needs, beyond weights and optimiser moments, to continue where it stopped.
///
/// There is no RNG state to store per role: every answer's seed is a function of `rl.seed`, its
/// prompt's global index and its number in the group, and the prompt stream is a function of
/// `data.seed` and the step. The step therefore restores both the prompt cursor and every
/// worker's sampling.
public struct RLTrainerState: RunState {
    /// Updates completed (each one a batch of `prompts_per_step` prompts).
    public var step: Int
    /// The next batch starts at this global prompt index (step × prompts_per_step).
    public var promptCursor: Int
    /// Policy versions published so far: the version of the weights saved with this state.
    public var policyVersion: Int
    /// The policy optimiser's bias-correction step count (epochs × minibatches per step, none
    /// during PPO's critic warm-up).
    public var optimizerStep: Int
    /// The KL coefficient and its controller's settings.
    public var klController: KLController
    /// What the reference policy is (the run's initial weights), checked on resume.
    public var reference: String
    public var elapsedSeconds: Double
    /// Model FLOPs so far: generating and scoring every answer (forward passes) and every
    /// learner pass over them (`RLLearner.rolloutFlops`, `UpdateSums.flops`), the compute axis of a study.
    public var flops: Double = 0

    public var summary: String { "step \(step), policy version \(policyVersion), β \(klController.beta)" }

    enum CodingKeys: String, CodingKey {
        case step, promptCursor = "prompt_cursor", policyVersion = "policy_version", optimizerStep = "optimizer_step"
        case klController = "kl_controller", reference, elapsedSeconds = "elapsed_seconds", flops
    }

    init(step: Int, promptCursor: Int, policyVersion: Int, optimizerStep: Int, klController: KLController,
         reference: String, elapsedSeconds: Double) {
        (self.step, self.promptCursor, self.policyVersion, self.optimizerStep) = (step, promptCursor, policyVersion, optimizerStep)
        (self.klController, self.reference, self.elapsedSeconds) = (klController, reference, elapsedSeconds)
    }

    /// Checkpoints written before FLOPs were counted read as having counted none.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        step = try c.decode(Int.self, forKey: .step)
        promptCursor = try c.decode(Int.self, forKey: .promptCursor)
        policyVersion = try c.decode(Int.self, forKey: .policyVersion)
        optimizerStep = try c.decode(Int.self, forKey: .optimizerStep)
        klController = try c.decode(KLController.self, forKey: .klController)
        reference = try c.decode(String.self, forKey: .reference)
        elapsedSeconds = try c.decode(Double.self, forKey: .elapsedSeconds)
        flops = try c.decodeIfPresent(Double.self, forKey: .flops) ?? 0
    }
}
