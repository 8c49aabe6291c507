import FinchTrain

/// GRPO in the shared RL update: group-relative advantages per answer, no critic, and the KL
/// to the reference as a loss term (`grpoLoss`).
struct GRPO: RLObjective {
    let section: RLSection

    var usesValueHead: Bool { false }

    /// A group is every try at one prompt: without revisions its `group_size` answers; with
    /// them also the revisions, whose baseline is then the mean over all tries at the prompt.
    func answerAdvantages(_ batch: [Trajectory]) -> [Double]? {
        var sizes: [Int] = []
        for (i, answer) in batch.enumerated() {
            if i > 0, batch[i - 1].prompt == answer.prompt { sizes[sizes.count - 1] += 1 } else { sizes.append(1) }
        }
        return groupAdvantages(rewards: batch.map(\.reward), groupSizes: sizes, scaleByStd: section.grpo.scaleByGroupStd)
    }

    func prepare(_ rows: inout [LearnerRow], beta: Double, world: TrainingWorld) throws {}

    func loss(_ tokens: PolicyTokens, beta: Double, normalizer: Double, policy: Bool) -> PolicyLossResult {
        grpoLoss(tokens, clip: section.clip, beta: beta, entropyCoef: section.entropyCoef, normalizer: normalizer,
                 policy: policy)
    }
}
