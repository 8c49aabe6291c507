import FinchTrain
import FinchData
import FinchTasks
import FinchKernels
import FinchModel

/// How `evaluateTask` decodes.
public struct TaskEvalOptions: Sendable {
    /// Completion budget per answer; generation also stops at the model's context limit.
    public var maxNewTokens: Int
    /// Sampled answers per problem for pass@k (0: greedy only).
    public var samples: Int
    public var temperature: Float
    /// Base of every sample's seed (see `evaluateTask`).
    public var seed: UInt64
    /// Sequences decoded together.
    public var batchSize: Int
    /// Tries after a wrong answer (`RevisionPrompt`): an answer counts as solved if any of its
    /// 1 + `revisions` tries is correct, and its other figures are its last try's.
    public var revisions: Int
    /// Told after every batch how far decoding is ("sampled 640/2000 answers"), for a progress line.
    public var progress: (@Sendable (String) -> Void)?

    public init(maxNewTokens: Int, samples: Int = 0, temperature: Float = 1, seed: UInt64 = 0, batchSize: Int = 64,
                revisions: Int = 0, progress: (@Sendable (String) -> Void)? = nil) {
        self.progress = progress
        self.revisions = revisions
        self.maxNewTokens = maxNewTokens
        self.samples = samples
        self.temperature = temperature
        self.seed = seed
        self.batchSize = batchSize
    }
}

/// Sums over a set of problems. Every field is a count or a sum, never a ratio, so the counts
/// of disjoint slices (one per MPI rank) add up to the counts of the whole set; the ratios are
/// computed only at the end.
public struct TaskEvalCounts: Codable, Equatable, Sendable {
    public var problems = 0
    /// Greedy decoding, one answer per problem.
    public var greedyCorrect = 0
    public var greedyFormatErrors = 0
    /// Answers cut off by the token budget or the context before the end-of-sequence token.
    public var greedyTruncated = 0
    public var greedyRewardSum = 0.0
    /// Sampling, `samplesPerProblem` answers per problem.
    public var samplesPerProblem = 0
    public var sampledAnswers = 0
    public var sampledCorrect = 0
    public var sampledFormatErrors = 0
    public var sampledRewardSum = 0.0
    /// Per-problem unbiased pass@1 and pass@k (k = `samplesPerProblem`), summed over problems.
    public var passAt1Sum = 0.0
    public var passAtKSum = 0.0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case problems
        case greedyCorrect = "greedy_correct"
        case greedyFormatErrors = "greedy_format_errors"
        case greedyTruncated = "greedy_truncated"
        case greedyRewardSum = "greedy_reward_sum"
        case samplesPerProblem = "samples_per_problem"
        case sampledAnswers = "sampled_answers"
        case sampledCorrect = "sampled_correct"
        case sampledFormatErrors = "sampled_format_errors"
        case sampledRewardSum = "sampled_reward_sum"
        case passAt1Sum = "pass_at_1_sum"
        case passAtKSum = "pass_at_k_sum"
    }

    /// Adds the counts of another, disjoint slice evaluated with the same options.
    public mutating func add(_ other: TaskEvalCounts) {
        precondition(problems == 0 || other.problems == 0 || samplesPerProblem == other.samplesPerProblem,
                     "TaskEvalCounts: slices sampled with different numbers of answers")
        if problems == 0 { samplesPerProblem = other.samplesPerProblem }
        problems += other.problems
        greedyCorrect += other.greedyCorrect
        greedyFormatErrors += other.greedyFormatErrors
        greedyTruncated += other.greedyTruncated
        greedyRewardSum += other.greedyRewardSum
        sampledAnswers += other.sampledAnswers
        sampledCorrect += other.sampledCorrect
        sampledFormatErrors += other.sampledFormatErrors
        sampledRewardSum += other.sampledRewardSum
        passAt1Sum += other.passAt1Sum
        passAtKSum += other.passAtKSum
    }

    public var greedyPassAt1: Double { ratio(Double(greedyCorrect), problems) }
    public var greedyMeanReward: Double { ratio(greedyRewardSum, problems) }
    public var greedyFormatErrorRate: Double { ratio(Double(greedyFormatErrors), problems) }
    public var sampledPassAt1: Double { ratio(passAt1Sum, problems) }
    public var sampledPassAtK: Double { ratio(passAtKSum, problems) }
    public var sampledMeanReward: Double { ratio(sampledRewardSum, sampledAnswers) }
    public var sampledFormatErrorRate: Double { ratio(Double(sampledFormatErrors), sampledAnswers) }

    private func ratio(_ sum: Double, _ count: Int) -> Double { count > 0 ? sum / Double(count) : .nan }
}

/// One greedy answer, for showing what the model writes.
public struct TaskEvalExample: Codable, Sendable {
    public var prompt: String
    public var completion: String
    public var verdict: Verdict
}

public struct TaskEvalResult: Sendable {
    public var counts: TaskEvalCounts
    /// The greedy answers to the first few problems.
    public var examples: [TaskEvalExample]
    /// Which of the evaluated problems were solved, in their order.
    public var outcomes: ProblemOutcomes
}

/// Evaluates a policy on problems of a verifiable task: one greedy answer per problem
/// (pass@1), and with `options.samples` = k > 0 also k sampled answers per problem, scored
/// with the unbiased pass@1 and pass@k. Prompts are rendered with
/// `ChatTemplate.promptTokens(for:)`, as SFT data is, and answers end at `<|eos|>`.
///
/// Answer j of problem i is drawn with a seed made from `options.seed`, i and j, where i is
/// the problem's index in `problems` — a slice keeps the indices of its parent array, so ranks
/// that each evaluate a slice of one array draw exactly the answers a single process would,
/// whatever the batch composition.
///
/// Throws if a problem's ground truth does not belong to `task` or its prompt fills the
/// model's context, naming the problem.
public func evaluateTask(model: Transformer, tokenizer: any Tokenizer, task: any VerifiableTask,
                         problems: ArraySlice<TaskInstance>, options: TaskEvalOptions) throws -> TaskEvalResult {
    guard options.maxNewTokens >= 1, options.batchSize >= 1, options.samples >= 0, options.revisions >= 0 else {
        throw TrainError("task evaluation: maxNewTokens (\(options.maxNewTokens)) and batchSize (\(options.batchSize)) must be at least 1, samples (\(options.samples)) and revisions (\(options.revisions)) at least 0")
    }
    let template = try ChatTemplate(tokenizer: tokenizer)
    let prompts = try promptTokens(of: problems, task: task, template: template, maxPositions: model.config.maxPositions)

    var counts = TaskEvalCounts()
    counts.problems = problems.count
    counts.samplesPerProblem = options.samples
    var examples: [TaskEvalExample] = []
    var outcomes = ProblemOutcomes(greedyCorrect: Array(repeating: 0, count: problems.count), sampledCorrect: [])

    let greedy = try decode(model: model, template: template, task: task, problems: problems, prompts: prompts,
                            answersPerProblem: 1, sampling: .greedy, options: options)
    for answer in greedy {
        if answer.verdict.correct {
            counts.greedyCorrect += 1
            outcomes.greedyCorrect[answer.problem - problems.startIndex] = 1
        }
        if !answer.verdict.formatOK { counts.greedyFormatErrors += 1 }
        if answer.truncated { counts.greedyTruncated += 1 }
        counts.greedyRewardSum += answer.verdict.reward
        if examples.count < 3 {
            examples.append(TaskEvalExample(prompt: problems[answer.problem].prompt, completion: answer.text,
                                            verdict: answer.verdict))
        }
    }

    if options.samples > 0 {
        let sampled = try decode(model: model, template: template, task: task, problems: problems, prompts: prompts,
                                 answersPerProblem: options.samples,
                                 sampling: SamplingParams(temperature: options.temperature), options: options)
        var correctPerProblem: [Int: Int] = [:]
        for answer in sampled {
            counts.sampledAnswers += 1
            if answer.verdict.correct {
                counts.sampledCorrect += 1
                correctPerProblem[answer.problem, default: 0] += 1
            }
            if !answer.verdict.formatOK { counts.sampledFormatErrors += 1 }
            counts.sampledRewardSum += answer.verdict.reward
        }
        for index in problems.indices {
            let correct = correctPerProblem[index, default: 0]
            counts.passAt1Sum += unbiasedPassAtK(samples: options.samples, correct: correct, k: 1)
            counts.passAtKSum += unbiasedPassAtK(samples: options.samples, correct: correct, k: options.samples)
            outcomes.sampledCorrect.append(correct)
        }
    }
    return TaskEvalResult(counts: counts, examples: examples, outcomes: outcomes)
}

/// Each problem's prompt tokens by its index, after checking that it belongs to `task` and
/// leaves room in the context to answer; the error names the problem.
public func promptTokens(of problems: ArraySlice<TaskInstance>, task: any VerifiableTask, template: ChatTemplate,
                         maxPositions: Int) throws -> [Int: [Int32]] {
    var prompts: [Int: [Int32]] = [:]
    for index in problems.indices {
        _ = try task.problem(from: problems[index], source: "problem \(index)")
        let tokens = template.promptTokens(for: problems[index].prompt)
        guard tokens.count < maxPositions else {
            throw TrainError("problem \(index): the prompt is \(tokens.count) tokens, which fills the model's context of \(maxPositions) positions")
        }
        prompts[index] = tokens
    }
    return prompts
}

/// The seed of answer `sample` to problem `problem`: the three numbers mixed so that nearby
/// indices give unrelated streams.
public func answerSeed(base: UInt64, problem: Int, sample: Int) -> UInt64 {
    var rng = RNG(seed: base ^ (UInt64(problem) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(sample) &* 0xD1B5_4A32_D192_ED03))
    return rng.next()
}

private struct ScoredAnswer {
    let problem: Int
    let text: String
    let truncated: Bool
    /// The last try's verdict.
    let verdict: Verdict
}

/// `answersPerProblem` answers to every problem, decoded `options.batchSize` at a time; with
/// `options.revisions`, each wrong answer is then asked again (`RevisionPrompt`) until it is
/// right or out of tries, round by round so that each round still decodes in full batches.
private func decode(model: Transformer, template: ChatTemplate, task: any VerifiableTask,
                    problems: ArraySlice<TaskInstance>, prompts: [Int: [Int32]], answersPerProblem: Int,
                    sampling: SamplingParams, options: TaskEvalOptions) throws -> [ScoredAnswer] {
    let rows = problems.indices.flatMap { index in (0..<answersPerProblem).map { (problem: index, sample: $0) } }
    let tokenizer = template.tokenizer
    let label = answersPerProblem == 1 && sampling == .greedy ? "greedy" : "sampled"
    var answers = [ScoredAnswer?](repeating: nil, count: rows.count)
    var pending = rows.indices.map { (row: $0, prompt: prompts[rows[$0].problem]!) }
    for round in 0...options.revisions where !pending.isEmpty {
        var next: [(row: Int, prompt: [Int32])] = []
        for start in stride(from: 0, to: pending.count, by: options.batchSize) {
            let batch = pending[start..<min(pending.count, start + options.batchSize)]
            let outputs = generate(model: model, prompts: batch.map(\.prompt),
                                   maxNewTokens: options.maxNewTokens, sampling: sampling, stopTokens: template.stopTokens,
                                   seeds: batch.map { revisionSeed(base: options.seed, round: round, problem: rows[$0.row].problem, sample: rows[$0.row].sample) })
            for (item, output) in zip(batch, outputs) {
                let problem = rows[item.row].problem
                let text = tokenizer.decode(output.tokens.filter { !template.stopTokens.contains($0) })
                let verdict = try task.score(problems[problem], completion: text)
                answers[item.row] = ScoredAnswer(problem: problem, text: text, truncated: output.finish == .length,
                                                 verdict: verdict)
                guard !verdict.correct, round < options.revisions else { continue }
                let question = try task.revisionQuestion(for: problems[problem])
                let revision = template.promptTokens(for: RevisionPrompt.text(question: question, failedAnswer: text, reason: verdict.reason))
                if revision.count < model.config.maxPositions { next.append((item.row, revision)) }
            }
            let done = answers.count { $0 != nil }
            options.progress?("\(label) \(done)/\(rows.count) answers" + (round > 0 ? ", revision \(round)" : ""))
        }
        pending = next
    }
    return answers.map { $0! }
}

/// The seed of try `round` of an answer: the first try's is `answerSeed`'s, so an evaluation
/// without revisions draws what it always drew.
public func revisionSeed(base: UInt64, round: Int, problem: Int, sample: Int) -> UInt64 {
    answerSeed(base: round == 0 ? base : base ^ (UInt64(round) &* 0x94D0_49BB_1331_11EB), problem: problem, sample: sample)
}

extension TaskEvalCounts {
    /// The counts of every rank added up, when each rank evaluated its own share of the
    /// problems (`TrainingWorld.share`): the result a single process would report.
    public func summed(over world: TrainingWorld) throws -> TaskEvalCounts {
        let ints = [problems, greedyCorrect, greedyFormatErrors, greedyTruncated, sampledAnswers, sampledCorrect,
                    sampledFormatErrors].map(Double.init)
        let v = try world.sum(ints + [greedyRewardSum, sampledRewardSum, passAt1Sum, passAtKSum])
        var total = TaskEvalCounts()
        total.problems = Int(v[0]); total.greedyCorrect = Int(v[1]); total.greedyFormatErrors = Int(v[2])
        total.greedyTruncated = Int(v[3]); total.sampledAnswers = Int(v[4]); total.sampledCorrect = Int(v[5])
        total.sampledFormatErrors = Int(v[6])
        total.greedyRewardSum = v[7]; total.sampledRewardSum = v[8]; total.passAt1Sum = v[9]; total.passAtKSum = v[10]
        total.samplesPerProblem = total.problems > 0 ? total.sampledAnswers / total.problems : 0
        return total
    }
}
