import FinchData
import FinchExpressions
import FinchKernels

/// A multi-step arithmetic problem: the expression as shown to the model and its value.
public struct ArithmeticProblem: Codable, Hashable, Sendable {
    public let expression: String
    public let answer: Int

    public init(expression: String, answer: Int) {
        self.expression = expression
        self.answer = answer
    }
}

/// Multi-step integer arithmetic such as `(37+58)*4-17`, solved one operation per line:
///
///     37+58=95
///     95*4=380
///     380-17=363
///     answer: 363
///
/// Difficulty is set by the operand digits and the number of operations. Operations are
/// + − ×; subtraction always takes the larger value first, so no intermediate result is
/// negative, and every intermediate stays within `maxValue`.
///
/// The verifier reads the last line starting with `answer:` (any case), which must hold a
/// whole number; reward 1 if it is the value, else 0. The critic follows the steps through
/// the expression, so it accepts any order of working that a person could use.
public struct ArithmeticTask: VerifiableTask {
    public static let maxValue = 1_000_000_000
    static let answerMarker = "answer:"

    public let digits: ClosedRange<Int>
    public let operations: ClosedRange<Int>

    /// Operands have `digits` digits; problems have `operations` operations.
    public init(digits: ClosedRange<Int> = 1...2, operations: ClosedRange<Int> = 2...4) throws {
        guard digits.lowerBound >= 1, digits.upperBound <= 6 else {
            throw DataError(source: "arithmetic task", reason: "operand digits \(digits) must lie within 1...6")
        }
        guard operations.lowerBound >= 1, operations.upperBound <= 12 else {
            throw DataError(source: "arithmetic task", reason: "operations \(operations) must lie within 1...12")
        }
        self.digits = digits
        self.operations = operations
    }

    public var name: String { "arithmetic" }
    public var rule: String? { nil }

    public func randomProblem(using rng: inout RNG) -> ArithmeticProblem {
        while true {
            let count = operations.lowerBound + rng.below(operations.count)
            if let (expression, value) = randomExpression(operations: count, using: &rng) {
                return ArithmeticProblem(expression: expression.text, answer: value)
            }
        }
    }

    public func key(of problem: ArithmeticProblem) -> String { problem.expression }

    public func defect(in problem: ArithmeticProblem) -> String? {
        let expression: ArithmeticExpression
        do {
            expression = try ExpressionParser().parse(problem.expression)
        } catch {
            return "expression \"\(problem.expression.prefix(80))\" cannot be read: \(error)"
        }
        guard let value = try? expression.value(), value == (try? Rational(numerator: problem.answer, denominator: 1)) else {
            return "answer \(problem.answer) is not the value of \(problem.expression)"
        }
        return nil
    }

    public func prompt(for problem: ArithmeticProblem) -> String {
        """
        Evaluate \(problem.expression).
        Work one operation per line, then write "answer: <number>".

        """
    }

    public func referenceSolution(for problem: ArithmeticProblem) -> String {
        guard let expression = try? ExpressionParser().parse(problem.expression),
              let steps = try? expression.steps() else { return "\(Self.answerMarker) \(problem.answer)" }
        return solutionText(steps: steps, answer: problem.answer)
    }

    func solutionText(steps: [ArithmeticStep], answer: Int) -> String {
        (steps.map(\.text) + ["\(Self.answerMarker) \(answer)"]).joined(separator: "\n")
    }

    /// A random tree with `operations` operations and its value, or nil if some intermediate
    /// result left 0...maxValue (the caller draws again).
    private func randomExpression(operations: Int, using rng: inout RNG) -> (ArithmeticExpression, Int)? {
        if operations == 0 {
            let digitCount = digits.lowerBound + rng.below(digits.count)
            let smallest = digitCount == 1 ? 1 : (1..<digitCount).reduce(1) { product, _ in product * 10 }
            let value = smallest + rng.below(smallest * 10 - smallest)
            return (.number(value), value)
        }
        let leftOperations = rng.below(operations)
        guard var left = randomExpression(operations: leftOperations, using: &rng),
              var right = randomExpression(operations: operations - 1 - leftOperations, using: &rng) else { return nil }
        let op = [ArithmeticOperator.add, .subtract, .multiply][rng.below(3)]
        if op == .subtract && left.1 < right.1 { swap(&left, &right) }
        let (value, overflow): (Int, Bool)
        switch op {
        case .add: (value, overflow) = left.1.addingReportingOverflow(right.1)
        case .multiply: (value, overflow) = left.1.multipliedReportingOverflow(by: right.1)
        default: (value, overflow) = (left.1 - right.1, false)
        }
        guard !overflow, value <= Self.maxValue else { return nil }
        return (.operation(op, left.0, right.0), value)
    }
}
