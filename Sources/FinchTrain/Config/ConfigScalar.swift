import Yams

/// A value a config key can hold, read from a YAML scalar and written back as one. Parsing
/// uses Yams' constructors, as the strict checker does.
public protocol ConfigScalar: Equatable, Sendable {
    static func read(_ scalar: Node.Scalar) -> Self?
    /// The value as YAML; nil for an absent optional, which is then not written.
    var yamlNode: Node? { get }
}

extension Int: ConfigScalar {
    public static func read(_ scalar: Node.Scalar) -> Int? { Int.construct(from: scalar) }
    public var yamlNode: Node? { Node(String(self), Tag(.int)) }
}

extension UInt64: ConfigScalar {
    public static func read(_ scalar: Node.Scalar) -> UInt64? { UInt64.construct(from: scalar) }
    public var yamlNode: Node? { Node(String(self), Tag(.int)) }
}

extension Double: ConfigScalar {
    public static func read(_ scalar: Node.Scalar) -> Double? { Double.construct(from: scalar) }
    /// The shortest text that reads back to the same Double (`0.0003`, not 17 digits).
    public var yamlNode: Node? { Node("\(self)", Tag(.float)) }
}

extension Bool: ConfigScalar {
    public static func read(_ scalar: Node.Scalar) -> Bool? { Bool.construct(from: scalar) }
    public var yamlNode: Node? { Node(self ? "true" : "false", Tag(.bool)) }
}

extension String: ConfigScalar {
    public static func read(_ scalar: Node.Scalar) -> String? { scalar.string }
    /// Quoted when YAML would otherwise read it as something else (`"123"`, `"true"`, `"null"`).
    public var yamlNode: Node? {
        Resolver.default.resolveTag(of: Node(self)) == .str ? Node(self, Tag(.str)) : Node(self, Tag(.str), .doubleQuoted)
    }
}

extension Optional: ConfigScalar where Wrapped: ConfigScalar {
    public static func read(_ scalar: Node.Scalar) -> Wrapped?? { Wrapped.read(scalar).map { .some($0) } }
    public var yamlNode: Node? { self?.yamlNode }
}

/// A key that holds one of a fixed set of words: an enum whose raw values are those words.
public protocol ConfigChoice: ConfigScalar, CaseIterable, RawRepresentable where RawValue == String {}

extension ConfigChoice {
    public static func read(_ scalar: Node.Scalar) -> Self? { Self(rawValue: scalar.string) }
    public var yamlNode: Node? { Node(rawValue, Tag(.str)) }
    public static var names: [String] { allCases.map(\.rawValue) }
}
