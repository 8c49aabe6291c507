import FinchData
import FinchExpressions
import FinchKernels

/// A GeneralPoints deal: four cards by rank (`"A"`, `"2"`…`"10"`, `"J"`, `"Q"`, `"K"`), in the
/// order dealt. Suits do not matter, so they are not kept.
public struct GeneralPointsDeal: Codable, Hashable, Sendable {
    public let cards: [String]

    public init(cards: [String]) { self.cards = cards }
}

/// The card game of "SFT Memorizes, RL Generalizes" (Chu et al. 2025): make 24 from the values
/// of four cards with + − × ÷ and parentheses, each value used exactly once.
///
/// The rule sets what the face cards are worth, and is what the SFT-vs-RL study varies:
/// `id` (in distribution) counts J, Q and K as 10; `ood` counts them as 11, 12 and 13, and its
/// deals contain at least one face card so the rule matters. A is 1 under both. Deals are
/// redrawn until 24 can be made.
///
/// Completion format: the verifier reads the last line that starts with `formula:` (any
/// case). It holds an equation over the card *values* ending in `= 24`, such as
/// `formula: (10-4)*(1+3) = 24`, or `formula: none` to declare that no solution exists. The
/// reference solution first lists the values on a line `numbers: 10, 4, 1, 3`, which the
/// critic checks and the verifier ignores.
///
/// Rewards (`reward: .shaped`, the paper's shaping): +5 correct; −1 for a legal formula over
/// the right numbers that misses 24, or for declaring no solution; −2 for using a number that
/// is not a card value, leaving one out, or using one twice; −3 for an illegal or missing
/// formula (unreadable, not ending in `= 24`, dividing by zero). `reward: .binary` gives 1 or 0.
/// Generated deals are always solvable; for an unsolvable deal read from a file, `formula:
/// none` is the correct answer.
///
/// Problem space: under `id` there are 715 multisets of values, 566 of them solvable; under
/// `ood`, 1,105 multisets hold a face card, 796 of them solvable. Deals with repeated values
/// are rare, so held-out sets should stay in the low hundreds (see `split`).
public struct GeneralPointsTask: VerifiableTask {
    public enum CardRule: String, CaseIterable, Sendable {
        case id, ood
    }

    public enum Reward: String, CaseIterable, Sendable {
        case shaped, binary
    }

    public static let target = 24
    public static let ranks = ["A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K"]

    public let cardRule: CardRule
    public let reward: Reward

    public init(rule: CardRule, reward: Reward = .shaped) {
        self.cardRule = rule
        self.reward = reward
    }

    public var name: String { "generalpoints" }
    public var rule: String? { cardRule.rawValue }

    /// The value of a rank under this task's rule, or nil for a string that is not a rank.
    public func value(of card: String) -> Int? {
        guard let index = Self.ranks.firstIndex(of: card) else { return nil }
        return Self.value(ofRankIndex: index, rule: cardRule)
    }

    /// Deals four different cards of a 52-card deck, again until the deal can make 24 (and,
    /// under `ood`, holds a face card).
    public func randomProblem(using rng: inout RNG) -> GeneralPointsDeal {
        while true {
            var positions: [Int] = []
            while positions.count < 4 {
                let position = rng.below(52)
                if !positions.contains(position) { positions.append(position) }
            }
            let rankIndices = positions.map { $0 % 13 }
            if cardRule == .ood && !rankIndices.contains(where: { $0 >= 10 }) { continue }
            let values = rankIndices.map { Self.value(ofRankIndex: $0, rule: cardRule) }
            if solvableValueSets.contains(values.sorted()) {
                return GeneralPointsDeal(cards: rankIndices.map { Self.ranks[$0] })
            }
        }
    }

    /// Deals with the same card values are the same problem, in any order and whatever the
    /// faces (under `id`, J and K are both 10).
    public func key(of deal: GeneralPointsDeal) -> [Int] {
        values(of: deal).sorted()
    }

    public func defect(in deal: GeneralPointsDeal) -> String? {
        guard deal.cards.count == 4 else { return "a deal has 4 cards, this one \(deal.cards.count)" }
        if let unknown = deal.cards.first(where: { value(of: $0) == nil }) {
            return "\"\(unknown)\" is not a card (expected one of \(Self.ranks.joined(separator: ", ")))"
        }
        return nil
    }

    public func prompt(for deal: GeneralPointsDeal) -> String {
        """
        Cards: \(deal.cards.joined(separator: ", "))
        Rule: \(ruleInWords)
        Use each card's value once with + - * / and parentheses to make \(Self.target).
        Reply with "numbers: <values>" then "formula: <equation> = \(Self.target)" (or "formula: none").

        """
    }

    /// The cards and the rule: the instructions and the target are the same in every prompt.
    public func revisionQuestion(for deal: GeneralPointsDeal) -> String {
        "Cards: \(deal.cards.joined(separator: ", "))\nRule: \(ruleInWords)\n"
    }

    public func referenceSolution(for deal: GeneralPointsDeal) -> String {
        guard let solution = solve(deal) else { return solutionText(numbers: values(of: deal), formula: "none") }
        return solutionText(numbers: values(of: deal), formula: "\(solution.text) = \(Self.target)")
    }

    /// The card values in deal order; a card that is not a rank (only possible in a deal that
    /// failed `defect(in:)`) counts as 0.
    func values(of deal: GeneralPointsDeal) -> [Int] {
        deal.cards.map { value(of: $0) ?? 0 }
    }

    func solve(_ deal: GeneralPointsDeal) -> ArithmeticExpression? {
        ExpressionSearch.solve(values(of: deal), target: Rational(Self.target))
    }

    /// The two-line answer: `numbers: 10, 4, 1, 3` and `formula: …`.
    func solutionText(numbers: [Int], formula: String) -> String {
        "numbers: \(numbers.map(String.init).joined(separator: ", "))\nformula: \(formula)"
    }

    var ruleInWords: String {
        switch cardRule {
        case .id: return "A is 1, and J, Q and K are 10."
        case .ood: return "A is 1, J is 11, Q is 12 and K is 13."
        }
    }

    private static func value(ofRankIndex index: Int, rule: CardRule) -> Int {
        index < 10 ? index + 1 : (rule == .id ? 10 : index + 1)
    }
}

/// Every sorted four-value multiset over 1…13 (the card values under either rule) that can
/// make 24: 1,820 searches once per process instead of a search per dealt hand, most of which
/// a data set draws many times over.
private let solvableValueSets: Set<[Int]> = {
    var solvable = Set<[Int]>()
    for a in 1...13 {
        for b in a...13 {
            for c in b...13 {
                for d in c...13 where ExpressionSearch.solve([a, b, c, d], target: Rational(GeneralPointsTask.target)) != nil {
                    solvable.insert([a, b, c, d])
                }
            }
        }
    }
    return solvable
}()
