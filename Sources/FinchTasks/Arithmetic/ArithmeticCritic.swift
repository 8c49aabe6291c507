import FinchData
import FinchExpressions
import FinchKernels

/// The arithmetic critic and perturber.
///
/// The critic replays the solution on the expression: every step must be one operation
/// `a op b = c` that the expression (with earlier results substituted) performs on `a` and `b`,
/// with `c` right; then the steps must have worked the expression down to one number, and the
/// `answer:` line must state it. It stops at the first error, and later steps are checked
/// against the solution's own earlier results, so one slip is reported once.
extension ArithmeticTask {
    public func critique(_ problem: ArithmeticProblem, solution: String) -> Critique {
        var findings: [String] = []
        func wrong(_ finding: String) -> Critique { Critique(findings: findings + [finding], judgesRight: false) }
        guard var remaining = try? ExpressionParser().parse(problem.expression) else {
            return wrong("The problem's expression cannot be read, so no solution can be checked.")
        }

        let stepParser = ExpressionParser(allowsNegativeLiterals: true)
        let steps = CompletionText.lines(solution, before: Self.answerMarker)
        for (index, line) in steps.enumerated() {
            let label = "Step \(index + 1)"
            guard let (left, right) = try? stepParser.parseEquation(line),
                  case let .operation(op, .number(a), .number(b)) = left, case let .number(stated) = right else {
                return wrong("\(label): \"\(line.prefix(40))\" is not one operation written as a+b=c.")
            }
            let done = "\(a)\(op.rawValue)\(b)"
            guard let reduced = remaining.reducing(op, a, b, to: stated) else {
                if let expected = remaining.operation(on: a, b) {
                    return wrong("\(label): the expression has \(expected.left)\(expected.op.rawValue)\(expected.right) here, not \(done).")
                }
                return wrong("\(label): the expression has no operation \(done) at this point.")
            }
            guard let value = try? op.apply(Rational(a), Rational(b)) else {
                return wrong("\(label): \(done) cannot be worked out.")
            }
            if value != Rational(stated) { return wrong("\(label): \(done) is \(value), not \(stated).") }
            findings.append("\(label): \(done)=\(stated) is right.")
            remaining = reduced
        }
        guard case .number(let worked) = remaining else {
            return wrong(steps.isEmpty ? "The solution shows no steps." : "The steps stop before the expression is fully worked out.")
        }
        switch ArithmeticAnswer(completion: solution) {
        case .missing:
            return wrong("There is no final \"\(Self.answerMarker)\" line.")
        case .unreadable(let text):
            return wrong("The final answer \"\(text)\" is not a whole number.")
        case .number(let answer) where answer != worked:
            return wrong("The final answer \(answer) is not the last step's result \(worked).")
        case .number(let answer):
            findings.append("The final answer \(answer) is right.")
            return Critique(findings: findings, judgesRight: true)
        }
    }

    /// One slip carried through to a wrong answer: a miscalculated step, a step with the wrong
    /// operation, or a wrong final answer after correct steps. The last is always rejected,
    /// so a flawed solution always exists.
    public func flawedSolution(for problem: ArithmeticProblem, using rng: inout RNG) -> String {
        let slip = 1 + rng.below(9)
        let wrongAnswer = problem.answer &+ (rng.below(2) == 0 ? -slip : slip)
        guard let expression = try? ExpressionParser().parse(problem.expression),
              let steps = try? expression.steps(), !steps.isEmpty else {
            return "\(Self.answerMarker) \(wrongAnswer)"
        }
        let finalSlip = solutionText(steps: steps, answer: wrongAnswer)
        /// Steps with a slip, written out with the answer they lead to, unless that is still right.
        func carried(_ flawed: [ArithmeticStep]?) -> String? {
            guard let flawed, let answer = flawed.last?.result.integerValue, answer != problem.answer else { return nil }
            return solutionText(steps: flawed, answer: answer)
        }
        let slipIndex = rng.below(steps.count)
        let wrongOperator = [ArithmeticOperator.add, .subtract, .multiply][rng.below(3)]
        var attempts: [() -> String?] = [
            {  // a miscalculated step
                carried(try? expression.steps { index, step in
                    guard index == slipIndex else { return step }
                    let result = try step.result.adding(Rational(step.result.numerator >= slip ? -slip : slip))
                    return ArithmeticStep(left: step.left, op: step.op, right: step.right, result: result)
                })
            },
            {  // the wrong operation
                carried(try? expression.steps { index, step in
                    guard index == slipIndex else { return step }
                    return ArithmeticStep(left: step.left, op: wrongOperator, right: step.right,
                                          result: try wrongOperator.apply(step.left, step.right))
                })
            },
            { finalSlip },
        ]
        shuffle(&attempts, using: &rng)
        for attempt in attempts {
            if let solution = attempt() { return solution }
        }
        return finalSlip
    }
}
