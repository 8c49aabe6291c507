import FinchData
import FinchKernels
import Foundation

/// Generates addition problems (see `AdditionProblem` for the format) for the first
/// training recipe, and splits them into train and held-out eval sets.
///
/// Each operand first draws its digit count uniformly from `minDigits...maxDigits` and then
/// a value with exactly that many digits, so short numbers are as common as long ones
/// instead of vanishingly rare.
public struct AdditionTask: Sendable {
    public let minDigits: Int
    public let maxDigits: Int

    /// Digits must satisfy 1 ≤ minDigits ≤ maxDigits ≤ 18 (so the sum fits in an Int).
    public init(minDigits: Int, maxDigits: Int) throws {
        guard 1 <= minDigits, minDigits <= maxDigits, maxDigits <= 18 else {
            throw DataError(source: "addition task",
                            reason: "digits \(minDigits)...\(maxDigits) must satisfy 1 <= minDigits <= maxDigits <= 18")
        }
        self.minDigits = minDigits
        self.maxDigits = maxDigits
    }

    /// `count` problems drawn independently (repeats possible), reproducible from `seed`.
    public func generate(count: Int, seed: UInt64) -> [AdditionProblem] {
        var rng = RNG(seed: seed)
        return (0..<count).map { _ in randomProblem(&rng) }
    }

    /// A training set and an eval set that share no problem: eval problems are distinct, and
    /// no training problem has the same pair of operands as an eval problem in either order
    /// (a model that learned 375+4821 has effectively seen 4821+375). Training problems may
    /// repeat.
    ///
    /// Throws if the digit range has too few pairs for `evalCount` held-out problems to leave
    /// at least as many for training.
    public func split(count: Int, evalCount: Int, seed: UInt64) throws -> (train: [AdditionProblem], eval: [AdditionProblem]) {
        let (pairProduct, overflow) = operandCount.multipliedReportingOverflow(by: operandCount + 1)
        if !overflow && evalCount > pairProduct / 4 {
            throw DataError(source: "addition task",
                            reason: "\(evalCount) eval problems is more than half of the \(pairProduct / 2) distinct pairs with \(minDigits)...\(maxDigits) digits")
        }
        var rng = RNG(seed: seed)
        var heldOut = Set<OperandPair>()
        var eval: [AdditionProblem] = []
        while eval.count < evalCount {
            let problem = randomProblem(&rng)
            if heldOut.insert(OperandPair(problem)).inserted { eval.append(problem) }
        }
        var train: [AdditionProblem] = []
        while train.count < count {
            let problem = randomProblem(&rng)
            if !heldOut.contains(OperandPair(problem)) { train.append(problem) }
        }
        return (train, eval)
    }

    /// Writes one `{"prompt", "completion"}` object per line, the shape `SFTDataset` reads;
    /// with `includeAnswers` each line also carries `"answer"` for exact-match evaluation.
    public static func writeJSONL(_ problems: [AdditionProblem], to url: URL, includeAnswers: Bool) throws {
        struct Line: Encodable {
            let prompt: String
            let completion: String
            let answer: Int?
        }
        try writeJSONLines(problems.map {
            Line(prompt: $0.prompt, completion: $0.completion, answer: includeAnswers ? $0.answer : nil)
        }, to: url)
    }

    /// How many operand values the digit range allows.
    private var operandCount: Int {
        power(of: 10, maxDigits) - (minDigits == 1 ? 0 : power(of: 10, minDigits - 1))
    }

    private func randomProblem(_ rng: inout RNG) -> AdditionProblem {
        AdditionProblem(a: randomOperand(&rng), b: randomOperand(&rng))
    }

    private func randomOperand(_ rng: inout RNG) -> Int {
        let digits = minDigits + rng.below(maxDigits - minDigits + 1)
        if digits == 1 { return rng.below(10) }
        let smallest = power(of: 10, digits - 1)
        return smallest + rng.below(9 * smallest)
    }

    private func power(of base: Int, _ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { product, _ in product * base }
    }
}

/// The operands of a problem regardless of order, so a + b and b + a count as one problem.
private struct OperandPair: Hashable {
    let smaller: Int
    let larger: Int

    init(_ problem: AdditionProblem) {
        smaller = min(problem.a, problem.b)
        larger = max(problem.a, problem.b)
    }
}
