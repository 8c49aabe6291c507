import FinchData
import FinchKernels
import Foundation

/// What a generated data set is for; each line is one JSON object with sorted keys.
///
/// Every line, whatever the format, carries `task`, `rule` (null for tasks without variants)
/// and `ground_truth` (the task's problem), so it can be re-scored without the generator:
/// - `sft`: `prompt` and `completion`, the reference solution (what `finch sft` trains on);
/// - `cft`: critique fine-tuning. `prompt` is `CritiquePrompt.render(question:solution:)` of
///   the task's question and a candidate solution — alternately the reference solution and a
///   flawed one from the task's perturber, so exactly half are flawed (first line correct) —
///   and `completion` is the rule-based critic's critique. The raw parts are kept as
///   `question`, `solution`, `critique` and `label` ("right" or "wrong", from the verifier);
/// - `prefs`: `prompt`, `chosen` (the reference solution) and `rejected` (a flawed one);
/// - `prompts`: `prompt` only, for RL rollouts and `finch eval --data`.
public enum TaskDatasetFormat: String, CaseIterable, Sendable {
    case sft, cft, prefs, prompts
}

/// Writes generated train/eval sets of a verifiable task.
public enum TaskDataset {
    /// Splits `count` training and `evalCount` held-out problems (no problem in both; see
    /// `VerifiableTask.split`) and writes them as `train.jsonl` and `eval.jsonl` in `directory`.
    /// Candidate solutions for `cft` and `prefs` come from a random stream of their own, so the
    /// problems for a seed are the same in every format.
    ///
    /// Problems sharing a key with one in `excluding` (say, another run's training set) are
    /// left out of both files afterwards, so the sets are those of `seed` minus the overlap;
    /// returns how many were left out of the training and the held-out set.
    @discardableResult
    public static func generate(task: any VerifiableTask, count: Int, evalCount: Int, seed: UInt64,
                                format: TaskDatasetFormat, directory: URL,
                                excluding: [TaskInstance] = []) throws -> (train: Int, eval: Int) {
        try generateOpened(task: task, count: count, evalCount: evalCount, seed: seed, format: format, directory: directory,
                           excluding: excluding)
    }

    private static func generateOpened<Task: VerifiableTask>(task: Task, count: Int, evalCount: Int, seed: UInt64,
                                                              format: TaskDatasetFormat, directory: URL,
                                                              excluding: [TaskInstance]) throws -> (train: Int, eval: Int) {
        let excluded = Set(try excluding.enumerated().map { try task.key(of: task.problem(from: $1, source: "excluded problem \($0)")) })
        let (allTrain, allEval) = try task.split(count: count, evalCount: evalCount, seed: seed)
        let train = allTrain.filter { !excluded.contains(task.key(of: $0)) }
        let eval = allEval.filter { !excluded.contains(task.key(of: $0)) }
        var solutionRNG = solutionStream(seed: seed)
        let trainLines = lines(task: task, problems: train, format: format, rng: &solutionRNG)
        let evalLines = lines(task: task, problems: eval, format: format, rng: &solutionRNG)
        try write(trainLines, to: directory.appendingPathComponent("train.jsonl"))
        try write(evalLines, to: directory.appendingPathComponent("eval.jsonl"))
        return (allTrain.count - train.count, allEval.count - eval.count)
    }

    /// Writes `ProblemVariants` of the problems in `originals` to `file` in `format`: up to
    /// `perProblem` other presentations of each. Returns how many were written, and how many
    /// originals got fewer than `perProblem` (their presentations ran out).
    @discardableResult
    public static func writeVariants(task: any VerifiableTask, of originals: [TaskInstance], perProblem: Int, seed: UInt64,
                                     format: TaskDatasetFormat, file: URL) throws -> (written: Int, short: Int) {
        try writeVariantsOpened(task: task, of: originals, perProblem: perProblem, seed: seed, format: format, file: file)
    }

    private static func writeVariantsOpened<Task: VerifiableTask>(task: Task, of originals: [TaskInstance], perProblem: Int,
                                                                   seed: UInt64, format: TaskDatasetFormat,
                                                                   file: URL) throws -> (written: Int, short: Int) {
        let problems = try originals.enumerated().map { try task.problem(from: $1, source: "problem \($0 + 1)") }
        let (variants, short) = ProblemVariants.draw(task: task, originals: problems, perProblem: perProblem, seed: seed)
        var solutionRNG = solutionStream(seed: seed)
        try write(lines(task: task, problems: variants, format: format, rng: &solutionRNG), to: file)
        return (variants.count, short)
    }

    /// The random stream of candidate solutions (`cft`, `prefs`), apart from the problems' stream.
    private static func solutionStream(seed: UInt64) -> RNG { RNG(seed: seed ^ 0xC0FF_EE00_5EED_CAFE) }

    /// One JSON object per problem in `format`.
    public static func lines<Task: VerifiableTask>(task: Task, problems: [Task.Problem], format: TaskDatasetFormat,
                                                   rng: inout RNG) -> [JSONValue] {
        problems.enumerated().map { index, problem in
            let instance = task.instance(of: problem)
            var fields: [String: JSONValue] = [
                "task": .string(instance.task),
                "rule": instance.rule.map(JSONValue.string) ?? .null,
                "ground_truth": instance.groundTruth,
                "prompt": .string(instance.prompt),
            ]
            switch format {
            case .sft:
                fields["completion"] = .string(task.referenceSolution(for: problem))
            case .cft:
                let solution = index % 2 == 0 ? task.referenceSolution(for: problem) : task.flawedSolution(for: problem, using: &rng)
                let critique = task.critique(problem, solution: solution).text
                fields["question"] = .string(instance.prompt)
                fields["solution"] = .string(solution)
                fields["critique"] = .string(critique)
                fields["label"] = .string(task.score(problem, completion: solution).correct ? "right" : "wrong")
                fields["prompt"] = .string(CritiquePrompt.render(question: instance.prompt, solution: solution))
                fields["completion"] = .string(critique)
            case .prefs:
                let record = PreferenceRecord(prompt: .plain(instance.prompt), choice: .pairwise(
                    chosen: .plain(task.referenceSolution(for: problem)), rejected: .plain(task.flawedSolution(for: problem, using: &rng))))
                fields.merge(JSONValue.object(from: record.jsonObject)) { $1 }
            case .prompts:
                break
            }
            return .object(fields)
        }
    }

    static func write(_ lines: [JSONValue], to url: URL) throws {
        try writeJSONLines(lines, to: url)
    }
}
