/// Why an arithmetic expression has no value.
public enum ArithmeticFailure: Error, Equatable, CustomStringConvertible {
    case divisionByZero
    /// A numerator or denominator left the range of `Int`.
    case overflow

    public var description: String {
        switch self {
        case .divisionByZero: return "division by zero"
        case .overflow: return "a number too large to check"
        }
    }
}

/// An exact fraction in lowest terms, so a checker agrees with a person that 8/(3-8/3) is 24
/// where floating point would give 23.999999999999996.
///
/// Every operation detects overflow and throws instead of wrapping (the data targets are built
/// with -Ounchecked, where plain `+` on a huge model-written number would silently wrap).
/// `Int.min` is never a numerator or denominator, so negating and taking magnitudes is safe.
public struct Rational: Hashable, Sendable, CustomStringConvertible {
    public let numerator: Int
    /// Always positive.
    public let denominator: Int

    public init(_ integer: Int) {
        precondition(integer != .min, "Rational: Int.min is outside the supported range")
        numerator = integer
        denominator = 1
    }

    /// Normalises the sign onto the numerator and divides out the greatest common divisor.
    public init(numerator: Int, denominator: Int) throws {
        if denominator == 0 { throw ArithmeticFailure.divisionByZero }
        if numerator == .min || denominator == .min { throw ArithmeticFailure.overflow }
        let divisor = Self.gcd(numerator.magnitude, denominator.magnitude)
        let sign = denominator < 0 ? -1 : 1
        self.numerator = sign * numerator / Int(divisor)
        self.denominator = sign * denominator / Int(divisor)
    }

    public var isInteger: Bool { denominator == 1 }

    /// The value as an integer, or nil if it is a proper fraction.
    public var integerValue: Int? { isInteger ? numerator : nil }

    /// `7`, `-3` or `8/3`.
    public var description: String { isInteger ? "\(numerator)" : "\(numerator)/\(denominator)" }

    public func adding(_ other: Rational) throws -> Rational {
        // Scale both to the least common denominator, which keeps intermediates small.
        let common = Int(Self.gcd(denominator.magnitude, other.denominator.magnitude))
        let left = try Self.multiply(numerator, other.denominator / common)
        let right = try Self.multiply(other.numerator, denominator / common)
        let (sum, overflow) = left.addingReportingOverflow(right)
        if overflow { throw ArithmeticFailure.overflow }
        return try Rational(numerator: sum, denominator: try Self.multiply(denominator / common, other.denominator))
    }

    public func subtracting(_ other: Rational) throws -> Rational {
        try adding(Rational(numerator: -other.numerator, denominator: other.denominator))
    }

    public func multiplied(by other: Rational) throws -> Rational {
        // Cancel across before multiplying so (a/b)·(b/a) never overflows on the way to 1.
        let first = Int(Self.gcd(numerator.magnitude, other.denominator.magnitude))
        let second = Int(Self.gcd(other.numerator.magnitude, denominator.magnitude))
        return try Rational(numerator: try Self.multiply(numerator / first, other.numerator / second),
                            denominator: try Self.multiply(denominator / second, other.denominator / first))
    }

    public func divided(by other: Rational) throws -> Rational {
        if other.numerator == 0 { throw ArithmeticFailure.divisionByZero }
        return try multiplied(by: Rational(numerator: other.denominator, denominator: other.numerator))
    }

    private static func multiply(_ a: Int, _ b: Int) throws -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        if overflow || product == .min { throw ArithmeticFailure.overflow }
        return product
    }

    /// gcd(0, 0) is taken as 1 so that 0/d normalises to 0/1.
    private static func gcd(_ a: UInt, _ b: UInt) -> UInt {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x == 0 ? 1 : x
    }
}
