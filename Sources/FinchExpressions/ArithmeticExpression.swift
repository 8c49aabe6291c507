/// The four operations the arithmetic tasks allow.
public enum ArithmeticOperator: Character, CaseIterable, Hashable, Sendable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"

    /// Binding strength: × and ÷ bind tighter than + and −.
    public var precedence: Int { self == .add || self == .subtract ? 1 : 2 }

    /// Whether swapping the operands keeps the value, so a checker accepts 4+95 for 95+4.
    public var isCommutative: Bool { self == .add || self == .multiply }

    public func apply(_ left: Rational, _ right: Rational) throws -> Rational {
        switch self {
        case .add: return try left.adding(right)
        case .subtract: return try left.subtracting(right)
        case .multiply: return try left.multiplied(by: right)
        case .divide: return try left.divided(by: right)
        }
    }
}

/// One operation of a worked solution: `left op right = result`.
public struct ArithmeticStep: Equatable, Sendable {
    public let left: Rational
    public let op: ArithmeticOperator
    public let right: Rational
    public let result: Rational

    public init(left: Rational, op: ArithmeticOperator, right: Rational, result: Rational) {
        (self.left, self.op, self.right, self.result) = (left, op, right, result)
    }

    /// `95*4=380`; fractional or negative operands are bracketed (`3-(8/3)=1/3`) so the line
    /// reads back with `ExpressionParser` as the same operation.
    public var text: String { "\(Self.operand(left))\(op.rawValue)\(Self.operand(right))=\(result)" }

    private static func operand(_ value: Rational) -> String {
        value.isInteger && value.numerator >= 0 ? "\(value)" : "(\(value))"
    }
}

/// An arithmetic expression over integer literals, as a tree.
public indirect enum ArithmeticExpression: Hashable, Sendable {
    case number(Int)
    case operation(ArithmeticOperator, ArithmeticExpression, ArithmeticExpression)

    /// The exact value; throws on division by zero or overflow.
    public func value() throws -> Rational {
        switch self {
        case .number(let n):
            return try Rational(numerator: n, denominator: 1)
        case let .operation(op, left, right):
            return try op.apply(try left.value(), try right.value())
        }
    }

    /// The literals from left to right, e.g. [10, 4, 1, 3] for (10-4)*(1+3).
    public var numbers: [Int] {
        switch self {
        case .number(let n): return [n]
        case let .operation(_, left, right): return left.numbers + right.numbers
        }
    }

    /// The text with only the parentheses the tree needs, and exactly those: a left operand is
    /// bracketed when it binds more loosely than its operator, a right operand also when it
    /// binds equally (so a+(b-c) keeps its brackets). Parsing the text gives back this tree.
    public var text: String {
        switch self {
        case .number(let n):
            return n < 0 ? "(\(n))" : "\(n)"
        case let .operation(op, left, right):
            let leftText = left.bindsLooser(than: op, onRight: false) ? "(\(left.text))" : left.text
            let rightText = right.bindsLooser(than: op, onRight: true) ? "(\(right.text))" : right.text
            return leftText + String(op.rawValue) + rightText
        }
    }

    /// The operations in the order a person works them: operands before the operation, left
    /// subtree before right. Throws where the expression has no value.
    ///
    /// `alter` may replace step `index` (counted from 0) by a different one, whose result then
    /// feeds the later steps: how a flawed solution carries one slip through to its answer.
    public func steps(altering alter: ((_ index: Int, _ step: ArithmeticStep) throws -> ArithmeticStep)? = nil) throws -> [ArithmeticStep] {
        var steps: [ArithmeticStep] = []
        _ = try collectSteps(into: &steps, alter: alter)
        return steps
    }

    private func collectSteps(into steps: inout [ArithmeticStep],
                              alter: ((Int, ArithmeticStep) throws -> ArithmeticStep)?) throws -> Rational {
        switch self {
        case .number:
            return try value()
        case let .operation(op, left, right):
            let leftValue = try left.collectSteps(into: &steps, alter: alter)
            let rightValue = try right.collectSteps(into: &steps, alter: alter)
            var step = ArithmeticStep(left: leftValue, op: op, right: rightValue, result: try op.apply(leftValue, rightValue))
            if let alter { step = try alter(steps.count, step) }
            steps.append(step)
            return step.result
        }
    }

    private func bindsLooser(than parent: ArithmeticOperator, onRight: Bool) -> Bool {
        guard case let .operation(op, _, _) = self else { return false }
        return onRight ? op.precedence <= parent.precedence : op.precedence < parent.precedence
    }
}
