import FinchTrain

/// GRPO in the shared RL update: group-relative advantages per answer, no critic, and the KL
/// to the reference as a loss term (`grpoLoss`).
struct GRPO: RLObjective {
    let section: RLSection

    var usesValueHead: Bool { false }

    func answerAdvantages(_ batch: [Trajectory]) -> [Double]? {
        groupAdvantages(rewards: batch.map(\.reward), groupSize: section.groupSize, scaleByStd: section.grpo.scaleByGroupStd)
    }

    func prepare(_ rows: inout [LearnerRow], beta: Double, world: TrainingWorld) throws {}

    func loss(_ tokens: PolicyTokens, beta: Double, normalizer: Double, policy: Bool) -> PolicyLossResult {
        grpoLoss(tokens, clip: section.clip, beta: beta, entropyCoef: section.entropyCoef, normalizer: normalizer,
                 policy: policy)
    }
}
