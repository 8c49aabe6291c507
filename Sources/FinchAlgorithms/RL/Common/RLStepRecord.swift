import FinchTrain
/// What one RL step did, as logged: the rollouts' figures and the update's.
public struct RLStepRecord: Sendable {
    public var step: Int
    public var meanReward: Double
    /// The task's own mean score when the reward is a reward model's (the score it stands in for).
    public var meanTaskReward: Double?
    /// Fraction of answers the verifier accepts, and of answers in the required format.
    public var accuracy: Double
    public var formatRate: Double
    /// Mean completion length in tokens.
    public var responseLength: Double
    /// Fraction of completion tokens whose importance ratio was clipped, over all updates.
    public var clipFraction: Double
    /// Mean per answer of Σ_t (log π_old − log π_ref); 0 without a reference.
    public var kl: Double
    public var entropy: Double
    public var policyLoss: Double
    public var valueLoss: Double
    public var beta: Double
    public var gradNorm: Double
    public var lr: Double
    /// How many versions behind the learner the oldest answer was.
    public var staleness: Int
    /// Seconds the coordinator spent obtaining batches instead of training (ordering and
    /// collecting them; for colocated rollouts, generating them), and the step's total.
    public var waitSeconds: Double
    public var stepSeconds: Double
    /// Model FLOPs of the run up to and including this step (`RLTrainerState.flops`).
    public var flops: Double

    var metrics: [String: Double] {
        var m = ["step": Double(step), "reward": meanReward, "accuracy": accuracy, "format_rate": formatRate,
         "response_length": responseLength, "clip_fraction": clipFraction, "kl": kl, "entropy": entropy,
         "policy_loss": policyLoss, "value_loss": valueLoss, "beta": beta, "grad_norm": gradNorm, "lr": lr,
         "staleness": Double(staleness), "wait_s": waitSeconds, "step_s": stepSeconds, "flops": flops]
        if let meanTaskReward { m["task_reward"] = meanTaskReward }
        return m
    }
}
