import FinchModel
import Foundation

/// A preference between answers to one prompt, as users bring it from TRL and as Ziegler et
/// al. (2019) collected it:
/// - pairwise: `{"prompt", "chosen", "rejected"}`, each a string, or in the conversational form
///   a list of `{"role", "content"}` messages (the prompt's turns; the answer's assistant turn);
/// - best-of-N: `{"prompt", "completions": [N answers], "best": i}`, the labeller's pick;
/// - either with an optional `"margin"` (how much better, for a margin loss).
/// Other keys on a line (`task`, `ground_truth`, a labeller's name) are kept by whoever wrote
/// them and ignored here. Reading names the file, line and key at fault.
public struct PreferenceRecord: Equatable, Sendable {
    public enum Text: Equatable, Sendable {
        case plain(String)
        case messages([ChatMessage])
    }

    public enum Choice: Equatable, Sendable {
        case pairwise(chosen: Text, rejected: Text)
        case bestOfN(completions: [Text], best: Int)
    }

    public var prompt: Text
    public var choice: Choice
    public var margin: Double?

    public init(prompt: Text, choice: Choice, margin: Double? = nil) {
        self.prompt = prompt
        self.choice = choice
        self.margin = margin
    }

    /// Every record of a JSONL file; an error names the file, the line and the key.
    public static func read(_ url: URL) throws -> [PreferenceRecord] {
        try readJSONLines(url).map { try parse(jsonLine: $1, source: url.path, line: $0) }
    }

    static func parse(jsonLine: Data, source: String, line: Int) throws -> PreferenceRecord {
        func fail(_ reason: String) -> DataError { DataError(source: source, line: line, reason: reason) }
        guard let object = (try? JSONSerialization.jsonObject(with: jsonLine)) as? [String: Any] else {
            throw fail("expected a JSON object")
        }
        func text(_ value: Any?, _ key: String) throws -> Text {
            switch value {
            case nil: throw fail("missing key \"\(key)\"")
            case let string as String: return .plain(string)
            case let list as [Any]: return .messages(try ChatMessage.list(list, key: key, fail: fail))
            default: throw fail("\"\(key)\" must be a string or a list of messages")
            }
        }
        let prompt = try text(object["prompt"], "prompt")
        var margin: Double?
        if let value = object["margin"], !(value is NSNull) {
            guard let number = value as? NSNumber, !JSONScalars.isBoolean(value), number.doubleValue.isFinite else {
                throw fail("\"margin\" must be a finite number")
            }
            margin = number.doubleValue
        }
        switch (object["completions"], object["chosen"] ?? object["rejected"]) {
        case (nil, nil):
            throw fail("expected keys \"chosen\" and \"rejected\", or \"completions\" and \"best\"")
        case (.some, .some):
            throw fail("has both \"completions\" and \"chosen\"/\"rejected\"; use one shape per line")
        case (nil, .some):
            return PreferenceRecord(prompt: prompt, choice: .pairwise(chosen: try text(object["chosen"], "chosen"),
                                                                      rejected: try text(object["rejected"], "rejected")),
                                    margin: margin)
        case (.some(let value), nil):
            guard let list = value as? [Any], list.count >= 2 else { throw fail("\"completions\" must be a list of at least 2 answers") }
            let completions = try list.enumerated().map { try text($1, "completions[\($0)]") }
            guard let best = JSONScalars.integer(object["best"]) else { throw fail("missing integer key \"best\"") }
            guard completions.indices.contains(best) else {
                throw fail("\"best\" is \(best), but there are \(completions.count) completions (0-based)")
            }
            return PreferenceRecord(prompt: prompt, choice: .bestOfN(completions: completions, best: best), margin: margin)
        }
    }

    /// The record as the JSON object `read` parses (keys in TRL's names).
    public var jsonObject: [String: Any] {
        func json(_ text: Text) -> Any {
            switch text {
            case .plain(let string): return string
            case .messages(let messages): return messages.map { ["role": $0.role.rawValue, "content": $0.content] }
            }
        }
        var object: [String: Any] = ["prompt": json(prompt)]
        switch choice {
        case let .pairwise(chosen, rejected): (object["chosen"], object["rejected"]) = (json(chosen), json(rejected))
        case let .bestOfN(completions, best): (object["completions"], object["best"]) = (completions.map(json), best)
        }
        if let margin { object["margin"] = margin }
        return object
    }
}

extension ChatMessage {
    /// A JSON list of `{"role", "content"}` objects; errors name `key[i]`.
    static func list(_ items: [Any], key: String, fail: (String) -> DataError) throws -> [ChatMessage] {
        try items.enumerated().map { index, item in
            let at = "\(key)[\(index)]"
            guard let message = item as? [String: Any] else { throw fail("\(at) must be an object") }
            guard let roleValue = message["role"] else { throw fail("\(at) is missing key \"role\"") }
            guard let roleName = roleValue as? String else { throw fail("\(at).role must be a string") }
            guard let role = ChatRole(rawValue: roleName) else {
                throw fail("\(at) has unknown role \"\(roleName)\" (expected one of: \(ChatRole.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let contentValue = message["content"] else { throw fail("\(at) is missing key \"content\"") }
            guard let content = contentValue as? String else { throw fail("\(at).content must be a string") }
            return ChatMessage(role: role, content: content)
        }
    }
}
