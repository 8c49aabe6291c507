import FinchTrain
import FinchData

/// One answer as a learner trains on it: the tokens, and per completion token (K of them)
/// everything the loss reads. Completion token k is predicted at input position
/// `promptLength − 1 + k` of the row.
struct LearnerRow {
    /// Prompt then completion.
    let tokens: [Int32]
    let promptLength: Int
    /// log π_old: the behaviour policy's log-probs, from the rollout (recomputed in FP32 after
    /// BF16 rollouts). [K]
    var old: [Float]
    /// The answer's reward.
    let score: Double
    /// log π_ref, when the run has a KL term. [K]
    var ref: [Float]?
    /// Per-token advantages. [K]
    var advantages: [Double]
    /// PPO: value targets and the values before this step's updates. [K]
    var returns: [Double]?
    var oldValues: [Double]?

    init(_ trajectory: Trajectory, advantage: Double) {
        tokens = trajectory.promptTokens + trajectory.completion
        promptLength = trajectory.promptTokens.count
        old = trajectory.logprobs
        score = trajectory.reward
        advantages = Array(repeating: advantage, count: trajectory.completion.count)
    }

    var completionLength: Int { tokens.count - promptLength }

    /// Index in a `[B, T]` batch of completion token k of batch row `row`.
    func position(_ k: Int, row: Int, seqLen T: Int) -> Int { row * T + promptLength - 1 + k }
}

extension TokenBatch {
    /// The rows right-padded to `seqLen` positions, weight 1 on completion tokens.
    init(rows: ArraySlice<LearnerRow>, seqLen: Int, padID: Int32) {
        self.init(examples: rows.map { row in
            SFTExample(tokens: row.tokens, lossMask: (0..<row.tokens.count).map { $0 < row.promptLength ? 0 : 1 })
        }, length: .fixed(seqLen), padID: padID)
    }
}
