import XCTest
import Foundation
import FinchData
import FinchTasks
import FinchTestSupport
@testable import FinchEval

/// Hostile lines in every JSONL file kind Finch reads — SFT examples, preference records, task
/// prompts, candidate sets, labelled comparisons — each after one good line: truncated JSON,
/// wrong types, NUL and invalid UTF-8 bytes, a byte-order mark, deep nesting, huge numbers,
/// a megabyte of text. Every reader either accepts the line or stops with the file and line 2;
/// none traps.
final class HostileRecordFileTests: XCTestCase {
    static let hostileLines: [Data] = [
        #"{"prompt": "1+1=""#, "{", "}", "[]", "null", "42", #""a string""#, "{\"prompt\": 1e999}",
        #"{"prompt": ["nested", ["deeper"]], "completion": {}}"#, #"{"prompt": "a", "completion": null}"#,
        #"{"prompt": "a", "chosen": 3, "rejected": true}"#, #"{"prompt": "a", "completions": "ab", "best": 0}"#,
        #"{"prompt": "a", "completions": ["x", "y"], "best": -1}"#, #"{"prompt": "a", "completions": ["x", "y"], "best": 99999999999999999999}"#,
        #"{"messages": [{"role": "assistant"}]}"#, #"{"messages": "hi"}"#,
        #"{"task": "signoff", "prompt": "1+1=", "ground_truth": {"a": "x"}}"#,
        #"{"task": "nosuch", "prompt": "1+1=", "ground_truth": {}}"#,
        #"{"id": "seven", "completions": ["a", "b"], "task": "signoff", "prompt": "p", "ground_truth": {"a": 1, "b": 1, "words": ["ok"]}}"#,
        String(repeating: "[", count: 10_000), "{\"prompt\": \"" + String(repeating: "x", count: 1 << 20),
    ].map { Data($0.utf8) } + [
        Data([0x7B, 0x22, 0x70, 0x22, 0x3A, 0x00, 0x7D]),            // a NUL byte
        Data([0x7B, 0x22, 0x70, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]), // invalid UTF-8
        Data([0xEF, 0xBB, 0xBF]) + Data(#"{"prompt": "a"}"#.utf8),   // a byte-order mark mid-file
    ]

    func testEveryReaderAcceptsOrNamesFileAndLine() throws {
        let dir = try makeTemporaryDirectory(for: self)
        let task = SignoffTask()
        let problem = task.instance(of: SignoffTask.Problem(a: 1, b: 1, words: ["ok"]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let candidate = try encoder.encode(CandidateSet(id: 0, problem: problem, completions: ["2 ok", "3 ok"]))
        let readers: [(name: String, good: Data, read: (URL) throws -> Int)] = [
            ("sft", Data(#"{"prompt": "1+1=", "completion": "2 ok"}"#.utf8),
             { try SFTDataset(contentsOf: $0, tokenizer: ByteTokenizer(), maxLength: 64).examples.count }),
            ("prefs", Data(#"{"prompt": "1+1=", "chosen": "2 ok", "rejected": "3 ok"}"#.utf8), { try PreferenceRecord.read($0).count }),
            ("prefs-dataset", Data(#"{"prompt": "1+1=", "completions": ["2 ok", "3 ok"], "best": 0}"#.utf8),
             { try PreferenceDataset(contentsOf: $0, tokenizer: ByteTokenizer(), maxLength: 64).groups.count }),
            ("prompts", try encoder.encode(problem), { try TaskInstanceFile.read($0, task: task).count }),
            ("candidates", candidate, { try CandidateSet.read($0).count }),
            ("labels", Data(LabelledComparison(candidates: try JSONDecoder().decode(CandidateSet.self, from: candidate), best: 1,
                                               labeller: "ann").jsonLine.utf8), { try LabellerAgreement.labels($0).count }),
        ]
        var refused = 0, accepted = 0
        for reader in readers {
            for (i, line) in Self.hostileLines.enumerated() {
                let url = dir.appendingPathComponent("\(reader.name)-\(i).jsonl")
                try (reader.good + Data("\n".utf8) + line + Data("\n".utf8)).write(to: url)
                do {
                    let count = try reader.read(url)
                    XCTAssertGreaterThanOrEqual(count, 1, "\(reader.name) #\(i)")
                    accepted += 1
                } catch {
                    refused += 1
                    XCTAssertTrue("\(error)".contains("\(url.lastPathComponent):2"), "\(reader.name) #\(i): '\("\(error)".prefix(300))'")
                }
            }
        }
        print("hostile record lines: \(readers.count * Self.hostileLines.count) cases, \(refused) refused with file:2, \(accepted) accepted")
        XCTAssertGreaterThan(refused, accepted * 3)
    }
}
