import Foundation
import FinchData
import FinchEval
import FinchModel
import FinchTasks
import FinchTrain

/// What the preference recipe reports of a policy on held-out prompts, per problem so two
/// policies on the same prompts compare pairwise (`PairedDifference`): the task's ("true")
/// score of sampled answers, the reward model's score of them, their KL to a reference policy,
/// and how often the task's verifier accepts them. With best-of-N, each answer is the reward
/// model's pick of N samples, and its KL to the sampling policy is the analytic
/// log N − (N − 1)/N (an upper bound; Stiennon et al. 2020).
public struct PreferenceEvaluation: Codable, Equatable, Sendable {
    public var checkpoint: String
    public var answersPerProblem: Int
    public var bestOf: Int
    /// Per problem, the mean over its answers.
    public var trueScore: [Double]
    public var rewardModelScore: [Double]?
    public var kl: [Double]?
    public var correct: [Double]

    enum CodingKeys: String, CodingKey {
        case checkpoint, answersPerProblem = "answers_per_problem", bestOf = "best_of", trueScore = "true_score"
        case rewardModelScore = "reward_model_score", kl, correct
    }

    /// Mean and 95% half-width (normal approximation over problems) of per-problem values.
    public static func summary(_ values: [Double]) -> (mean: Double, halfWidth: Double) {
        let n = Double(values.count), mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / max(n - 1, 1)
        return (mean, 1.96 * (variance / n).squareRoot())
    }

    public var table: String {
        func pad(_ name: String) -> String { name.padding(toLength: 20, withPad: " ", startingAt: 0) }
        func row(_ name: String, _ values: [Double]?) -> String? {
            values.map { let s = Self.summary($0); return pad(name) + String(format: "%8.4f ± %.4f", s.mean, s.halfWidth) }
        }
        let klRow = bestOf > 1 ? pad("kl to policy") + String(format: "%8.4f (analytic bound, log N − (N−1)/N)",
                                                              log(Double(bestOf)) - Double(bestOf - 1) / Double(bestOf)) : row("kl to reference", kl)
        return ([String(format: "%@: %d problems × %d answers%@", checkpoint, trueScore.count, answersPerProblem,
                        bestOf > 1 ? ", each the reward model's best of \(bestOf)" : "")]
            + [row("true score", trueScore), row("reward model score", rewardModelScore), klRow,
               row("correct", correct)].compactMap { $0 }).joined(separator: "\n")
    }
}

/// Samples `samples` answers to every problem (each the best of `bestOf` by `rewardModel` when
/// `bestOf` > 1) and scores them; `reference` gives the KL column. One process.
public func evaluatePreferences(model: Transformer, tokenizer: any Tokenizer, task: any VerifiableTask, problems: [TaskInstance],
                                rewardModel: RewardModel?, reference: Transformer?, samples: Int, bestOf: Int,
                                temperature: Float, maxNewTokens: Int, seed: UInt64, batchSize: Int,
                                checkpoint: String) throws -> PreferenceEvaluation {
    guard bestOf == 1 || rewardModel != nil else { throw TrainError("best-of-N needs a reward model to pick with") }
    let template = try ChatTemplate(tokenizer: tokenizer)
    let draws = samples * bestOf
    let rows = problems.indices.flatMap { p in (0..<draws).map { (problem: p, draw: $0) } }
    var answers: [(prompt: [Int32], completion: [Int32], logprob: Double)] = []
    for start in stride(from: 0, to: rows.count, by: batchSize) {
        let batch = Array(rows[start..<min(rows.count, start + batchSize)])
        let prompts = batch.map { template.promptTokens(for: problems[$0.problem].prompt) }
        let outputs = generate(model: model, prompts: prompts, maxNewTokens: maxNewTokens, sampling: SamplingParams(temperature: temperature),
                               stopTokens: template.stopTokens, seeds: batch.map { answerSeed(base: seed, problem: $0.problem, sample: $0.draw) })
        for (prompt, out) in zip(prompts, outputs) {
            answers.append((prompt, out.tokens, out.logprobs.reduce(0) { $0 + Double($1) }))
        }
    }
    let rm = rewardModel.map { rm in
        rm.scores(answers.map { Array(($0.prompt + $0.completion.filter { !template.stopTokens.contains($0) } + [template.endOfTurnID]).prefix(rm.model.config.maxPositions)) },
                  batchSize: batchSize)
    }
    let referenceLogprobs = reference.map { sequenceLogProbs(model: $0, sequences: answers.map { ($0.prompt, $0.completion) }, batchSize: batchSize) }
    var result = PreferenceEvaluation(checkpoint: checkpoint, answersPerProblem: samples, bestOf: bestOf, trueScore: [],
                                      rewardModelScore: rm == nil ? nil : [], kl: reference == nil ? nil : [], correct: [])
    for p in problems.indices {
        // The kept answers: every draw, or the reward model's top one of each block of `bestOf`.
        let kept = (0..<samples).map { s -> Int in
            let block = (p * draws + s * bestOf)..<(p * draws + (s + 1) * bestOf)
            return bestOf > 1 ? block.max { rm![$0] < rm![$1] }! : block.lowerBound
        }
        var truth = 0.0, right = 0.0, rmSum = 0.0, klSum = 0.0
        for i in kept {
            let text = tokenizer.decode(answers[i].completion.filter { !template.stopTokens.contains($0) })
            let verdict = try task.score(problems[p], completion: text)
            truth += verdict.reward
            right += verdict.correct ? 1 : 0
            rmSum += rm?[i] ?? 0
            klSum += answers[i].logprob - (referenceLogprobs?[i] ?? 0)
        }
        let n = Double(samples)
        result.trueScore.append(truth / n)
        result.correct.append(right / n)
        if rm != nil { result.rewardModelScore!.append(rmSum / n) }
        if reference != nil { result.kl!.append(klSum / n) }
    }
    return result
}

/// log p(completion | prompt) under `model` for each (prompt, completion) pair, at temperature 1.
func sequenceLogProbs(model: Transformer, sequences: [(prompt: [Int32], completion: [Int32])], batchSize: Int) -> [Double] {
    let pass = TrainingPass(model: model)
    var out: [Double] = []
    for start in stride(from: 0, to: sequences.count, by: batchSize) {
        let chunk = sequences[start..<min(sequences.count, start + batchSize)]
        let examples = chunk.map { SFTExample(tokens: $0.prompt + $0.completion,
                                              lossMask: [Float](repeating: 0, count: $0.prompt.count) + [Float](repeating: 1, count: $0.completion.count)) }
        let batch = TokenBatch(examples: examples, length: .longest(cappedAt: model.config.maxPositions), padID: 0)
        let lp = pass.forward(tokens: batch.inputs, targets: batch.targets, batch: batch.batchSize, seqLen: batch.seqLen).logprobs
        out += SequenceLogProbs(logprobs: lp, batch: batch).sums
    }
    return out
}
