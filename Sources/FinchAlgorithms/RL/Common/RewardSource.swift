import FinchTrain
import FinchData
import FinchTasks

/// Where RL rewards come from. Rollout workers hold one and score every answer they generate.
///
/// Rule-based rewards (`TaskReward`) check answers with a task's verifier; a learned reward
/// model (trained from human comparisons, as in Ziegler et al.) conforms the same way, scoring
/// the prompt and answer text, so rollout workers and PPO need no change to use one.
public protocol RewardSource {
    /// Scores one answer; `correct` and `formatOK` are what the source can tell (a reward
    /// model reports false for both unless it also has a verifier).
    func score(_ problem: TaskInstance, completion: String) throws -> Verdict
}

/// Rewards from a verifiable task: the answer's correctness and format, as the task scores them.
public struct TaskReward: RewardSource {
    public let task: any VerifiableTask

    public init(task: any VerifiableTask) { self.task = task }

    public func score(_ problem: TaskInstance, completion: String) throws -> Verdict {
        try task.score(problem, completion: completion)
    }
}
