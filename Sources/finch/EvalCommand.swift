import ArgumentParser
import FinchData
import FinchTasks
import FinchDistributed
import FinchKernels
import FinchEval
import FinchTrain
import Foundation

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint on a verifiable task: greedy pass@1, sampled pass@k, mean reward, format errors.",
        discussion: """
        Problems come from --data (a prompts, sft or prefs file from 'finch data generate'), or are \
        generated as the held-out set of 'finch data generate --seed S': the first --n lines of its \
        eval.jsonl, which its train.jsonl never shares. Use the seed the training data was made with.
        """)

    @Option(help: "Checkpoint directory (config.json, model.safetensors, tokenizer.json).") var checkpoint: String
    @OptionGroup var taskOptions: DataCommand.TaskOptions
    @Option(help: "Problems (default: all of --data; required without it).") var n: Int?
    @Option(help: "Sampled answers per problem for pass@k (0: greedy only).") var samples = 0
    @Option(help: "Sampling temperature for --samples.") var temperature: Float = 1.0
    @Option(help: "Seed of the generated held-out set and of the samples.") var seed: UInt64 = 0
    @Option(help: "Problems file instead of generated problems.") var data: String?
    @Option(help: "Write the result as JSON here.") var out: String?
    @Option(help: "Token budget per answer (default: twice the longest reference solution, plus 16).")
    var maxNewTokens: Int?
    @Option(help: "Sequences decoded together.") var batchSize = 64
    @Option(help: "Tries after a wrong answer: the answer and the verifier's reason are shown and the model asked again (Chu et al.'s sequential revision).")
    var revisions = 0
    @Option(help: "Kernel threads.") var threads = 1
    @OptionGroup(title: "Policies trained from preferences") var preference: PreferenceEvalOptions
    @Option(help: "Instead of a task: per-token loss and perplexity of this JSONL file of {\"text\": …} records.")
    var perplexity: String?

    /// Under mpirun every rank evaluates its share of the problems (same checkpoint, same
    /// problem list) and rank 0 reports the summed counts: the numbers one process would give.
    func run() throws {
        guard samples >= 0, batchSize >= 1, revisions >= 0 else { throw ValidationError("--samples and --revisions must be >= 0 and --batch-size >= 1") }
        guard temperature.isFinite, temperature > 0 || samples == 0 else {
            throw ValidationError("--temperature must be a positive finite number for --samples, got \(temperature)")
        }
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must lie within 1...1024, got \(threads)") }
        if let n, n < 1 { throw ValidationError("--n must be at least 1, got \(n)") }
        if let maxNewTokens, !(1...1_000_000).contains(maxNewTokens) { throw ValidationError("--max-new-tokens must lie within 1...1000000") }
        if let out { try requireOutputDirectory(of: out, option: "--out") }  // fail before the evaluation, not after it
        if let perplexity { return try reportPerplexity(perplexity) }
        let world = try TrainingWorld(comm: Communicator.world())
        do {
            try evaluate(world)
        } catch {
            world.abort(error)
        }
    }

    private func evaluate(_ world: TrainingWorld) throws {
        KernelThreads.set(threads)
        let task = try taskOptions.makeTask()
        let problems = try loadProblems(task)
        let policy = try LoadedPolicy(checkpoint: URL(fileURLWithPath: checkpoint))
        // A prompt the model cannot read is named by its file and line, before any decoding.
        let template = try ChatTemplate(tokenizer: policy.tokenizer)
        for (index, problem) in problems.enumerated() where template.promptTokens(for: problem.prompt).count >= policy.model.config.maxPositions {
            throw DataError(source: data ?? "generated problem", line: index + 1,
                            reason: "the prompt is \(template.promptTokens(for: problem.prompt).count) tokens, which fills the model's context of \(policy.model.config.maxPositions)")
        }
        let budget = try maxNewTokens ?? defaultBudget(task, problems, policy.tokenizer)
        if preference.isRequested {
            guard world.size == 1 else { throw ValidationError("the preference evaluation runs in one process") }
            return try preference.run(policy: policy, checkpoint: checkpoint, task: task, problems: problems, samples: samples,
                                      temperature: temperature, maxNewTokens: budget, seed: seed, batchSize: batchSize, out: out)
        }
        let share = world.share(of: problems.count)
        var showProgress: (@Sendable (String) -> Void)?
        if world.isCoordinator { showProgress = { (line: String) in TerminalLine.shared.show("eval: \(line)") } }
        let result = try evaluateTask(model: policy.model, tokenizer: policy.tokenizer, task: task,
                                      problems: problems[share],
                                      options: TaskEvalOptions(maxNewTokens: budget, samples: samples,
                                                               temperature: temperature, seed: seed, batchSize: batchSize,
                                                               revisions: revisions, progress: showProgress))
        TerminalLine.shared.clear()
        let counts = try result.counts.summed(over: world)
        var outcomes = try result.outcomes.gathered(over: world, offset: share.lowerBound, total: problems.count)
        outcomes.keys = try problems.map(task.keyText(of:))
        guard world.isCoordinator else { return }
        let report = EvalReport(checkpoint: checkpoint, task: task.name, rule: task.rule,
                                problems: data ?? "generated held-out set, seed \(seed)", seed: seed,
                                maxNewTokens: budget, temperature: samples > 0 ? temperature : nil, revisions: revisions,
                                counts: counts, examples: result.examples, outcomes: outcomes)
        print(report.table)
        if let out { try report.write(to: out) }
    }

    /// Each text is read as bos + its tokens; windows restart the context past `n_positions`.
    private func reportPerplexity(_ path: String) throws {
        guard taskOptions.task == nil, preference.isRequested == false else {
            throw ValidationError("--perplexity measures text, not a task: drop --task and the preference options")
        }
        KernelThreads.set(threads)
        let texts = try TextRecords.read(URL(fileURLWithPath: path))
        let policy = try LoadedPolicy(checkpoint: URL(fileURLWithPath: checkpoint))
        let report = PerplexityReport(scorer: NextTokenScorer(model: policy.model), tokenizer: policy.tokenizer,
                                      texts: Array(texts.prefix(n ?? texts.count)))
        print("\(path): \(report.summary)")
        if let out {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: out), options: .atomic)
        }
    }

    private func loadProblems(_ task: any VerifiableTask) throws -> [TaskInstance] {
        if let data {
            let all = try TaskInstanceFile.read(URL(fileURLWithPath: data), task: task)
            return Array(all.prefix(n ?? all.count))
        }
        guard let n, n >= 1 else { throw ValidationError("--n (at least 1) is required without --data") }
        return try heldOutProblems(task, count: n)
    }

    private func heldOutProblems<Task: VerifiableTask>(_ task: Task, count: Int) throws -> [TaskInstance] {
        try task.split(count: 0, evalCount: count, seed: seed).eval.map(task.instance(of:))
    }

    private func defaultBudget(_ task: any VerifiableTask, _ problems: [TaskInstance], _ tokenizer: any Tokenizer) throws -> Int {
        let longest = try problems.map { tokenizer.encode(try task.referenceSolution(for: $0)).count }.max() ?? 0
        return 2 * longest + 16
    }
}
