import Foundation

/// Who speaks a chat message; each role has its own marker token in the chat template.
public enum ChatRole: String, CaseIterable, Sendable {
    case system, user, assistant

    /// The special token that opens a message of this role, e.g. `<|user|>`.
    public var marker: String { "<|\(rawValue)|>" }
}

public struct ChatMessage: Equatable, Sendable {
    public var role: ChatRole
    public var content: String

    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }
}

/// One supervised fine-tuning example as users bring it, before tokenization.
///
/// Two shapes are accepted because both are common in the wild:
/// - `{"prompt": "...", "completion": "..."}` for single-turn tasks;
/// - `{"messages": [{"role": "system|user|assistant", "content": "..."}, ...]}` for chats.
/// Other keys on a line (such as an `"answer"` used for evaluation) are ignored.
public enum SFTRecord: Equatable, Sendable {
    case promptCompletion(prompt: String, completion: String)
    case chat([ChatMessage])

    /// Why this record cannot be trained on, or nil if it can: a chat needs messages and at
    /// least one assistant turn, since only assistant tokens carry loss.
    var problem: String? {
        guard case .chat(let messages) = self else { return nil }
        if messages.isEmpty { return "\"messages\" is empty" }
        if !messages.contains(where: { $0.role == .assistant }) { return "no assistant message, so nothing to train on" }
        return nil
    }

    /// Parses one JSONL line; the reason in the thrown error says what is wrong with it, and
    /// the caller supplies where (`source`, `line`).
    static func parse(jsonLine: Data, source: String, line: Int) throws -> SFTRecord {
        func fail(_ reason: String) -> DataError { DataError(source: source, line: line, reason: reason) }

        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: jsonLine, options: [.fragmentsAllowed])
        } catch {
            throw fail("invalid JSON")
        }
        guard let object = json as? [String: Any] else { throw fail("expected a JSON object") }

        let record: SFTRecord
        switch (object["messages"], object["prompt"] ?? object["completion"]) {
        case (nil, nil):
            throw fail("expected keys \"prompt\" and \"completion\", or \"messages\"")
        case (.some, .some):
            throw fail("has both \"messages\" and \"prompt\"/\"completion\"; use one shape per line")
        case (.some(let messages), nil):
            record = .chat(try parseMessages(messages, fail: fail))
        case (nil, .some):
            record = .promptCompletion(prompt: try string(object, "prompt", fail: fail),
                                       completion: try string(object, "completion", fail: fail))
        }
        if let problem = record.problem { throw fail(problem) }
        return record
    }

    private static func string(_ object: [String: Any], _ key: String, fail: (String) -> DataError) throws -> String {
        guard let value = object[key] else { throw fail("missing key \"\(key)\"") }
        guard let text = value as? String else { throw fail("\"\(key)\" must be a string") }
        return text
    }

    private static func parseMessages(_ value: Any, fail: (String) -> DataError) throws -> [ChatMessage] {
        guard let items = value as? [Any] else { throw fail("\"messages\" must be an array") }
        return try ChatMessage.list(items, key: "messages", fail: fail)
    }
}
