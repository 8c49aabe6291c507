import FinchData
import FinchKernels

/// Reading a rule stated in the prompt: face cards get new values in every problem ("J is 5, Q is
/// 9 and K is 2"), and the answer values a hand under that rule and totals it. The probe of what a
/// base pretrained on `PretrainingCorpus` can do before post-training, in the corpus's own words:
/// prompt `…J is 5, Q is 9 and K is 2.\nThe cards 7, J, Q are worth`, answer
/// ` 7, 5, 9.\nTheir total is 7 + 5 + 9 = 21.`
///
/// Face values are drawn from 1…20 but never as either study rule (`CorpusLeakage.studyRules`),
/// and every hand holds a face card, so the rule matters (and, as in the corpus, no total is 24). Reward 1 for the right total (the number
/// after the last `=`), else 0; an answer with no `= <number>` is malformed.
public struct CardRuleTask: VerifiableTask {
    public struct Problem: Codable, Hashable, Sendable {
        /// The values of J, Q and K.
        public let faces: [Int]
        public let cards: [String]

        public init(faces: [Int], cards: [String]) { (self.faces, self.cards) = (faces, cards) }
    }

    public static let ranks = ["A"] + (2...10).map(String.init) + PretrainingCorpus.faces

    public init() {}

    public var name: String { "cardrule" }
    public var rule: String? { nil }

    public func randomProblem(using rng: inout RNG) -> Problem {
        let faces = PretrainingCorpus.faceValues(&rng)
        while true {
            let cards = (0..<(2 + rng.below(3))).map { _ in Self.ranks[rng.below(Self.ranks.count)] }
            let problem = Problem(faces: faces, cards: cards)
            // Totals of 24 are redrawn, as in the corpus, whose documents never reach the study's target.
            if cards.contains(where: PretrainingCorpus.faces.contains) && values(problem).reduce(0, +) != 24 { return problem }
        }
    }

    public func key(of problem: Problem) -> Problem { problem }

    public func defect(in problem: Problem) -> String? {
        guard problem.faces.count == 3, problem.faces.allSatisfy((1...20).contains) else { return "faces must be three values within 1...20" }
        guard !CorpusLeakage.studyRules.contains(problem.faces) else { return "the faces must not be a study rule" }
        guard (2...4).contains(problem.cards.count), problem.cards.allSatisfy(Self.ranks.contains) else { return "2 to 4 cards of \(Self.ranks.joined(separator: ", "))" }
        return nil
    }

    func values(_ problem: Problem) -> [Int] {
        problem.cards.map { card in
            PretrainingCorpus.faces.firstIndex(of: card).map { problem.faces[$0] } ?? (card == "A" ? 1 : Int(card)!)
        }
    }

    public func prompt(for problem: Problem) -> String {
        let f = problem.faces
        return "In this game A is 1, number cards count their number, J is \(f[0]), Q is \(f[1]) and K is \(f[2]).\n"
            + "The cards \(problem.cards.joined(separator: ", ")) are worth"
    }

    public func referenceSolution(for problem: Problem) -> String {
        let v = values(problem)
        return " \(v.map(String.init).joined(separator: ", ")).\nTheir total is \(v.map(String.init).joined(separator: " + ")) = \(v.reduce(0, +))."
    }

    /// The number after the answer's last `=`, or nil.
    static func total(in completion: String) -> Int? {
        guard let range = completion.range(of: "=", options: .backwards) else { return nil }
        return Int(completion[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber })
    }

    public func score(_ problem: Problem, completion: String) -> Verdict {
        let expected = values(problem).reduce(0, +)
        guard let total = Self.total(in: completion) else {
            return Verdict(reward: 0, correct: false, formatOK: false, reason: "no \"= <total>\" in the answer")
        }
        return Verdict(reward: total == expected ? 1 : 0, correct: total == expected, formatOK: true,
                       reason: total == expected ? "correct total" : "answered \(total), expected \(expected)")
    }

    public func critique(_ problem: Problem, solution: String) -> Critique {
        let verdict = score(problem, completion: solution)
        return Critique(findings: [verdict.reason], judgesRight: verdict.correct)
    }

    /// The mistake the probe looks for: a face card valued as the familiar 10 instead of the rule's value.
    public func flawedSolution(for problem: Problem, using rng: inout RNG) -> String {
        var v = values(problem)
        let faces = problem.cards.indices.filter { PretrainingCorpus.faces.contains(problem.cards[$0]) }
        let i = faces[rng.below(faces.count)]
        v[i] = v[i] == 10 ? 11 : 10
        return " \(v.map(String.init).joined(separator: ", ")).\nTheir total is \(v.map(String.init).joined(separator: " + ")) = \(v.reduce(0, +))."
    }
}
