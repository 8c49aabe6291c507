import FinchTrain

/// PPO in the shared RL update (Ziegler et al. 2019): a value head, per-token rewards with the
/// KL penalty, GAE advantages whitened over all learners, and the clipped policy and value
/// losses (`ppoLoss`).
struct PPO: RLObjective {
    let section: RLSection

    var usesValueHead: Bool { true }

    func answerAdvantages(_ batch: [Trajectory]) -> [Double]? { nil }

    func prepare(_ rows: inout [LearnerRow], beta: Double, world: TrainingWorld) throws {
        let settings = section.ppo
        var moments = MomentSums()
        for i in rows.indices {
            let rewards = klPenalizedRewards(score: rows[i].score, oldLogprobs: rows[i].old, refLogprobs: rows[i].ref, beta: beta)
            let gae = generalizedAdvantages(rewards: rewards, values: rows[i].oldValues!, gamma: settings.gamma,
                                            lambda: settings.lam)
            rows[i].advantages = gae.advantages
            rows[i].returns = gae.returns
            for a in gae.advantages { moments.add(a) }
        }
        guard settings.whitenAdvantages else { return }
        let global = MomentSums(array: try world.sum(moments.array))
        let scale = 1 / (global.variance.squareRoot() + 1e-8)
        for i in rows.indices { rows[i].advantages = rows[i].advantages.map { ($0 - global.mean) * scale } }
    }

    func loss(_ tokens: PolicyTokens, beta: Double, normalizer: Double, policy: Bool) -> PolicyLossResult {
        ppoLoss(tokens, clip: section.clip, entropyCoef: section.entropyCoef, vfCoef: section.ppo.vfCoef,
                valueClip: section.ppo.valueClip, normalizer: normalizer, policy: policy)
    }
}
