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
    /// How a revision's text becomes prompt tokens, as the first prompt's did, and whose
    /// question it quotes.
    let template: ChatTemplate
    let task: any VerifiableTask

    init(model: Transformer, template: ChatTemplate, task: any VerifiableTask, reward: any RewardSource, section: RLSection) {
        self.model = model
        self.template = template
        self.task = task
        self.tokenizer = template.tokenizer
        stopTokens = template.stopTokens
        self.reward = reward
        self.section = section
    }

    /// `groupSize` answers to each of `prompts` (global index, problem, prompt tokens), in
    /// prompt order, each stamped with `version`. With `rl.revisions`, a wrong answer is asked
    /// again (`RevisionPrompt`) until it is right or out of tries; each try is a trajectory of
    /// its own, right after the one it revises.
    func rollouts(for prompts: [(global: Int, problem: TaskInstance, tokens: [Int32])], version: Int) throws -> [Trajectory] {
        var pending = prompts.indices.flatMap { p in (0..<section.groupSize).map { Attempt(prompt: p, sample: $0, tokens: prompts[p].tokens) } }
        var out: [Trajectory] = []
        out.reserveCapacity(pending.count)
        // One decoder per call: with BF16 rollouts its copy of this version's weights is made once.
        let decoder = IncrementalForward(model: model, precision: section.rolloutPrecision)
        for revision in 0...section.revisions where !pending.isEmpty {
            var next: [Attempt] = []
            for start in stride(from: 0, to: pending.count, by: section.rolloutBatch) {
                let batch = Array(pending[start..<min(pending.count, start + section.rolloutBatch)])
                for (trajectory, retry) in try tries(batch, revision: revision, prompts: prompts, decoder: decoder, version: version) {
                    out.append(trajectory)
                    if let retry { next.append(retry) }
                }
            }
            pending = next
        }
        return out.sorted { ($0.prompt, $0.sample, $0.revision) < ($1.prompt, $1.sample, $1.revision) }
    }

    /// One try at a prompt: which prompt (its place in the call's list), which of its answers,
    /// and the tokens it is asked with (the prompt, or a revision of it).
    private struct Attempt {
        let prompt: Int
        let sample: Int
        let tokens: [Int32]
    }

    /// Decodes and scores one batch of tries; a wrong one with tries left comes with its revision.
    private func tries(_ batch: [Attempt], revision: Int, prompts: [(global: Int, problem: TaskInstance, tokens: [Int32])],
                       decoder: IncrementalForward, version: Int) throws -> [(Trajectory, Attempt?)] {
        let generations = generate(with: decoder, prompts: batch.map(\.tokens), maxNewTokens: section.maxNewTokens,
                                   sampling: SamplingParams(temperature: Float(section.temperature)), stopTokens: stopTokens,
                                   seeds: batch.map { revisionSeed(base: section.seed, round: revision, problem: prompts[$0.prompt].global, sample: $0.sample) })
        let answers = zip(batch, generations).map { attempt, generation in
            let completion = generation.tokens.filter { !stopTokens.contains($0) }
            return ScoredAnswer(problem: prompts[attempt.prompt].problem, promptTokens: attempt.tokens,
                                completion: completion, text: tokenizer.decode(completion))
        }
        let scores = try reward.score(answers)
        return try batch.indices.map { i in
            let attempt = batch[i], generation = generations[i], verdict = scores[i].verdict
            var trajectory = Trajectory(prompt: prompts[attempt.prompt].global, sample: attempt.sample, promptTokens: attempt.tokens,
                                        completion: generation.tokens, logprobs: generation.logprobs,
                                        reward: verdict.reward, correct: verdict.correct, formatOK: verdict.formatOK,
                                        finish: generation.finish, version: version, taskReward: scores[i].taskReward)
            trajectory.revision = revision
            guard !verdict.correct, revision < section.revisions else { return (trajectory, nil) }
            let text = RevisionPrompt.text(question: try task.revisionQuestion(for: answers[i].problem), failedAnswer: answers[i].text,
                                           reason: verdict.reason)
            let tokens = template.promptTokens(for: text)
            // A revision must leave room for an answer; one that would not stays the last try.
            guard tokens.count + 1 < model.config.maxPositions else { return (trajectory, nil) }
            return (trajectory, Attempt(prompt: attempt.prompt, sample: attempt.sample, tokens: tokens))
        }
    }
}
