import FinchTrain

/// What one RL algorithm brings to the shared update (`PolicyUpdate`): its advantages and its
/// loss. Everything else — rollouts, the reference and value passes, minibatches, gradient
/// accumulation and sync, clipping, AdamW — is common.
protocol RLObjective {
    /// Whether the learner trains a value head beside the policy.
    var usesValueHead: Bool { get }
    /// Each answer's advantage from the whole step's answers (in batch order), when the
    /// algorithm's advantages are per answer; nil when `prepare` sets per-token ones.
    func answerAdvantages(_ batch: [Trajectory]) -> [Double]?
    /// Per-token advantages and returns of this learner's rows, after the reference and value
    /// passes filled `ref` and `oldValues`.
    func prepare(_ rows: inout [LearnerRow], beta: Double, world: TrainingWorld) throws
    /// The loss of some tokens of a minibatch and its gradients.
    func loss(_ tokens: PolicyTokens, beta: Double, normalizer: Double, policy: Bool) -> PolicyLossResult
}

extension RLSection {
    /// The configured algorithm's objective.
    var objective: any RLObjective {
        switch algorithm {
        case .grpo: return GRPO(section: self)
        case .ppo: return PPO(section: self)
        }
    }
}
