import FinchData
import FinchKernels

/// A task whose answers a program can check: the environment that SFT data, critique
/// fine-tuning, preference data, RL with verifiable rewards and evaluation all share.
///
/// A task bundles a problem type, a seeded generator, the prompt, the reference solver, the
/// verifier, a rule-based critic and a perturber that turns a correct solution into a flawed
/// one. Callers that do not know the concrete task (rollout workers, `finch eval`) hold an
/// `any VerifiableTask` and exchange problems as `TaskInstance`s; the extension methods below
/// convert between the two.
///
/// Scoring and critiquing are total: any completion text — empty, 10 kB of garbage, huge
/// numbers, deep nesting, division by zero, non-ASCII — yields a verdict, never a crash.
public protocol VerifiableTask: Sendable {
    /// Everything the verifier needs to know about one problem; serialised as `ground_truth`.
    associatedtype Problem: Codable, Hashable, Sendable
    /// What makes two problems "the same" for train/eval disjointness (for example the
    /// multiset of card values, whatever the order or the suits).
    associatedtype ProblemKey: Hashable

    /// The task's name in data files and on the command line, e.g. "generalpoints".
    var name: String { get }
    /// The variant, e.g. "id" or "ood" for GeneralPoints; nil for tasks without variants.
    var rule: String? { get }

    /// One random problem (always solvable), reproducible from the generator's state.
    func randomProblem(using rng: inout RNG) -> Problem
    func key(of problem: Problem) -> ProblemKey
    /// Why a problem read from a file cannot be scored (e.g. "card \"Z\" is not a card"), or
    /// nil if it is sound. Problems from `randomProblem` are always sound.
    func defect(in problem: Problem) -> String?

    /// The question as the model sees it (the prompt part of the chat template).
    func prompt(for problem: Problem) -> String
    /// The question without its answer-format instructions, as a revision quotes it back
    /// (`RevisionPrompt`): the instructions were read once already, and a small model's context
    /// must still hold the failed answer, the reason and the next answer. The prompt by default.
    func revisionQuestion(for problem: Problem) -> String
    /// A correct worked solution in exactly the format the verifier reads: the SFT target.
    func referenceSolution(for problem: Problem) -> String
    func score(_ problem: Problem, completion: String) -> Verdict
    /// Checks a candidate solution step by step; its conclusion agrees with `score` on every
    /// solution whose worked steps are consistent with its final answer.
    func critique(_ problem: Problem, solution: String) -> Critique
    /// A plausible but wrong solution derived from the reference one (an arithmetic slip, a
    /// swapped operator, a dropped number, a wrong final answer), which `score` rejects.
    func flawedSolution(for problem: Problem, using rng: inout RNG) -> String

    /// `count` training and `evalCount` held-out problems that share no `key`.
    func split(count: Int, evalCount: Int, seed: UInt64) throws -> (train: [Problem], eval: [Problem])
}

extension VerifiableTask {
    /// Draws the held-out problems first, all distinct, then training problems that avoid
    /// them (training problems may repeat). Held-out problems come first in the random stream,
    /// so the first N of a larger held-out set are exactly the held-out set of size N: `finch
    /// eval --seed S --n N` evaluates a prefix of the `eval.jsonl` that `finch data generate
    /// --seed S` writes, which its `train.jsonl` never shares.
    ///
    /// Throws, instead of looping forever, when the problem space is too small for the request:
    /// after 20 repeats per requested held-out problem, or 20 held-out draws per training one.
    public func split(count: Int, evalCount: Int, seed: UInt64) throws -> (train: [Problem], eval: [Problem]) {
        var rng = RNG(seed: seed)
        var heldOut = Set<ProblemKey>()
        var eval: [Problem] = []
        var repeats = 0
        while eval.count < evalCount {
            let problem = randomProblem(using: &rng)
            if heldOut.insert(key(of: problem)).inserted {
                eval.append(problem)
            } else {
                repeats += 1
                if repeats > 1_000 + 20 * evalCount {
                    throw DataError(source: "\(name) task",
                                    reason: "found only \(eval.count) distinct problems for the \(evalCount) held-out ones requested; ask for fewer with --eval-n")
                }
            }
        }
        var train: [Problem] = []
        var collisions = 0
        while train.count < count {
            let problem = randomProblem(using: &rng)
            if heldOut.contains(key(of: problem)) {
                collisions += 1
                if collisions > 10_000 + 20 * count {
                    throw DataError(source: "\(name) task",
                                    reason: "the \(evalCount) held-out problems cover almost every problem, leaving too few for training; ask for fewer with --eval-n")
                }
            } else {
                train.append(problem)
            }
        }
        return (train, eval)
    }

    /// The problem as a task-independent record, with its prompt.
    public func instance(of problem: Problem) -> TaskInstance {
        TaskInstance(task: name, rule: rule, prompt: prompt(for: problem), groundTruth: GroundTruthCoding.encode(problem))
    }

    /// The problem inside `instance`; throws a `DataError` naming what is wrong (another
    /// task or rule, a malformed or unsound ground truth), with `source` as its location.
    public func problem(from instance: TaskInstance, source: String = "task instance", line: Int? = nil) throws -> Problem {
        func fail(_ reason: String) -> DataError { DataError(source: source, line: line, reason: reason) }
        guard instance.task == name else { throw fail("task is \"\(instance.task)\", expected \"\(name)\"") }
        guard instance.rule == rule else {
            throw fail("rule is \(instance.rule.map { "\"\($0)\"" } ?? "null"), expected \(rule.map { "\"\($0)\"" } ?? "null")")
        }
        let problem: Problem = try GroundTruthCoding.decode(instance.groundTruth, fail: fail)
        if let defect = defect(in: problem) { throw fail("ground_truth: \(defect)") }
        return problem
    }

    /// Scores a completion for a problem given as a record (what a rollout worker holds).
    public func score(_ instance: TaskInstance, completion: String) throws -> Verdict {
        score(try problem(from: instance), completion: completion)
    }

    public func revisionQuestion(for problem: Problem) -> String { prompt(for: problem) }

    /// The question of a problem given as a record, as a revision quotes it.
    public func revisionQuestion(for instance: TaskInstance) throws -> String {
        revisionQuestion(for: try problem(from: instance))
    }

    /// The reference solution of a problem given as a record.
    public func referenceSolution(for instance: TaskInstance) throws -> String {
        referenceSolution(for: try problem(from: instance))
    }

    /// The key of a problem given as a record, as text (`finch compare` groups by it).
    public func keyText(of instance: TaskInstance) throws -> String {
        String(describing: key(of: try problem(from: instance)))
    }

    /// The critique of a solution to a problem given as a record.
    public func critique(_ instance: TaskInstance, solution: String) throws -> Critique {
        critique(try problem(from: instance), solution: solution)
    }
}
