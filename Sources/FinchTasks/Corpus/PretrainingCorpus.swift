import FinchExpressions
import FinchKernels

/// Documents for pretraining a base model that reads rules stated in its input — the skill the
/// SFT-vs-RL study needs before post-training — without ever seeing the study's own problems.
///
/// Five kinds, in equal shares:
/// - **card rules**: face-card values assigned anew in each document ("here J is 5, Q is 9 and
///   K is 2"), then hands valued under that rule, summed, compared, or combined to a target;
/// - **symbol rules**: values given to symbols, then expressions over them worked out;
/// - **worked arithmetic**: an expression evaluated one operation at a time;
/// - **searches**: a few numbers and a target, tries that miss, then an expression that makes it
///   (Countdown's game, with targets other than 24);
/// - **comparisons and counting**: the larger of two numbers, how many of a letter a word holds.
///
/// `CorpusLeakage` states what the documents must never contain (GeneralPoints under either
/// study rule); `document` redraws any document it flags, and the tests scan whole corpora.
public enum PretrainingCorpus {
    public enum Kind: CaseIterable, Sendable { case cardRule, symbolRule, arithmetic, search, comparison }

    public static let faces = ["J", "Q", "K"]

    /// `count` documents from `seed`, the kinds in rotation (document i is of kind i mod 5).
    public static func documents(count: Int, seed: UInt64) -> [String] {
        var rng = RNG(seed: seed)
        return (0..<count).map { document(Kind.allCases[$0 % Kind.allCases.count], using: &rng) }
    }

    public static func document(_ kind: Kind, using rng: inout RNG) -> String {
        while true {
            let text: String?
            switch kind {
            case .cardRule: text = cardRule(&rng)
            case .symbolRule: text = symbolRule(&rng)
            case .arithmetic: text = arithmetic(&rng)
            case .search: text = search(&rng)
            case .comparison: text = comparison(&rng)
            }
            if let text, CorpusLeakage.problem(in: text) == nil { return text }
        }
    }

    // MARK: Kinds

    /// A rule for J, Q and K drawn from 1…20, never the study's (10, 10, 10) or (11, 12, 13).
    static func faceValues(_ rng: inout RNG) -> [Int] {
        while true {
            let values = (0..<3).map { _ in 1 + rng.below(20) }
            if !CorpusLeakage.studyRules.contains(values) { return values }
        }
    }

    private static func cardRule(_ rng: inout RNG) -> String {
        let values = faceValues(&rng)
        let rule = "In this game A is 1, number cards count their number, J is \(values[0]), Q is \(values[1]) and K is \(values[2])."
        let ranks = ["A"] + (2...10).map(String.init) + faces
        func value(_ card: String) -> Int { faces.firstIndex(of: card).map { values[$0] } ?? (card == "A" ? 1 : Int(card)!) }
        let hand = (0..<(2 + rng.below(3))).map { _ in ranks[rng.below(ranks.count)] }
        let worth = hand.map(value)
        let listing = "The cards \(hand.joined(separator: ", ")) are worth \(worth.map(String.init).joined(separator: ", "))."
        switch rng.below(3) {
        case 0:
            return "\(rule)\n\(listing)\nTheir total is \(worth.map(String.init).joined(separator: " + ")) = \(worth.reduce(0, +))."
        case 1:
            let (a, b) = (hand[0], hand[1])
            let verdict = value(a) == value(b) ? "\(a) and \(b) are worth the same" : "\(value(a) > value(b) ? a : b) is worth more"
            return "\(rule)\nWhich is worth more, \(a) or \(b)? \(a) is \(value(a)) and \(b) is \(value(b)), so \(verdict)."
        default:
            let target = 2 + rng.below(40)
            if let found = ExpressionSearch.solve(worth, target: Rational(target)) {
                return "\(rule)\n\(listing)\nMake \(target) from these values, each once: \(found.text) = \(target)."
            }
            return "\(rule)\n\(listing)\nMake \(target) from these values, each once: it cannot be done."
        }
    }

    private static let symbols = ["★", "◆", "●", "▲", "♣", "♥", "x", "y", "z", "@", "#", "%"]

    private static func symbolRule(_ rng: inout RNG) -> String {
        var chosen: [String] = []
        while chosen.count < 2 + rng.below(2) {
            let s = symbols[rng.below(symbols.count)]
            if !chosen.contains(s) { chosen.append(s) }
        }
        let values = chosen.map { _ in 1 + rng.below(15) }
        let rule = "Let " + zip(chosen, values).map { "\($0) = \($1)" }.joined(separator: " and ") + "."
        let (i, j) = (rng.below(chosen.count), rng.below(chosen.count))
        let ops: [(String, (Int, Int) -> Int)] = [("+", +), ("-", -), ("*", *)]
        let (name, op) = ops[rng.below(ops.count)]
        return "\(rule)\nThen \(chosen[i]) \(name) \(chosen[j]) = \(values[i]) \(name) \(values[j]) = \(op(values[i], values[j]))."
    }

    /// An expression over a few numbers (the solver's for a value they reach), worked step by step;
    /// nil when the draw reaches nothing in 0…99, and the caller draws again.
    private static func arithmetic(_ rng: inout RNG) -> String? {
        let numbers = (0..<(2 + rng.below(3))).map { _ in 1 + rng.below(12) }
        let reachable = ExpressionSearch.reachableIntegers(numbers, in: 0...99).sorted()
        guard !reachable.isEmpty else { return nil }
        let value = reachable[rng.below(reachable.count)]
        guard let expression = ExpressionSearch.solve(numbers, target: Rational(value)),
              let steps = try? expression.steps() else { return nil }
        let work = steps.map { "\($0.left) \($0.op.rawValue) \($0.right) = \($0.result)" }.joined(separator: ". Then ")
        return "Compute \(expression.text).\nFirst \(work).\nAnswer: \(value)."
    }

    private static func search(_ rng: inout RNG) -> String {
        let numbers = (0..<(3 + rng.below(2))).map { _ in 1 + rng.below(13) }
        var target = 24
        while CorpusLeakage.forbiddenTargets.contains(target) { target = 5 + rng.below(60) }
        let list = numbers.map(String.init).joined(separator: ", ")
        guard let found = ExpressionSearch.solve(numbers, target: Rational(target)) else {
            return "Numbers: \(list). Target: \(target).\nNo way to use every number once reaches \(target)."
        }
        let miss = numbers.reduce(0, +)
        let attempt = miss == target ? "" : "Adding them all gives \(miss), not \(target). "
        return "Numbers: \(list). Target: \(target).\n\(attempt)Instead: \(found.text) = \(target)."
    }

    private static let words = ["banana", "finch", "parrot", "mississippi", "letter", "committee", "bookkeeper", "assessment", "heron", "pepper"]

    private static func comparison(_ rng: inout RNG) -> String {
        if rng.below(2) == 0 {
            let (a, b) = (rng.below(1000), rng.below(1000))
            let answer = a == b ? "They are equal." : "\(max(a, b)) is larger."
            return "Which is larger, \(a) or \(b)? \(answer)"
        }
        let word = words[rng.below(words.count)]
        let letters = Array(Set(word)).sorted()
        let letter = letters[rng.below(letters.count)]
        let count = word.filter { $0 == letter }.count
        return "How many times does \"\(letter)\" appear in \"\(word)\"? Spelled out: \(word.map(String.init).joined(separator: "-")). It appears \(count) time\(count == 1 ? "" : "s")."
    }
}
