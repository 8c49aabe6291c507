/// Why text is not an arithmetic expression; `reason` is written for a critique or a verdict,
/// e.g. "unbalanced parentheses".
public struct ExpressionSyntaxError: Error, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// Reads the arithmetic that models write: non-negative integer literals, `+ - * /` (also
/// `× ÷ −`), parentheses and spaces. Anything else (letters, decimals, `^`, unary minus unless
/// allowed) is a syntax error, never a guess.
///
/// Model output is untrusted, so the parser bounds its own work: text longer than
/// `maxLength` characters, parentheses nested deeper than `maxDepth`, and literals of more
/// than `maxDigits` digits are rejected before any recursion or arithmetic could blow up.
public struct ExpressionParser {
    /// Fifteen digits always fit in an `Int`, with room for a product of two to be caught as
    /// overflow rather than be unreadable.
    public static let maxDigits = 15

    public var maxLength = 400
    public var maxDepth = 40
    /// Whether `-` may precede a literal, as in the step `(-4)*6=-24`. Off for answers over
    /// given numbers, where a minus sign would be an extra operation on a card.
    public var allowsNegativeLiterals = false

    public init(maxLength: Int = 400, maxDepth: Int = 40, allowsNegativeLiterals: Bool = false) {
        (self.maxLength, self.maxDepth, self.allowsNegativeLiterals) = (maxLength, maxDepth, allowsNegativeLiterals)
    }

    public func parse(_ text: String) throws -> ArithmeticExpression {
        // A cheap byte bound first, so 10 kB of garbage is refused without walking graphemes.
        guard text.utf8.count <= 4 * maxLength, text.count <= maxLength else {
            throw ExpressionSyntaxError(reason: "longer than \(maxLength) characters")
        }
        var cursor = Cursor(characters: Array(text))
        guard cursor.peek() != nil else { throw ExpressionSyntaxError(reason: "empty") }
        let expression = try parseSum(&cursor, depth: 0)
        if let extra = cursor.peek() {
            throw ExpressionSyntaxError(reason: extra == ")" ? "unbalanced parentheses" : "unexpected '\(extra)'")
        }
        return expression
    }

    /// Parses `lhs = rhs`, the shape of a formula or a worked step.
    public func parseEquation(_ text: String) throws -> (left: ArithmeticExpression, right: ArithmeticExpression) {
        let sides = text.split(separator: "=", omittingEmptySubsequences: false)
        guard sides.count == 2 else {
            throw ExpressionSyntaxError(reason: sides.count < 2 ? "no '='" : "more than one '='")
        }
        return (try parse(String(sides[0])), try parse(String(sides[1])))
    }

    /// Spaces may separate tokens but not split one: `3 4` is two numbers, not 34.
    private struct Cursor {
        let characters: [Character]
        var position = 0

        /// The next character that is not whitespace, moving to it.
        mutating func peek() -> Character? {
            while position < characters.count && characters[position].isWhitespace { position += 1 }
            return current
        }

        /// The character at the cursor, whitespace included (for reading inside a number).
        var current: Character? { position < characters.count ? characters[position] : nil }

        mutating func advance() { position += 1 }
    }

    private func parseSum(_ cursor: inout Cursor, depth: Int) throws -> ArithmeticExpression {
        var expression = try parseProduct(&cursor, depth: depth)
        while let character = cursor.peek(), let op = Self.operator(character), op.precedence == 1 {
            cursor.advance()
            expression = .operation(op, expression, try parseProduct(&cursor, depth: depth))
        }
        return expression
    }

    private func parseProduct(_ cursor: inout Cursor, depth: Int) throws -> ArithmeticExpression {
        var expression = try parseOperand(&cursor, depth: depth)
        while let character = cursor.peek(), let op = Self.operator(character), op.precedence == 2 {
            cursor.advance()
            expression = .operation(op, expression, try parseOperand(&cursor, depth: depth))
        }
        return expression
    }

    private func parseOperand(_ cursor: inout Cursor, depth: Int) throws -> ArithmeticExpression {
        guard let character = cursor.peek() else { throw ExpressionSyntaxError(reason: "ends with an operator") }
        if character == "(" {
            guard depth < maxDepth else {
                throw ExpressionSyntaxError(reason: "parentheses nested deeper than \(maxDepth)")
            }
            cursor.advance()
            let inner = try parseSum(&cursor, depth: depth + 1)
            guard cursor.peek() == ")" else { throw ExpressionSyntaxError(reason: "unbalanced parentheses") }
            cursor.advance()
            return inner
        }
        if allowsNegativeLiterals, Self.operator(character) == .subtract {
            cursor.advance()
            guard let digit = cursor.peek(), digit.isASCIIDigit else {
                throw ExpressionSyntaxError(reason: "'-' must be followed by a number")
            }
            return .number(-(try parseLiteral(&cursor)))
        }
        if character.isASCIIDigit { return .number(try parseLiteral(&cursor)) }
        if Self.operator(character) != nil || character == ")" {
            throw ExpressionSyntaxError(reason: character == ")" ? "unbalanced parentheses" : "missing a number before '\(character)'")
        }
        throw ExpressionSyntaxError(reason: "unexpected '\(character)'")
    }

    private func parseLiteral(_ cursor: inout Cursor) throws -> Int {
        var digits = ""
        while let character = cursor.current, character.isASCIIDigit {
            guard digits.count < Self.maxDigits else {
                throw ExpressionSyntaxError(reason: "a number longer than \(Self.maxDigits) digits")
            }
            digits.append(character)
            cursor.advance()
        }
        if let character = cursor.current, character == "." || character == "," {
            throw ExpressionSyntaxError(reason: "a number with '\(character)'; only whole numbers are allowed")
        }
        // At most `maxDigits` ASCII digits, so this always fits in an Int.
        return Int(digits)!
    }

    private static func `operator`(_ character: Character) -> ArithmeticOperator? {
        switch character {
        case "+": return .add
        case "-", "−": return .subtract
        case "*", "×": return .multiply
        case "/", "÷": return .divide
        default: return nil
        }
    }
}

extension Character {
    /// Only 0–9: `isNumber` also accepts ² or ٣, which `Int(_:)` would not read.
    public var isASCIIDigit: Bool { asciiValue.map { (48...57).contains($0) } ?? false }
}
