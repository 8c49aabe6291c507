import FinchData
import FinchExpressions
import FinchKernels

/// The Countdown critic and perturber.
///
/// The critic checks every worked line of the form `<expression> = <expression>` (other
/// lines are taken as prose), then the answer: readable, each number used exactly once, equal
/// to the target. It stops at the first error.
extension CountdownTask {
    public func critique(_ problem: CountdownProblem, solution: String) -> Critique {
        var findings: [String] = []
        func wrong(_ finding: String) -> Critique { Critique(findings: findings + [finding], judgesRight: false) }

        let stepParser = ExpressionParser(allowsNegativeLiterals: true)
        var stepNumber = 0
        for line in solution.split(whereSeparator: \.isNewline)
        where line.contains("=") && !line.contains(CountdownAnswer.openTag) {
            // A line that does not read as an equation is prose, not a step.
            guard let (left, right) = try? stepParser.parseEquation(String(line)) else { continue }
            stepNumber += 1
            let stepText = line.trimmingWhitespace
            let leftValue: Rational, rightValue: Rational
            do {
                leftValue = try left.value()
                rightValue = try right.value()
            } catch {
                return wrong("Step \(stepNumber): \(stepText) is illegal: \(error).")
            }
            if leftValue != rightValue {
                return wrong("Step \(stepNumber): \(left.text) is \(leftValue), not \(rightValue).")
            }
            findings.append("Step \(stepNumber): \(stepText) is right.")
        }

        switch CountdownAnswer(completion: solution, target: problem.target) {
        case .missing:
            return wrong("There is no \(CountdownAnswer.openTag)…\(CountdownAnswer.closeTag).")
        case .unreadable(let reason):
            return wrong("The answer cannot be read: \(reason).")
        case .expression(let expression):
            if let mismatch = NumberUsage.mismatch(used: expression.numbers, given: problem.numbers) {
                return wrong("The answer \(mismatch).")
            }
            let numberList = problem.numbers.map(String.init).joined(separator: ", ")
            findings.append("The answer uses each of \(numberList) exactly once.")
            let value: Rational
            do {
                value = try expression.value()
            } catch {
                return wrong("The answer is illegal: \(error).")
            }
            guard value == (try? Rational(numerator: problem.target, denominator: 1)) else {
                return wrong("The answer evaluates to \(value), not \(problem.target).")
            }
            findings.append("The answer evaluates to \(problem.target).")
            return Critique(findings: findings, judgesRight: true)
        }
    }

    /// Tries the kinds of mistake in random order and returns the first that the verifier
    /// rejects; dropping a number always is, so a flawed solution always exists. The steps
    /// shown are the honest working of the flawed expression.
    public func flawedSolution(for problem: CountdownProblem, using rng: inout RNG) -> String {
        guard let target = try? Rational(numerator: problem.target, denominator: 1),
              let reference = ExpressionSearch.solve(problem.numbers, target: target), reference.operatorCount > 0 else {
            return "<answer>\(problem.numbers.map(String.init).joined(separator: "+"))</answer>"
        }
        var attempts: [(inout RNG) -> ArithmeticExpression] = [
            { rng in  // a swapped operator
                let replacement = ArithmeticOperator.allCases[rng.below(ArithmeticOperator.allCases.count)]
                return reference.replacingOperator(rng.below(reference.operatorCount), with: replacement)
            },
            { rng in  // a number miscopied
                reference.replacingLeaf(rng.below(reference.leafCount),
                                        with: Self.numberRange.lowerBound + rng.below(Self.numberRange.count))
            },
            { rng in  // one number used twice, another never
                let numbers = reference.numbers
                return reference.replacingLeaf(rng.below(numbers.count), with: numbers[rng.below(numbers.count)])
            },
        ]
        shuffle(&attempts, using: &rng)
        for attempt in attempts {
            let candidate = solutionText(attempt(&rng))
            if !score(problem, completion: candidate).correct { return candidate }
        }
        return solutionText(reference.droppingLeaf(rng.below(reference.leafCount)))
    }
}
