import FinchModel
import Foundation

/// A value of a parsed tokenizer.json or tokenizer_config.json, with the key path that leads to
/// it (`model.merges[12]`), so that every complaint names the file and the key at fault.
struct JSONValue {
    let value: Any
    /// `model.merges[12]`; empty for the whole file.
    let path: String
    /// The file's path, as errors name it.
    let source: String

    /// Parses `data`; errors name `source`.
    static func parse(_ data: Data, source: String) throws -> JSONValue {
        do {
            return JSONValue(value: try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]), path: "", source: source)
        } catch {
            throw DataError(source: source, reason: "not valid JSON: \(error.localizedDescription)")
        }
    }

    /// Reads and parses `url`; errors name it.
    static func read(_ url: URL) throws -> (json: JSONValue, data: Data) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataError(source: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        return (try parse(data, source: url.path), data)
    }

    /// An error about this value: `"<file>: <path>: <problem>"`.
    func error(_ problem: String) -> DataError {
        DataError(source: source, reason: path.isEmpty ? problem : "\(path): \(problem)")
    }

    /// An error for a `type` this build does not read, listing the ones it does.
    func unsupported(_ kind: String, type: String, supported: [String]) -> DataError {
        DataError(source: source, reason: "\(childPath("type")): \(kind) type \"\(type)\" is not supported (supported: \(supported.joined(separator: ", ")))")
    }

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func element(_ index: Int, _ value: Any) -> JSONValue {
        JSONValue(value: value, path: "\(path)[\(index)]", source: source)
    }

    // MARK: Members

    /// The member `key` of this object; nil when it is absent or null (tokenizers treats both alike).
    func member(_ key: String) throws -> JSONValue? {
        guard let value = try object()[key], !(value is NSNull) else { return nil }
        return JSONValue(value: value, path: childPath(key), source: source)
    }

    func required(_ key: String) throws -> JSONValue {
        guard let value = try member(key) else {
            throw DataError(source: source, reason: "missing key \"\(childPath(key))\"")
        }
        return value
    }

    func string(_ key: String) throws -> String { try required(key).string() }
    func bool(_ key: String, default fallback: Bool) throws -> Bool { try member(key)?.bool() ?? fallback }
    func integer(_ key: String) throws -> Int { try required(key).integer() }
    /// The `type` member that selects a normalizer, pre-tokenizer, model or decoder.
    func type() throws -> String { try string("type") }

    // MARK: This value as one JSON kind

    func object() throws -> [String: Any] {
        guard let object = value as? [String: Any] else { throw error("expected an object, got \(Self.kind(of: value))") }
        return object
    }

    func elements() throws -> [JSONValue] {
        guard let array = value as? [Any] else { throw error("expected an array, got \(Self.kind(of: value))") }
        return array.enumerated().map { element($0.offset, $0.element) }
    }

    func string() throws -> String {
        guard let string = value as? String else { throw error("expected a string, got \(Self.kind(of: value))") }
        return string
    }

    /// A string of exactly one character (Unicode scalar), as tokenizers' `char` fields are.
    func character() throws -> Unicode.Scalar {
        let text = try string()
        guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
            throw error("expected a single character, got \"\(text)\"")
        }
        return scalar
    }

    func bool() throws -> Bool {
        guard Self.isBoolean(value), let number = value as? NSNumber else { throw error("expected true or false, got \(Self.kind(of: value))") }
        return number.boolValue
    }

    func integer() throws -> Int {
        guard let number = Self.integer(value) else { throw error("expected an integer, got \(Self.kind(of: value))") }
        return number
    }

    /// An integral JSON number (not a boolean); nil for anything else. `JSONScalars` tells
    /// booleans from numbers, which JSONSerialization gives alike.
    static func integer(_ value: Any) -> Int? { JSONScalars.integer(value) }

    static func isBoolean(_ value: Any) -> Bool { JSONScalars.isBoolean(value) }

    static func kind(of value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case is String: return "a string"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case _ where isBoolean(value): return "a boolean"
        case is NSNumber: return "a number"
        default: return "\(Swift.type(of: value))"
        }
    }
}
