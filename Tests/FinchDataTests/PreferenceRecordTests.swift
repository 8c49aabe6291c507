import FinchTestSupport
import Foundation
import XCTest
@testable import FinchData

/// Preference files in the shapes users bring from TRL and from Ziegler et al.'s best-of-4
/// labelling, and errors that name the file, the line and the key.
final class PreferenceRecordTests: XCTestCase {
    private func write(_ lines: [String]) throws -> URL {
        let url = try makeTemporaryDirectory(for: self).appendingPathComponent("prefs.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testReadsPairwiseConversationalAndBestOfN() throws {
        let url = try write([
            #"{"prompt": "2+2=", "chosen": "4", "rejected": "5", "task": "arithmetic"}"#,
            "",
            #"{"prompt": [{"role": "user", "content": "hi"}], "chosen": [{"role": "assistant", "content": "hello"}], "#
                + #""rejected": [{"role": "assistant", "content": "go away"}], "margin": 1.5}"#,
            #"{"prompt": "Name a bird.", "completions": ["finch", "rock", "tree", "cat"], "best": 0}"#,
        ])
        let records = try PreferenceRecord.read(url)
        XCTAssertEqual(records, [
            PreferenceRecord(prompt: .plain("2+2="), choice: .pairwise(chosen: .plain("4"), rejected: .plain("5"))),
            PreferenceRecord(prompt: .messages([ChatMessage(role: .user, content: "hi")]),
                             choice: .pairwise(chosen: .messages([ChatMessage(role: .assistant, content: "hello")]),
                                               rejected: .messages([ChatMessage(role: .assistant, content: "go away")])),
                             margin: 1.5),
            PreferenceRecord(prompt: .plain("Name a bird."),
                             choice: .bestOfN(completions: ["finch", "rock", "tree", "cat"].map { .plain($0) }, best: 0)),
        ])
        // What jsonObject writes reads back to the same records.
        let lines = try records.map { String(decoding: try JSONSerialization.data(withJSONObject: $0.jsonObject), as: UTF8.self) }
        XCTAssertEqual(try PreferenceRecord.read(try write(lines)), records)
    }

    func testErrorsNameTheLineAndTheKey() throws {
        let cases: [(String, String)] = [
            (#"{"prompt": "p", "chosen": "a"}"#, #":1: missing key "rejected""#),
            (#"{"chosen": "a", "rejected": "b"}"#, #":1: missing key "prompt""#),
            (#"{"prompt": "p", "completions": ["a", "b"], "best": 2}"#, #""best" is 2, but there are 2 completions"#),
            (#"{"prompt": "p", "completions": ["a", "b"]}"#, #"missing integer key "best""#),
            (#"{"prompt": "p", "completions": ["a", "b"], "best": true}"#, #"missing integer key "best""#),
            (#"{"prompt": "p", "chosen": "a", "rejected": "b", "margin": false}"#, #""margin" must be a finite number"#),
            (#"{"prompt": "p", "completions": ["a"], "best": 0}"#, "at least 2 answers"),
            (#"{"prompt": "p", "chosen": "a", "rejected": "b", "completions": ["a", "b"], "best": 0}"#, "use one shape per line"),
            (#"{"prompt": "p", "chosen": [{"role": "robot", "content": "x"}], "rejected": "b"}"#, #"chosen[0] has unknown role "robot""#),
            (#"{"prompt": "p", "chosen": "a", "rejected": "b", "margin": "big"}"#, #""margin" must be a finite number"#),
            (#"{"prompt": 3, "chosen": "a", "rejected": "b"}"#, #""prompt" must be a string or a list of messages"#),
            ("not json", "expected a JSON object"),
        ]
        for (line, expected) in cases {
            let url = try write([line])
            XCTAssertThrowsError(try PreferenceRecord.read(url), line) { error in
                XCTAssertTrue("\(error)".hasPrefix(url.path), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "'\(error)' does not contain '\(expected)'")
            }
        }
        let second = try write([#"{"prompt": "p", "chosen": "a", "rejected": "b"}"#, #"{"prompt": "p"}"#])
        XCTAssertThrowsError(try PreferenceRecord.read(second)) { XCTAssertTrue("\($0)".contains("prefs.jsonl:2:"), "\($0)") }
    }
}
