import FinchData
import FinchEval
import FinchKernels
import FinchModel
import FinchTasks
import FinchTrain

/// Which answer to a prompt re-distillation keeps.
public enum RedistillSelection: String, CaseIterable, Sendable {
    /// One correct answer of the policy's samples (the first, in sample order; samples are
    /// drawn independently, so it is a random correct one), as arXiv 2505.17988 re-distils.
    case correct
    /// The task's reference solution instead of the policy's: the baseline at equal data.
    case reference
    /// Of every correct answer, the one per prompt with the largest sample effect under the base
    /// (`selectByEffect`), then the records of largest effect: the paper's top-K by effect.
    case effect
}

/// One training example of re-distillation: an SFT record (`prompt`, `completion`) that also
/// says where it came from, so the written file can be inspected and re-scored.
public struct RedistillationRecord: Codable, Equatable, Sendable {
    public var prompt: String
    public var completion: String
    public var task: String
    public var rule: String?
    public var groundTruth: JSONValue
    /// The problem's position in the prompts file (0-based).
    public var problem: Int
    /// Which of the policy's samples it is; nil for a reference solution.
    public var sample: Int?
    /// How many of the policy's samples to this prompt were correct.
    public var correctSamples: Int
    /// Its sample effect under the base, when selected by effect.
    public var effect: Double?

    enum CodingKeys: String, CodingKey {
        case prompt, completion, task, rule, problem, sample, effect
        case groundTruth = "ground_truth", correctSamples = "correct_samples"
    }
}

/// How re-distillation samples its policy.
public struct RedistillationOptions: Sendable {
    public var samplesPerProblem: Int
    public var temperature: Float
    public var maxNewTokens: Int
    public var seed: UInt64
    public var batchSize: Int
    public var selection: RedistillSelection

    public init(samplesPerProblem: Int = 8, temperature: Float = 1, maxNewTokens: Int, seed: UInt64 = 0,
                batchSize: Int = 64, selection: RedistillSelection = .correct) {
        (self.samplesPerProblem, self.temperature, self.maxNewTokens) = (samplesPerProblem, temperature, maxNewTokens)
        (self.seed, self.batchSize, self.selection) = (seed, batchSize, selection)
    }
}

/// Re-distillation's data (arXiv 2505.17988): `samplesPerProblem` answers of an RL-trained
/// policy to each problem, scored by the task's verifier, and one record per problem that has
/// a correct answer — the policy's (`.correct`) or the task's reference (`.reference`, kept for
/// the same problems, so both selections train on the same prompts); `.effect` returns every
/// correct answer, for `selectByEffect` to choose from. Problems are indexed by
/// their position in `problems`' parent array and every answer's seed by (seed, index, sample),
/// so ranks that each take a slice produce, together, what one process would.
public func redistillationRecords(policy: Transformer, tokenizer: any Tokenizer, task: any VerifiableTask,
                                  problems: ArraySlice<TaskInstance>, options: RedistillationOptions) throws -> [RedistillationRecord] {
    guard options.samplesPerProblem >= 1, options.maxNewTokens >= 1, options.batchSize >= 1 else {
        throw TrainError("re-distillation: samples per problem (\(options.samplesPerProblem)), max new tokens (\(options.maxNewTokens)) and batch size (\(options.batchSize)) must be at least 1")
    }
    let template = try ChatTemplate(tokenizer: tokenizer)
    let rows = problems.indices.flatMap { p in (0..<options.samplesPerProblem).map { (problem: p, sample: $0) } }
    let prompts = try promptTokens(of: problems, task: task, template: template, maxPositions: policy.config.maxPositions)
    var correct: [Int: [(sample: Int, text: String)]] = [:]
    for start in stride(from: 0, to: rows.count, by: options.batchSize) {
        let batch = rows[start..<min(rows.count, start + options.batchSize)]
        let outputs = generate(model: policy, prompts: batch.map { prompts[$0.problem]! }, maxNewTokens: options.maxNewTokens,
                               sampling: SamplingParams(temperature: options.temperature), stopTokens: template.stopTokens,
                               seeds: batch.map { answerSeed(base: options.seed, problem: $0.problem, sample: $0.sample) })
        for (row, output) in zip(batch, outputs) {
            let text = tokenizer.decode(output.tokens.filter { !template.stopTokens.contains($0) })
            if try task.score(problems[row.problem], completion: text).correct {
                correct[row.problem, default: []].append((row.sample, text))
            }
        }
    }
    return try problems.indices.flatMap { p -> [RedistillationRecord] in
        guard let answers = correct[p], let first = answers.first else { return [] }
        let instance = problems[p]
        let chosen: [(sample: Int?, text: String)] = switch options.selection {
        case .correct: [(first.sample, first.text)]
        case .reference: [(nil, try task.referenceSolution(for: instance))]
        case .effect: answers.map { ($0.sample, $0.text) }
        }
        return chosen.map {
            RedistillationRecord(prompt: instance.prompt, completion: $0.text, task: instance.task, rule: instance.rule,
                                 groundTruth: instance.groundTruth, problem: p, sample: $0.sample, correctSamples: answers.count)
        }
    }
}

/// Re-distillation by sample effect: every candidate (all correct answers) scored under `base`,
/// the model that will be fine-tuned, against the mean gradient of all of them (`sampleEffects`);
/// per problem the candidate of largest effect, then the `count` problems whose best is largest,
/// returned in problem order with their effects. Every rank of `world` must call it with the same
/// candidates; they share the scoring.
public func selectByEffect(_ candidates: [RedistillationRecord], base: Transformer, tokenizer: any Tokenizer, maxLength: Int,
                           count: Int, world: TrainingWorld = .single()) throws -> [RedistillationRecord] {
    guard !candidates.isEmpty else { return [] }
    let examples = try SFTDataset(records: candidates.map { .promptCompletion(prompt: $0.prompt, completion: $0.completion) },
                                  source: "re-distillation candidates", tokenizer: tokenizer, maxLength: maxLength).examples
    let effects = try sampleEffects(model: base, samples: examples, target: examples, maxLength: maxLength, world: world)
    var best: [Int: RedistillationRecord] = [:]
    for (record, scored) in zip(candidates, effects) {
        var record = record
        record.effect = scored.effect
        if best[record.problem].map({ $0.effect! < scored.effect }) ?? true { best[record.problem] = record }
    }
    return best.values.sorted { ($0.effect!, -$0.problem) > ($1.effect!, -$1.problem) }.prefix(count).sorted { $0.problem < $1.problem }
}
