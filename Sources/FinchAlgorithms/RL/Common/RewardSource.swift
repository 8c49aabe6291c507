import Foundation
import FinchTrain
import FinchData
import FinchTasks

/// One generated answer, as a reward source sees it: the problem, the prompt tokens the
/// policy read, the answer's tokens (without the end-of-sequence token) and its text.
public struct ScoredAnswer {
    public var problem: TaskInstance
    public var promptTokens: [Int32]
    public var completion: [Int32]
    public var text: String
}

/// Where RL rewards come from. Rollout workers hold one and score every batch of answers they
/// generate.
///
/// Rule-based rewards (`TaskReward`) check answers with a task's verifier; a learned reward
/// model (`RewardModelReward`, trained from human comparisons as in Ziegler et al.) scores the
/// prompt and answer tokens in batches on the same kernels. Rollout workers and PPO need no
/// change to use either.
public protocol RewardSource {
    /// One reward per answer, in order.
    func score(_ answers: [ScoredAnswer]) throws -> [AnswerReward]
}

/// An answer's reward (`verdict.reward`, with the verifier's correctness and format) and, when
/// that reward comes from a reward model, the task's own score it stands in for.
public struct AnswerReward {
    public var verdict: Verdict
    public var taskReward: Double?
}

/// Rewards from a verifiable task: the answer's correctness and format, as the task scores them.
public struct TaskReward: RewardSource {
    public let task: any VerifiableTask

    public init(task: any VerifiableTask) { self.task = task }

    public func score(_ answers: [ScoredAnswer]) throws -> [AnswerReward] {
        try answers.map { AnswerReward(verdict: try task.score($0.problem, completion: $0.text), taskReward: nil) }
    }
}

/// Rewards from a trained reward model, normalised as it was saved (Ziegler's mean 0, std 1 on
/// the reference policy's samples). The sequence scored is what the model was trained on: the
/// prompt tokens, the answer and its end of turn (also after an answer cut at `max_new_tokens`).
/// Correctness and format still come from the task's verifier, so the log can report the
/// task's score beside the reward model's.
public struct RewardModelReward: RewardSource {
    public let model: RewardModel
    public let task: any VerifiableTask
    public let eosID: Int32
    public let batchSize: Int

    /// `template`: the chat layout the reward model was trained with (its answers end with `endOfTurnID`).
    public init(directory: URL, task: any VerifiableTask, template: ChatTemplate, batchSize: Int) throws {
        model = try RewardModel(directory: directory)
        self.task = task
        eosID = template.endOfTurnID
        self.batchSize = batchSize
    }

    public func score(_ answers: [ScoredAnswer]) throws -> [AnswerReward] {
        let limit = model.model.config.maxPositions
        let scores = model.scores(answers.map { Array(($0.promptTokens + $0.completion + [eosID]).prefix(limit)) }, batchSize: batchSize)
        return try zip(answers, scores).map { answer, score in
            var verdict = try task.score(answer.problem, completion: answer.text)
            let taskReward = verdict.reward
            verdict.reward = score
            return AnswerReward(verdict: verdict, taskReward: taskReward)
        }
    }
}
