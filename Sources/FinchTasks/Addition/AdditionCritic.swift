import FinchData
import FinchKernels

/// The addition critic and perturber, for the column-by-column format of `AdditionProblem`
/// (`1+5+0=06,2+7+0=09,…;5196`: digit of a, digit of b, carry in, two-digit column total).
///
/// The critic checks each column step against the operands' digits and the carry out of the
/// previous step as the solution wrote it, then that the final answer is what the columns
/// spell, and stops at the first error.
extension VerifiableAddition {
    public func critique(_ problem: AdditionOperands, solution: String) -> Critique {
        var findings: [String] = []
        func wrong(_ finding: String) -> Critique { Critique(findings: findings + [finding], judgesRight: false) }
        let columns = Self.columns(worked(problem))
        let separator = solution.lastIndex(of: ";")
        let stepTexts = solution[..<(separator ?? solution.endIndex)].split(separator: ",").map(\.trimmingWhitespace)
        guard stepTexts.count == columns.count else {
            return wrong("The solution works \(stepTexts.count) columns, but the numbers have \(columns.count).")
        }
        var carry = 0
        var units: [Int] = []
        for (index, (text, column)) in zip(stepTexts, columns).enumerated() {
            let label = "Step \(index + 1)"
            guard let step = ColumnStep(text) else {
                return wrong("\(label): \"\(text.prefix(20))\" is not of the form a+b+c=TU.")
            }
            guard step.a == column.a, step.b == column.b else {
                return wrong("\(label): this column's digits are \(column.a) and \(column.b), not \(step.a) and \(step.b).")
            }
            guard step.carry == carry else { return wrong("\(label): the carry in is \(carry), not \(step.carry).") }
            let total = step.a + step.b + step.carry
            guard step.total == total else {
                return wrong("\(label): \(step.a)+\(step.b)+\(step.carry) is \(total), not \(step.total).")
            }
            findings.append("\(label): \(text) is right.")
            carry = total / 10
            units.append(total % 10)
        }
        let spelled = Int(([carry] + units.reversed()).map(String.init).joined())!
        guard let answer = AdditionProblem.answer(fromCompletion: solution) else {
            return wrong("There is no final answer after ';'.")
        }
        guard answer == spelled else { return wrong("The final answer \(answer) is not \(spelled), which the columns give.") }
        findings.append("The final answer \(answer) is right.")
        return Critique(findings: findings, judgesRight: true)
    }

    /// A slip in one column's total carried honestly through the later columns, or a wrong
    /// final answer after correct columns; either changes the answer, so both are rejected.
    public func flawedSolution(for problem: AdditionOperands, using rng: inout RNG) -> String {
        let columns = Self.columns(worked(problem))
        let slipColumn = rng.below(columns.count)
        let slipsColumn = rng.below(2) == 0
        var steps: [String] = []
        var carry = 0
        var units: [Int] = []
        for (index, column) in columns.enumerated() {
            var total = column.a + column.b + carry
            if slipsColumn && index == slipColumn { total += total == 0 || (total < 19 && rng.below(2) == 0) ? 1 : -1 }
            steps.append("\(column.a)+\(column.b)+\(carry)=\(total / 10)\(total % 10)")
            carry = total / 10
            units.append(total % 10)
        }
        var answer = Int(([carry] + units.reversed()).map(String.init).joined())!
        if !slipsColumn { answer += answer == 0 || rng.below(2) == 0 ? 1 + rng.below(9) : -min(answer, 1 + rng.below(9)) }
        return steps.joined(separator: ",") + ";\(answer)"
    }

    /// The digit pairs column by column from the right, as in the reference completion.
    private static func columns(_ problem: AdditionProblem) -> [(a: Int, b: Int)] {
        let width = max(String(problem.a).count, String(problem.b).count)
        func digits(_ value: Int) -> [Int] {
            let text = String(value)
            return Array(repeating: 0, count: width - text.count) + text.map { Int(String($0))! }
        }
        return Array(zip(digits(problem.a), digits(problem.b)).reversed()).map { (a: $0.0, b: $0.1) }
    }
}

/// One written column step `a+b+c=TU`, all single digits.
private struct ColumnStep {
    let a: Int
    let b: Int
    let carry: Int
    let total: Int

    init?(_ text: String) {
        let characters = Array(text)
        guard characters.count == 8, characters[1] == "+", characters[3] == "+", characters[5] == "=" else { return nil }
        let digitPositions = [0, 2, 4, 6, 7]
        guard digitPositions.allSatisfy({ characters[$0].isASCIIDigit }) else { return nil }
        let digit = { (position: Int) in Int(characters[position].asciiValue! - 48) }
        (a, b, carry, total) = (digit(0), digit(2), digit(4), digit(6) * 10 + digit(7))
    }
}
