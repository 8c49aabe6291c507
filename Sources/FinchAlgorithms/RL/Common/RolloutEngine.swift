import FinchEval
import FinchTrain
import FinchData
import FinchTasks
import FinchKernels
import FinchModel
import Foundation

/// Generates and scores answers: what a rollout worker does with each order, and what a
/// colocated learner does itself. The same batched engine as evaluation, with the sampling
/// temperature of the run and one seed per answer, so an answer depends only on the weights,
/// its prompt's global index and its number in the group — not on which rank made it or
/// which other answers shared its batch.
final class RolloutEngine {
    let model: Transformer
    let tokenizer: any Tokenizer
    /// Where answers end: the chat template's end of turn and the model's end-of-generation ids.
    let stopTokens: Set<Int32>
    let reward: any RewardSource
    let section: RLSection

    init(model: Transformer, template: ChatTemplate, reward: any RewardSource, section: RLSection) {
        self.model = model
        self.tokenizer = template.tokenizer
        stopTokens = template.stopTokens
        self.reward = reward
        self.section = section
    }

    /// `groupSize` answers to each of `prompts` (global index, problem, prompt tokens), in
    /// prompt order, each stamped with `version`.
    func rollouts(for prompts: [(global: Int, problem: TaskInstance, tokens: [Int32])], version: Int) throws -> [Trajectory] {
        let rows = prompts.indices.flatMap { p in (0..<section.groupSize).map { (prompt: p, sample: $0) } }
        let sampling = SamplingParams(temperature: Float(section.temperature))
        var out: [Trajectory] = []
        out.reserveCapacity(rows.count)
        // One decoder per call: with BF16 rollouts its copy of this version's weights is made once.
        let decoder = IncrementalForward(model: model, precision: section.rolloutPrecision)
        for start in stride(from: 0, to: rows.count, by: section.rolloutBatch) {
            let batch = rows[start..<min(rows.count, start + section.rolloutBatch)]
            let generations = generate(with: decoder, prompts: batch.map { prompts[$0.prompt].tokens },
                                       maxNewTokens: section.maxNewTokens, sampling: sampling,
                                       stopTokens: stopTokens,
                                       seeds: batch.map { answerSeed(base: section.seed, problem: prompts[$0.prompt].global, sample: $0.sample) })
            let answers = zip(batch, generations).map { row, generation in
                let completion = generation.tokens.filter { !stopTokens.contains($0) }
                return ScoredAnswer(problem: prompts[row.prompt].problem, promptTokens: prompts[row.prompt].tokens,
                                    completion: completion, text: tokenizer.decode(completion))
            }
            for ((row, generation), scored) in zip(zip(batch, generations), try reward.score(answers)) {
                let prompt = prompts[row.prompt], verdict = scored.verdict
                out.append(Trajectory(prompt: prompt.global, sample: row.sample, promptTokens: prompt.tokens,
                                      completion: generation.tokens, logprobs: generation.logprobs,
                                      reward: verdict.reward, correct: verdict.correct, formatOK: verdict.formatOK,
                                      finish: generation.finish, version: version, taskReward: scored.taskReward))
            }
        }
        return out
    }
}
