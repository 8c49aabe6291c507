import Foundation
import FinchData
/// Any JSON value, so a task's ground truth (each task has its own shape) can travel in one
/// record type through data files, rollout workers and MPI messages, and be decoded back into
/// the task's own `Problem` only where the task is known.
///
/// Whole numbers are kept as `Int`, not `Double`, so large answers survive a round trip.
public enum JSONValue: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// The fields of a JSON object made by `JSONSerialization` (as `PreferenceRecord.jsonObject`
    /// is), to merge into a generated line.
    static func object(from object: [String: Any]) -> [String: JSONValue] {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8)
        return (try? JSONDecoder().decode([String: JSONValue].self, from: data)) ?? [:]
    }
}
