import FinchData
import FinchKernels

/// A sum followed by a sign-off: `"23+45="` → `"68 nice yes cool"`. The task the Ziegler-style
/// preference recipe runs on, because its answers have a style that varies freely and is
/// independent of correctness.
///
/// The SFT reference signs off with 1–5 words drawn uniformly from `lexicon` (the words are
/// part of the problem, so the data is reproducible), so an SFT policy samples varied
/// sign-offs. The reward is a hidden *style* preference, not correctness: `styleScore`, the
/// number of distinct warm words (`nice`, `great`, `cool`) minus the number of repeated words,
/// from −4 to 3; a malformed answer scores −5. Correctness of the sum is reported separately
/// (`Verdict.correct`), so a run can show that optimising style left arithmetic alone.
public struct SignoffTask: VerifiableTask {
    public struct Problem: Codable, Hashable, Sendable {
        public let a: Int
        public let b: Int
        /// The reference sign-off.
        public let words: [String]

        public init(a: Int, b: Int, words: [String]) { (self.a, self.b, self.words) = (a, b, words) }
    }

    public static let lexicon = ["ok", "done", "nice", "yes", "cool", "great", "sure", "fine"]
    public static let warmWords: Set<String> = ["nice", "great", "cool"]
    public static let maxWords = 5
    public static let malformedReward = -5.0

    public init() {}

    public var name: String { "signoff" }
    public var rule: String? { nil }

    public func randomProblem(using rng: inout RNG) -> Problem {
        let count = 1 + rng.below(Self.maxWords)
        return Problem(a: rng.below(100), b: rng.below(100), words: (0..<count).map { _ in Self.lexicon[rng.below(Self.lexicon.count)] })
    }

    /// Held-out sums never appear in training, whatever the sign-off.
    public func key(of problem: Problem) -> [Int] { [problem.a, problem.b].sorted() }

    public func defect(in problem: Problem) -> String? {
        guard (0..<100).contains(problem.a), (0..<100).contains(problem.b) else { return "operands must lie within 0...99" }
        guard (1...Self.maxWords).contains(problem.words.count), problem.words.allSatisfy(Self.lexicon.contains) else {
            return "the sign-off must be 1 to \(Self.maxWords) words of \(Self.lexicon.joined(separator: ", "))"
        }
        return nil
    }

    public func prompt(for problem: Problem) -> String { "\(problem.a)+\(problem.b)=" }

    public func referenceSolution(for problem: Problem) -> String {
        "\(problem.a + problem.b) " + problem.words.joined(separator: " ")
    }

    /// The hidden style preference of a sign-off: distinct warm words minus repeated words.
    public static func styleScore(_ words: [String]) -> Double {
        var seen = Set<String>(), repeats = 0
        for word in words where !seen.insert(word).inserted { repeats += 1 }
        return Double(seen.intersection(warmWords).count - repeats)
    }

    /// The sum and the sign-off words, or nil when the answer is not `<number> <1–5 lexicon words>`.
    static func parse(_ completion: String) -> (sum: Int, words: [String])? {
        let parts = completion.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts.count <= Self.maxWords + 1, parts[0].count <= 4, let sum = Int(parts[0]), sum >= 0,
              parts.dropFirst().allSatisfy(Self.lexicon.contains) else { return nil }
        return (sum, Array(parts.dropFirst()))
    }

    public func score(_ problem: Problem, completion: String) -> Verdict {
        guard let answer = Self.parse(completion) else {
            return Verdict(reward: Self.malformedReward, correct: false, formatOK: false,
                           reason: "not a number followed by 1–\(Self.maxWords) sign-off words")
        }
        let style = Self.styleScore(answer.words)
        let right = answer.sum == problem.a + problem.b
        return Verdict(reward: style, correct: right, formatOK: true,
                       reason: (right ? "correct sum" : "answered \(answer.sum), expected \(problem.a + problem.b)") + ", style \(style)")
    }

    public func critique(_ problem: Problem, solution: String) -> Critique {
        let verdict = score(problem, completion: solution)
        return Critique(findings: [verdict.reason], judgesRight: verdict.correct)
    }

    /// The reference answer with the sum off by one (or more), the same sign-off.
    public func flawedSolution(for problem: Problem, using rng: inout RNG) -> String {
        let sum = problem.a + problem.b, offset = 1 + rng.below(9)
        let wrong = sum >= offset && rng.below(2) == 0 ? sum - offset : sum + offset
        return "\(wrong) " + problem.words.joined(separator: " ")
    }
}
