import FinchData
import Foundation

/// One addition exercise with a worked answer, in a format chosen so that a tiny transformer
/// trained from scratch can learn it in minutes.
///
/// For 4821 + 375 the prompt is `"4821+0375="` and the completion is
/// `"1+5+0=06,2+7+0=09,8+3+0=11,4+0+1=05;5196"`.
///
/// Why this shape:
/// - The operands are zero-padded to the same width, so the digits of one column sit at a
///   fixed distance from each other in the prompt.
/// - The sum is worked column by column from the right, which is the order carries flow;
///   the model never has to look ahead.
/// - Every step has the same width `a+b+c=TU` (digit of a, digit of b, carry in, two-digit
///   column total), so each step's carry in is the previous step's tens digit at a fixed
///   offset, and every step is a true equation.
/// - The final answer follows `;` in ordinary notation, so exact-match scoring only needs
///   `answer(fromCompletion:)`. Four-digit problems need at most 41 completion bytes.
public struct AdditionProblem: Equatable, Hashable, Sendable {
    public let a: Int
    public let b: Int
    public let prompt: String
    public let completion: String
    public let answer: Int

    /// Both operands must be non-negative.
    public init(a: Int, b: Int) {
        precondition(a >= 0 && b >= 0, "addition operands must be non-negative")
        self.a = a
        self.b = b
        answer = a + b

        let width = max(String(a).count, String(b).count)
        let digitsA = Self.digits(of: a, width: width)
        let digitsB = Self.digits(of: b, width: width)
        prompt = digitsA.map(String.init).joined() + "+" + digitsB.map(String.init).joined() + "="

        var steps: [String] = []
        var carry = 0
        for column in (0..<width).reversed() {
            let total = digitsA[column] + digitsB[column] + carry
            steps.append("\(digitsA[column])+\(digitsB[column])+\(carry)=\(total / 10)\(total % 10)")
            carry = total / 10
        }
        completion = steps.joined(separator: ",") + ";\(answer)"
    }

    /// The final answer stated in a completion (the digits after its last `;`), or nil if
    /// there is none or anything but digits follows, so malformed output never scores.
    public static func answer(fromCompletion completion: String) -> Int? {
        guard let separator = completion.lastIndex(of: ";") else { return nil }
        let stated = completion[completion.index(after: separator)...].trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...18).contains(stated.count), stated.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(stated)
    }

    /// Decimal digits of `value`, most significant first, left-padded with zeros to `width`.
    private static func digits(of value: Int, width: Int) -> [Int] {
        let text = String(value)
        return Array(repeating: 0, count: width - text.count) + text.map { Int(String($0))! }
    }
}
