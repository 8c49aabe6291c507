import FinchData
import FinchExpressions
/// What a GeneralPoints completion answers, read from its last `formula:` line.
enum GeneralPointsAnswer {
    case missing
    case noSolution
    /// The formula line cannot be read as `<expression> = 24`; the reason says why.
    case unreadable(String)
    case formula(ArithmeticExpression)

    static let marker = "formula:"

    init(completion: String, target: Int) {
        guard let formula = CompletionText.lastMarkedLine(completion, marker: Self.marker) else {
            self = .missing
            return
        }
        let word = formula.lowercased().filter { $0 != "." }
        if word == "none" {
            self = .noSolution
            return
        }
        do {
            let (left, right) = try ExpressionParser().parseEquation(formula)
            guard right == .number(target) else {
                self = .unreadable("it must end in = \(target)")
                return
            }
            self = .formula(left)
        } catch let error as ExpressionSyntaxError {
            self = .unreadable(error.reason)
        } catch {
            self = .unreadable("\(error)")
        }
    }
}

extension GeneralPointsTask {
    public func score(_ deal: GeneralPointsDeal, completion: String) -> Verdict {
        func verdict(_ shapedReward: Double, formatOK: Bool, _ reason: String) -> Verdict {
            let correct = shapedReward > 0
            let value = reward == .shaped ? shapedReward : (correct ? 1 : 0)
            return Verdict(reward: value, correct: correct, formatOK: formatOK, reason: reason)
        }
        switch GeneralPointsAnswer(completion: completion, target: Self.target) {
        case .missing:
            return verdict(-3, formatOK: false, "no line starting with \"\(GeneralPointsAnswer.marker)\"")
        case .unreadable(let reason):
            return verdict(-3, formatOK: false, "illegal formula: \(reason)")
        case .noSolution:
            if solve(deal) == nil { return verdict(5, formatOK: true, "correct: no formula makes \(Self.target)") }
            return verdict(-1, formatOK: true, "declared no solution, but the cards make \(Self.target)")
        case .formula(let expression):
            if let mismatch = NumberUsage.mismatch(used: expression.numbers, given: values(of: deal)) {
                return verdict(-2, formatOK: true, "the formula \(mismatch)")
            }
            let value: Rational
            do {
                value = try expression.value()
            } catch {
                return verdict(-3, formatOK: true, "illegal formula: \(error)")
            }
            if value != Rational(Self.target) {
                return verdict(-1, formatOK: true, "evaluates to \(value), not \(Self.target)")
            }
            return verdict(5, formatOK: true, "correct")
        }
    }
}
