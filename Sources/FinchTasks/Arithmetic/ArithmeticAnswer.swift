import FinchData
/// What an arithmetic completion answers: the whole number on its last `answer:` line.
enum ArithmeticAnswer {
    case missing
    case unreadable(String)
    case number(Int)

    init(completion: String) {
        guard let text = CompletionText.lastMarkedLine(completion, marker: ArithmeticTask.answerMarker) else {
            self = .missing
            return
        }
        // Int(_:) accepts an optional sign and ASCII digits only, and returns nil on overflow.
        if let number = Int(text) {
            self = .number(number)
        } else {
            self = .unreadable(String(text.prefix(40)))
        }
    }
}

extension ArithmeticTask {
    public func score(_ problem: ArithmeticProblem, completion: String) -> Verdict {
        switch ArithmeticAnswer(completion: completion) {
        case .missing:
            return Verdict(reward: 0, correct: false, formatOK: false, reason: "no line starting with \"\(Self.answerMarker)\"")
        case .unreadable(let text):
            return Verdict(reward: 0, correct: false, formatOK: false, reason: "the answer \"\(text)\" is not a whole number")
        case .number(let answer) where answer == problem.answer:
            return Verdict(reward: 1, correct: true, formatOK: true, reason: "correct")
        case .number(let answer):
            return Verdict(reward: 0, correct: false, formatOK: true, reason: "answered \(answer), expected \(problem.answer)")
        }
    }
}
