import Yams

/// One key a config section accepts.
struct ConfigKey {
    let name: String
    let field: ConfigField

    init(_ name: String, _ field: ConfigField) {
        self.name = name
        self.field = field
    }
}

/// What a key may hold and whether it must be given.
struct ConfigField {
    let kind: ConfigValueKind
    let isRequired: Bool

    static func required(_ kind: ConfigValueKind) -> ConfigField { ConfigField(kind: kind, isRequired: true) }
    static func optional(_ kind: ConfigValueKind) -> ConfigField { ConfigField(kind: kind, isRequired: false) }
}

/// What a config value may be, as the strict checker sees it. Scalar kinds are parsed
/// with Yams' own constructors, so a value the checker accepts is one the decoder reads.
indirect enum ConfigValueKind {
    case integer(atLeast: Int)
    /// Seeds: any integer from 0 to 2^64 − 1.
    case unsignedInteger
    case number(NumberRange)
    case boolean
    case string
    /// One of a fixed set of words (an algorithm, a mode).
    case choice([String])
    case section([ConfigKey])
    /// Hugging Face config.json keys; which ones depends on the sibling `model_type`.
    case modelArchitecture

    /// How an error message describes what was expected.
    var expectation: String {
        switch self {
        case .integer(let minimum): return "an integer ≥ \(minimum)"
        case .unsignedInteger: return "a non-negative integer"
        case .number(let range): return range.expectation
        case .boolean: return "true or false"
        case .string: return "a string"
        case .choice(let words): return "one of " + words.joined(separator: ", ")
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
        case .section, .modelArchitecture: return false
        }
    }
}

/// The finite numbers a `number` key accepts.
enum NumberRange {
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

/// A section of the run config. Each declares its keys once, as `CodingKeys`, and says
/// what each holds in an exhaustive switch, so adding a field without describing it to
/// the strict checker does not compile. Later sections (`distributed`, `rl`) plug in the
/// same way: conform, then add a key to `RunConfig`.
protocol ConfigSection: Codable {
    associatedtype CodingKeys: CodingKey & CaseIterable
    static func field(_ key: CodingKeys) -> ConfigField
}

extension ConfigSection {
    static var schema: [ConfigKey] { CodingKeys.allCases.map { ConfigKey($0.stringValue, field($0)) } }
}

extension KeyedDecodingContainer {
    /// Overwrites `value` with the decoded one when the key is present and not null, so a
    /// section can start from its defaults and apply only what the file says.
    func update<T: Decodable>(_ value: inout T, from key: Key) throws {
        if let decoded = try decodeIfPresent(T.self, forKey: key) { value = decoded }
    }
}
