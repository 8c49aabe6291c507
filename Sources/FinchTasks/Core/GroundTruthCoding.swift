import FinchData
import Foundation

/// Converts a task's `Problem` to and from the `JSONValue` carried as `ground_truth`.
enum GroundTruthCoding {
    /// Problems are plain structs of strings and numbers, so encoding them cannot fail.
    static func encode<Problem: Encodable>(_ problem: Problem) -> JSONValue {
        let data = try! JSONEncoder().encode(problem)
        return try! JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Decodes `value` as a `Problem`; a mismatch becomes `fail("ground_truth.cards[2]: …")`.
    static func decode<Problem: Decodable>(_ value: JSONValue, fail: (String) -> DataError) throws -> Problem {
        do {
            return try JSONDecoder().decode(Problem.self, from: try JSONEncoder().encode(value))
        } catch let error as DecodingError {
            throw fail(describe(error))
        } catch {
            throw fail("ground_truth cannot be decoded: \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, adding key: CodingKey? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            return keys.reduce("ground_truth") { text, key in
                key.intValue.map { "\(text)[\($0)]" } ?? "\(text).\(key.stringValue)"
            }
        }
        switch error {
        case let .keyNotFound(key, context): return "\(path(context)) is missing key \"\(key.stringValue)\""
        case let .typeMismatch(type, context): return "\(path(context)) should be \(type)"
        case let .valueNotFound(type, context): return "\(path(context)) should be \(type), not null"
        case let .dataCorrupted(context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "ground_truth cannot be decoded: \(error)"
        }
    }
}
