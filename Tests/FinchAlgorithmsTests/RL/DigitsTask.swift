import FinchKernels
@testable import FinchData
@testable import FinchTasks

/// A toy verifiable task that a tiny model learns in a few RL steps from random weights: the
/// reward is the fraction of the answer's characters that are decimal digits. A random byte
/// model writes a digit about 4% of the time, so every group of answers already differs in
/// reward, and the policy gradient has signal from the first step.
struct DigitsTask: VerifiableTask {
    struct Problem: Codable, Hashable, Sendable { var id: Int }

    /// A coin-flip grader for tests of revisions: an answer is correct when its first byte is
    /// even, which a random model's answer is about half the time, so wrong answers and right
    /// revisions of them are both common. The reward stays the digit fraction.
    var firstByteEven = false

    var name: String { "digits" }
    var rule: String? { nil }

    func randomProblem(using rng: inout RNG) -> Problem { Problem(id: rng.below(1_000_000)) }
    func key(of problem: Problem) -> Int { problem.id }
    func defect(in problem: Problem) -> String? { problem.id < 0 ? "negative id" : nil }
    func prompt(for problem: Problem) -> String { "Write digits (\(problem.id % 10))." }
    func referenceSolution(for problem: Problem) -> String { "0123456789" }

    func score(_ problem: Problem, completion: String) -> Verdict {
        let digits = completion.filter(\.isASCIIDigitCharacter).count
        let fraction = completion.isEmpty ? 0 : Double(digits) / Double(completion.count)
        if firstByteEven {
            let even = completion.utf8.first.map { $0 % 2 == 0 } ?? false
            return Verdict(reward: even ? 1 : 0, correct: even, formatOK: !completion.isEmpty,
                           reason: even ? "the first byte is even" : "the first byte is not even")
        }
        return Verdict(reward: fraction, correct: fraction == 1, formatOK: !completion.isEmpty,
                       reason: "\(digits) of \(completion.count) characters are digits")
    }

    func critique(_ problem: Problem, solution: String) -> Critique {
        Critique(findings: [], judgesRight: score(problem, completion: solution).correct)
    }

    func flawedSolution(for problem: Problem, using rng: inout RNG) -> String { "01234x6789" }
}

private extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
