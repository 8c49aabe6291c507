import FinchData
import FinchExpressions
import FinchKernels

/// A Countdown problem: reach `target` from `numbers`.
public struct CountdownProblem: Codable, Hashable, Sendable {
    public let numbers: [Int]
    public let target: Int

    public init(numbers: [Int], target: Int) {
        self.numbers = numbers
        self.target = target
    }
}

/// The Countdown numbers game as TinyZero trains it: reach a target from 3–4 numbers with
/// + − × ÷ and parentheses, using every number exactly once (TinyZero's checker demands
/// exactly once, so this does too).
///
/// Numbers are drawn from 1…99 and the target uniformly from the whole numbers in 10…100 that
/// the numbers can reach, so every problem is solvable and easy and hard targets are mixed.
///
/// Completion format: the answer is the expression inside the last `<answer>…</answer>`
/// (optionally followed by `= target`); lines before it are free work. The reference solution
/// shows one operation per line, e.g. `44-35=9`, then `<answer>(44-35)*19</answer>`.
///
/// Reward, after TinyZero: 1.0 for a correct answer, 0.1 for a well-formed but wrong one
/// (readable expression, wrong numbers or value, or dividing by zero), 0 when there is no
/// answer or it cannot be read. TinyZero also gives 0.1 to unreadable answer tags; here
/// "well-formed" means readable, so the format reward cannot be earned with garbage.
public struct CountdownTask: VerifiableTask {
    public static let numberRange = 1...99
    public static let targetRange = 10...100

    /// How many numbers a problem has, drawn uniformly.
    public let numberCounts: ClosedRange<Int>

    public init(numberCounts: ClosedRange<Int> = 3...4) throws {
        guard numberCounts.lowerBound >= 2, numberCounts.upperBound <= 5 else {
            throw DataError(source: "countdown task", reason: "numbers per problem \(numberCounts) must lie within 2...5")
        }
        self.numberCounts = numberCounts
    }

    public var name: String { "countdown" }
    public var rule: String? { nil }

    public func randomProblem(using rng: inout RNG) -> CountdownProblem {
        while true {
            let count = numberCounts.lowerBound + rng.below(numberCounts.count)
            let numbers = (0..<count).map { _ in Self.numberRange.lowerBound + rng.below(Self.numberRange.count) }
            let reachable = ExpressionSearch.reachableIntegers(numbers, in: Self.targetRange).sorted()
            if !reachable.isEmpty { return CountdownProblem(numbers: numbers, target: reachable[rng.below(reachable.count)]) }
        }
    }

    /// The same numbers in any order with the same target are the same problem.
    public func key(of problem: CountdownProblem) -> CountdownProblem {
        CountdownProblem(numbers: problem.numbers.sorted(), target: problem.target)
    }

    public func defect(in problem: CountdownProblem) -> String? {
        guard (2...5).contains(problem.numbers.count) else { return "needs 2 to 5 numbers, has \(problem.numbers.count)" }
        let limit = 1_000_000
        if let bad = problem.numbers.first(where: { !(0...limit).contains($0) }) { return "number \(bad) is outside 0...\(limit)" }
        guard (-limit...limit).contains(problem.target) else { return "target \(problem.target) is outside -\(limit)...\(limit)" }
        return nil
    }

    public func prompt(for problem: CountdownProblem) -> String {
        """
        Numbers: \(problem.numbers.map(String.init).joined(separator: ", "))
        Target: \(problem.target)
        Use each number exactly once with + - * / and parentheses to reach the target.
        Show your steps, then give the expression in <answer> </answer>.

        """
    }

    public func referenceSolution(for problem: CountdownProblem) -> String {
        guard let target = try? Rational(numerator: problem.target, denominator: 1),
              let expression = ExpressionSearch.solve(problem.numbers, target: target) else {
            return "No expression reaches \(problem.target).\n<answer>none</answer>"
        }
        return solutionText(expression)
    }

    /// One line per operation when the expression can be evaluated, then the answer tags.
    func solutionText(_ expression: ArithmeticExpression) -> String {
        let steps = (try? expression.steps()) ?? []
        return (steps.map(\.text) + ["<answer>\(expression.text)</answer>"]).joined(separator: "\n")
    }
}
