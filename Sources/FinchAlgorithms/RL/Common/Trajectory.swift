import FinchTrain
import FinchData
import FinchModel
import Foundation

/// One sampled answer to one prompt, as a rollout worker sends it to the learners: everything
/// the update needs, so learners never re-run generation or the verifier.
public struct Trajectory: Codable, Equatable, Sendable {
    /// The prompt's position in the run's prompt stream (the global sample index), which fixes
    /// both the problem and, with `sample`, the answer's seed.
    public var prompt: Int
    /// Which of the prompt's `group_size` answers this is.
    public var sample: Int
    /// Which try of that answer (0 the first; `rl.revisions` allows more after a wrong one, whose
    /// `promptTokens` then quote the failed try and its reason).
    public var revision: Int = 0
    /// The chat-templated prompt tokens.
    public var promptTokens: [Int32]
    /// The generated tokens, the end-of-sequence token included when the answer stopped.
    public var completion: [Int32]
    /// log π_old of each completion token under the policy that sampled it (at the sampling
    /// temperature): the denominator of the importance ratio.
    public var logprobs: [Float]
    /// The verifier's (or reward model's) score of the whole answer.
    public var reward: Double
    public var correct: Bool
    public var formatOK: Bool
    public var finish: FinishReason
    /// The policy version whose weights generated it.
    public var version: Int
    /// The task's own score when `reward` comes from a reward model (the "true" score the
    /// reward model stands in for, reported beside it); nil when `reward` is the task's.
    public var taskReward: Double? = nil

    enum CodingKeys: String, CodingKey {
        case prompt, sample, revision, promptTokens = "prompt_tokens", completion, logprobs, reward, correct
        case formatOK = "format_ok", finish, version, taskReward = "task_reward"
    }
}

/// How trajectories travel between ranks. JSON keeps them inspectable in logs and dumps; a
/// step's few hundred answers encode in milliseconds, far below the cost of generating them.
enum TrajectoryCoding {
    static func encode(_ trajectories: [Trajectory]) throws -> Data {
        try JSONEncoder().encode(trajectories)
    }

    static func decode(_ data: Data, from source: String) throws -> [Trajectory] {
        do {
            return try JSONDecoder().decode([Trajectory].self, from: data)
        } catch {
            throw TrainError("trajectories from \(source) cannot be decoded: \(error)")
        }
    }
}
