import FinchData
import FinchExpressions
import Foundation

/// What a Countdown completion answers: the contents of its last `<answer>…</answer>`.
enum CountdownAnswer {
    case missing
    /// The tags hold something that is not `<expression>` or `<expression> = target`.
    case unreadable(String)
    case expression(ArithmeticExpression)

    static let openTag = "<answer>"
    static let closeTag = "</answer>"

    init(completion: String, target: Int) {
        guard let open = completion.range(of: Self.openTag, options: .backwards),
              let close = completion.range(of: Self.closeTag, range: open.upperBound..<completion.endIndex) else {
            self = .missing
            return
        }
        let contents = String(completion[open.upperBound..<close.lowerBound])
        let parser = ExpressionParser()
        do {
            if contents.contains("=") {
                let (left, right) = try parser.parseEquation(contents)
                guard right == .number(target) else {
                    self = .unreadable("it may only be followed by = \(target)")
                    return
                }
                self = .expression(left)
            } else {
                self = .expression(try parser.parse(contents))
            }
        } catch let error as ExpressionSyntaxError {
            self = .unreadable(error.reason)
        } catch {
            self = .unreadable("\(error)")
        }
    }
}

extension CountdownTask {
    public func score(_ problem: CountdownProblem, completion: String) -> Verdict {
        switch CountdownAnswer(completion: completion, target: problem.target) {
        case .missing:
            return Verdict(reward: 0, correct: false, formatOK: false, reason: "no \(CountdownAnswer.openTag)…\(CountdownAnswer.closeTag)")
        case .unreadable(let reason):
            return Verdict(reward: 0, correct: false, formatOK: false, reason: "unreadable answer: \(reason)")
        case .expression(let expression):
            func wrong(_ reason: String) -> Verdict { Verdict(reward: 0.1, correct: false, formatOK: true, reason: reason) }
            if let mismatch = NumberUsage.mismatch(used: expression.numbers, given: problem.numbers) {
                return wrong("the answer \(mismatch)")
            }
            guard let value = try? expression.value() else { return wrong("the answer divides by zero or overflows") }
            guard value == (try? Rational(numerator: problem.target, denominator: 1)) else {
                return wrong("evaluates to \(value), not \(problem.target)")
            }
            return Verdict(reward: 1, correct: true, formatOK: true, reason: "correct")
        }
    }
}
