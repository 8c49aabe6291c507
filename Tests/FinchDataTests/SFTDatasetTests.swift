import Foundation
import FinchTestSupport
import XCTest
@testable import FinchData

final class SFTDatasetTests: XCTestCase {
    let tokenizer = ByteTokenizer()

    private func writeFile(_ text: String) throws -> URL {
        let url = try makeTemporaryDirectory(for: self).appendingPathComponent("data.jsonl")
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Loads `text` as a file and asserts that loading fails at `line` with a reason
    /// containing `reasonFragment`.
    private func assertLoadFails(_ text: String, line: Int, reason reasonFragment: String,
                                 maxLength: Int = 64, file: StaticString = #filePath, testLine: UInt = #line) throws {
        let url = try writeFile(text)
        XCTAssertThrowsError(try SFTDataset(contentsOf: url, tokenizer: tokenizer, maxLength: maxLength),
                             file: file, line: testLine) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("\(url.path):\(line): "), "wrong location in: \(message)", file: file, line: testLine)
            XCTAssertTrue(message.contains(reasonFragment), "reason missing from: \(message)", file: file, line: testLine)
        }
    }

    func testLoadsBothShapesFromOneFile() throws {
        let url = try writeFile("""
            {"prompt": "1+1=", "completion": "2", "answer": 2}
            {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}

            """)
        let dataset = try SFTDataset(contentsOf: url, tokenizer: tokenizer, maxLength: 64)
        XCTAssertEqual(dataset.examples.count, 2)
        let template = try ChatTemplate(tokenizer: tokenizer)
        let expected = try template.render(.promptCompletion(prompt: "1+1=", completion: "2"))
        XCTAssertEqual(dataset.examples[0], SFTExample(tokens: expected.tokens, lossMask: expected.lossMask))
        XCTAssertEqual(dataset.examples[1].tokens.last, tokenizer.eosID)
        XCTAssertEqual(dataset.examples[1].lossMask.reduce(0, +), 3, "\"yo\" and its <|eos|>")
    }

    func testBlankLinesAreSkippedAndLaterLineNumbersStayTrue() throws {
        let good = #"{"prompt": "a", "completion": "b"}"#
        let url = try writeFile("\(good)\n\n   \n\(good)\r\n")
        XCTAssertEqual(try SFTDataset(contentsOf: url, tokenizer: tokenizer, maxLength: 8).examples.count, 2)
        try assertLoadFails("\(good)\n\n{oops\n", line: 3, reason: "invalid JSON")
    }

    func testMalformedLinesNameFileAndLine() throws {
        let good = #"{"prompt": "a", "completion": "b"}"#
        let cases: [(line: String, reason: String)] = [
            ("{not json", "invalid JSON"),
            ("[1, 2]", "expected a JSON object"),
            (#"{"text": "a"}"#, "expected keys"),
            (#"{"prompt": "a"}"#, "missing key \"completion\""),
            (#"{"completion": "b"}"#, "missing key \"prompt\""),
            (#"{"prompt": 3, "completion": "b"}"#, "\"prompt\" must be a string"),
            (#"{"prompt": "a", "completion": null}"#, "\"completion\" must be a string"),
            (#"{"prompt": "a", "completion": "b", "messages": []}"#, "both"),
            (#"{"messages": "hi"}"#, "\"messages\" must be an array"),
            (#"{"messages": []}"#, "\"messages\" is empty"),
            (#"{"messages": ["hi"]}"#, "messages[0] must be an object"),
            (#"{"messages": [{"content": "hi"}]}"#, "messages[0] is missing key \"role\""),
            (#"{"messages": [{"role": "bot", "content": "hi"}]}"#, "unknown role \"bot\""),
            (#"{"messages": [{"role": "user"}]}"#, "messages[0] is missing key \"content\""),
            (#"{"messages": [{"role": "user", "content": 5}]}"#, "messages[0].content must be a string"),
            (#"{"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]}"#, "no assistant message"),
        ]
        for (badLine, reason) in cases {
            try assertLoadFails("\(good)\n\(good)\n\(badLine)\n\(good)\n", line: 3, reason: reason)
        }
    }

    func testEmptyFilesAreErrorsNamingTheFile() throws {
        for text in ["", "\n\n  \n"] {
            let url = try writeFile(text)
            XCTAssertThrowsError(try SFTDataset(contentsOf: url, tokenizer: tokenizer, maxLength: 8)) { error in
                XCTAssertEqual("\(error)", "\(url.path): contains no records")
            }
        }
    }

    func testMissingFileIsAnErrorNamingIt() throws {
        let url = try makeTemporaryDirectory(for: self).appendingPathComponent("absent.jsonl")
        XCTAssertThrowsError(try SFTDataset(contentsOf: url, tokenizer: tokenizer, maxLength: 8)) { error in
            XCTAssertTrue("\(error)".hasPrefix(url.path + ": cannot read"), "\(error)")
        }
    }

    func testLongExamplesKeepTheirFirstMaxLengthTokens() throws {
        let record = SFTRecord.promptCompletion(prompt: "ab", completion: "cdef")
        let dataset = try SFTDataset(records: [record], tokenizer: tokenizer, maxLength: 5)
        let example = try XCTUnwrap(dataset.examples.first)
        XCTAssertEqual(example.tokens, [256] + tokenizer.encode("abcd"))
        XCTAssertEqual(example.lossMask, [0, 0, 0, 1, 1])
        XCTAssertEqual(dataset.droppedOverlongCount, 0)
    }

    func testPromptFillingMaxLengthIsAnErrorUnlessDropped() throws {
        let short = #"{"prompt": "a", "completion": "b"}"#
        let long = #"{"prompt": "abcdefgh", "completion": "z"}"#
        try assertLoadFails("\(short)\n\(long)\n", line: 2, reason: "fills maxLength (6 tokens)", maxLength: 6)

        let url = try writeFile("\(short)\n\(long)\n\(short)\n")
        let dataset = try SFTDataset(contentsOf: url, tokenizer: tokenizer, maxLength: 6, dropOverlong: true)
        XCTAssertEqual(dataset.examples.count, 2)
        XCTAssertEqual(dataset.droppedOverlongCount, 1)
    }

    func testDroppingEveryExampleIsAnError() throws {
        let record = SFTRecord.promptCompletion(prompt: "abcdefgh", completion: "z")
        XCTAssertThrowsError(try SFTDataset(records: [record], source: "mem", tokenizer: tokenizer, maxLength: 4, dropOverlong: true)) { error in
            XCTAssertTrue("\(error)".hasPrefix("mem: all 1 records were dropped"), "\(error)")
        }
    }

    func testInMemoryRecordsAreValidatedWithRecordNumbers() throws {
        let records: [SFTRecord] = [.promptCompletion(prompt: "a", completion: "b"),
                                    .chat([ChatMessage(role: .user, content: "only a question")])]
        XCTAssertThrowsError(try SFTDataset(records: records, source: "mem", tokenizer: tokenizer, maxLength: 16)) { error in
            XCTAssertTrue("\(error)".hasPrefix("mem:2: no assistant message"), "\(error)")
        }
        XCTAssertThrowsError(try SFTDataset(records: [.chat([])], source: "mem", tokenizer: tokenizer, maxLength: 16)) { error in
            XCTAssertEqual("\(error)", "mem:1: \"messages\" is empty")
        }
    }

    func testMaxLengthBelowTwoIsRejected() {
        XCTAssertThrowsError(try SFTDataset(records: [.promptCompletion(prompt: "a", completion: "b")],
                                            source: "mem", tokenizer: tokenizer, maxLength: 1)) { error in
            XCTAssertTrue("\(error)".contains("maxLength is 1"), "\(error)")
        }
    }
}
