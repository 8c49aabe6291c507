import Yams

/// What the strict checker knows of one key: its name, what it may hold, whether it must be
/// given, its documentation line, and (in a section with a variant key such as
/// `rl.algorithm`) the variants it belongs to. Made from a section's `ConfigKey` table.
public struct SchemaKey: Sendable {
    public let name: String
    public let kind: ConfigValueKind
    public let isRequired: Bool
    public let doc: String
    /// The values of the section's variant key for which this key applies; nil: all of them.
    public let variants: [String]?
}

/// The keys of one section, and which of them (if any) decides what the others may be.
public struct ConfigSchema: Sendable {
    public var keys: [SchemaKey]
    public var variantKey: String?

    public func key(named name: String) -> SchemaKey? { keys.first { $0.name == name } }
}

/// What a config value may be, as the strict checker sees it. Scalar kinds are parsed with
/// Yams' own constructors, as the section decoders parse them, so a value the checker
/// accepts is one the decoder reads.
public indirect enum ConfigValueKind: Sendable {
    case integer(atLeast: Int)
    /// Seeds: any integer from 0 to 2^64 − 1.
    case unsignedInteger
    case number(NumberRange)
    case boolean
    case string
    /// One of a fixed set of words (an algorithm, a mode).
    case choice([String])
    /// A list of strings, or one string standing for itself (`target_modules: all-linear`).
    case strings
    case section(ConfigSchema)
    /// Hugging Face config.json keys; which ones depends on the sibling `model_type`.
    case modelArchitecture

    /// How an error message (and the key table in docs/recipes.md) describes what is expected.
    public var expectation: String {
        switch self {
        case .integer(let minimum): return "an integer ≥ \(minimum)"
        case .unsignedInteger: return "a non-negative integer"
        case .number(let range): return range.expectation
        case .boolean: return "true or false"
        case .string: return "a string"
        case .choice(let words): return "one of " + words.joined(separator: ", ")
        case .strings: return "a string or a list of strings"
        case .section, .modelArchitecture: return "a mapping of keys"
        }
    }

    /// Whether `scalar` is a valid value of this scalar kind.
    func admits(_ scalar: Node.Scalar) -> Bool {
        switch self {
        case .integer(let minimum): return Int.construct(from: scalar).map { $0 >= minimum } ?? false
        case .unsignedInteger: return UInt64.construct(from: scalar) != nil
        case .number(let range): return Double.construct(from: scalar).map(range.admits) ?? false
        case .boolean: return Bool.construct(from: scalar) != nil
        case .string: return true
        case .choice(let words): return words.contains(scalar.string)
        case .strings: return true
        case .section, .modelArchitecture: return false
        }
    }
}

/// The finite numbers a `number` key accepts.
public enum NumberRange: Sendable {
    case positive
    case nonNegative
    /// [0, 1), for moment decay rates.
    case fraction
    /// [0, 1], for discounts.
    case unitInterval

    func admits(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        switch self {
        case .positive: return value > 0
        case .nonNegative: return value >= 0
        case .fraction: return value >= 0 && value < 1
        case .unitInterval: return value >= 0 && value <= 1
        }
    }

    var expectation: String {
        switch self {
        case .positive: return "a positive number"
        case .nonNegative: return "a number ≥ 0"
        case .fraction: return "a number in [0, 1)"
        case .unitInterval: return "a number in [0, 1]"
        }
    }
}
