import FinchData
import FinchKernels

/// The two operands of an addition problem, as its ground truth.
public struct AdditionOperands: Codable, Hashable, Sendable {
    public let a: Int
    public let b: Int

    public init(a: Int, b: Int) {
        self.a = a
        self.b = b
    }
}

/// The first recipe's addition problems (`AdditionProblem`, `AdditionTask`) as a verifiable
/// task, so the addition model can be evaluated, critiqued and trained with RL like the others.
///
/// Prompt, reference completion and split are exactly those of `AdditionProblem` and
/// `AdditionTask.split`, so `finch data generate --task addition` writes the same problems as
/// before. The verifier reads the answer after the last `;`; reward 1 if it is the sum, else 0.
public struct VerifiableAddition: VerifiableTask {
    /// Operands above this could overflow the sum.
    static let maxOperand = 100_000_000_000_000_000

    public let generator: AdditionTask

    public init(generator: AdditionTask) { self.generator = generator }

    public var name: String { "addition" }
    public var rule: String? { nil }

    public func randomProblem(using rng: inout RNG) -> AdditionOperands {
        let problem = generator.generate(count: 1, seed: rng.next())[0]
        return AdditionOperands(a: problem.a, b: problem.b)
    }

    /// a+b and b+a are one problem, as in `AdditionTask.split`.
    public func key(of problem: AdditionOperands) -> [Int] { [problem.a, problem.b].sorted() }

    public func defect(in problem: AdditionOperands) -> String? {
        let range = 0...Self.maxOperand
        guard range.contains(problem.a), range.contains(problem.b) else {
            return "operands \(problem.a) and \(problem.b) must lie within \(range)"
        }
        return nil
    }

    /// `AdditionTask.split`, unchanged, so existing addition data sets stay reproducible.
    public func split(count: Int, evalCount: Int, seed: UInt64) throws -> (train: [AdditionOperands], eval: [AdditionOperands]) {
        let (train, eval) = try generator.split(count: count, evalCount: evalCount, seed: seed)
        let operands = { (problem: AdditionProblem) in AdditionOperands(a: problem.a, b: problem.b) }
        return (train.map(operands), eval.map(operands))
    }

    public func prompt(for problem: AdditionOperands) -> String { worked(problem).prompt }

    public func referenceSolution(for problem: AdditionOperands) -> String { worked(problem).completion }

    public func score(_ problem: AdditionOperands, completion: String) -> Verdict {
        guard let answer = AdditionProblem.answer(fromCompletion: completion) else {
            return Verdict(reward: 0, correct: false, formatOK: false, reason: "no whole number after the last ';'")
        }
        let sum = problem.a &+ problem.b
        if answer == sum { return Verdict(reward: 1, correct: true, formatOK: true, reason: "correct") }
        return Verdict(reward: 0, correct: false, formatOK: true, reason: "answered \(answer), expected \(sum)")
    }

    /// Operands outside the valid range (only in a problem that failed `defect(in:)`) are
    /// clamped so that building the worked problem can never trap.
    func worked(_ problem: AdditionOperands) -> AdditionProblem {
        AdditionProblem(a: min(max(problem.a, 0), Self.maxOperand), b: min(max(problem.b, 0), Self.maxOperand))
    }
}
