import FinchData
import FinchExpressions
import FinchKernels

/// The GeneralPoints critic and perturber.
///
/// The critic checks, in order, the stated card values (the `numbers:` line, if any, against
/// the rule), that the formula can be read, that it uses each value exactly once, and its
/// value operation by operation; it stops at the first error. Because it also checks the
/// `numbers:` line, which the verifier ignores, it can be stricter than the verifier.
extension GeneralPointsTask {
    public func critique(_ deal: GeneralPointsDeal, solution: String) -> Critique {
        let values = values(of: deal)
        let cardList = deal.cards.joined(separator: ", ")
        let valueList = values.map(String.init).joined(separator: ", ")
        var findings: [String] = []
        func wrong(_ finding: String) -> Critique { Critique(findings: findings + [finding], judgesRight: false) }

        if let statedLine = CompletionText.lastMarkedLine(solution, marker: "numbers:") {
            let pieces = statedLine.split(whereSeparator: { $0 == "," || $0.isWhitespace })
            let stated = pieces.compactMap { Int($0) }
            guard stated.count == pieces.count, stated.count == values.count else {
                return wrong("The numbers line \"\(statedLine.prefix(60))\" does not list \(values.count) whole numbers; the cards \(cardList) are \(valueList).")
            }
            guard stated.sorted() == values.sorted() else {
                return wrong("The solution reads the cards \(cardList) as \(statedLine), but under this rule they are \(valueList).")
            }
            findings.append("The cards \(cardList) are \(valueList) under this rule, as stated.")
        } else {
            findings.append("The cards \(cardList) are \(valueList) under this rule.")
        }

        switch GeneralPointsAnswer(completion: solution, target: Self.target) {
        case .missing:
            return wrong("The solution has no \"\(GeneralPointsAnswer.marker)\" line.")
        case .unreadable(let reason):
            return wrong("The formula cannot be read: \(reason).")
        case .noSolution:
            guard let example = solve(deal) else {
                findings.append("No formula over \(valueList) makes \(Self.target), as the solution says.")
                return Critique(findings: findings, judgesRight: true)
            }
            return wrong("The solution says \(Self.target) cannot be made, but \(example.text) = \(Self.target) makes it.")
        case .formula(let expression):
            if let mismatch = NumberUsage.mismatch(used: expression.numbers, given: values) {
                return wrong("The formula \(mismatch).")
            }
            findings.append("The formula uses each of \(valueList) exactly once.")
            let steps: [ArithmeticStep]
            let value: Rational
            do {
                steps = try expression.steps()
                value = try expression.value()
            } catch {
                return wrong("The formula is illegal: \(error).")
            }
            findings.append(steps.map(\.text).joined(separator: ", ") + ".")
            if value != Rational(Self.target) {
                return wrong("The expression evaluates to \(value), not \(Self.target).")
            }
            findings.append("The formula makes \(Self.target).")
            return Critique(findings: findings, judgesRight: true)
        }
    }

    /// Tries the kinds of mistake in random order and returns the first that the verifier
    /// rejects; dropping a card always is, so a flawed solution always exists.
    public func flawedSolution(for deal: GeneralPointsDeal, using rng: inout RNG) -> String {
        let values = values(of: deal)
        guard let reference = solve(deal) else {
            // Nothing makes 24, so any formula over the cards is wrong.
            return solutionText(numbers: values, formula: values.map(String.init).joined(separator: "+") + " = \(Self.target)")
        }
        func formula(_ expression: ArithmeticExpression) -> String {
            solutionText(numbers: values, formula: "\(expression.text) = \(Self.target)")
        }
        var attempts: [(inout RNG) -> String?] = [
            { rng in  // a swapped operator
                let index = rng.below(reference.operatorCount)
                let replacement = ArithmeticOperator.allCases[rng.below(ArithmeticOperator.allCases.count)]
                return formula(reference.replacingOperator(index, with: replacement))
            },
            { rng in  // a card misread as another number
                let index = rng.below(reference.leafCount)
                return formula(reference.replacingLeaf(index, with: 1 + rng.below(13)))
            },
            { rng in  // one card used twice, another never
                let numbers = reference.numbers
                let (target, source) = (rng.below(numbers.count), rng.below(numbers.count))
                return formula(reference.replacingLeaf(target, with: numbers[source]))
            },
            { _ in solutionText(numbers: values, formula: "none") },
            { _ in wrongRuleSolution(for: deal) },
        ]
        shuffle(&attempts, using: &rng)
        for attempt in attempts {
            if let candidate = attempt(&rng), !score(deal, completion: candidate).correct { return candidate }
        }
        return formula(reference.droppingLeaf(rng.below(reference.leafCount)))
    }

    /// A solution that reads the face cards under the other rule: right arithmetic on the
    /// wrong numbers, the mistake the ID/OOD split probes. Nil without a face card, or when
    /// the misread numbers cannot make 24.
    private func wrongRuleSolution(for deal: GeneralPointsDeal) -> String? {
        let otherRule = GeneralPointsTask(rule: cardRule == .id ? .ood : .id)
        let misread = otherRule.values(of: deal)
        guard misread != values(of: deal),
              let expression = ExpressionSearch.solve(misread, target: Rational(Self.target)) else { return nil }
        return solutionText(numbers: misread, formula: "\(expression.text) = \(Self.target)")
    }
}

/// Fisher–Yates with Finch's own generator, so data generation is a pure function of its seed.
func shuffle<Element>(_ elements: inout [Element], using rng: inout RNG) {
    guard elements.count > 1 else { return }
    for i in stride(from: elements.count - 1, to: 0, by: -1) {
        elements.swapAt(i, rng.below(i + 1))
    }
}
