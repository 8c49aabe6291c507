import Foundation
import FinchTestSupport
import XCTest
@testable import FinchData

/// Pretraining rows from `{"text": …}` records: packed into full rows with eos between the
/// documents, or one document a row after bos; loss on every token either way.
final class TextDatasetTests: XCTestCase {
    private let tokenizer = ByteTokenizer()

    private func file(_ lines: [String]) throws -> URL {
        let url = try makeTemporaryDirectory(for: self).appendingPathComponent("text.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testPackedRowsAreTheDocumentStreamCutEveryMaxLengthTokens() throws {
        let url = try file([#"{"text": "abc"}"#, #"{"text": "de", "source": "ignored"}"#, #"{"text": "fghij"}"#])
        let short = try SFTDataset(text: try file([#"{"text": "abcd"}"#]), tokenizer: tokenizer, maxLength: 5, pack: true)
        XCTAssertEqual(short.examples.map(\.tokens.count), [5], "bos a b c d | eos: a one-token remainder gives no (input, target) pair")
        let data = try SFTDataset(text: url, tokenizer: tokenizer, maxLength: 4, pack: true)
        let (bos, eos) = (tokenizer.bosID, tokenizer.eosID), b = { (c: Character) in Int32(c.asciiValue!) }
        let stream: [Int32] = [bos, b("a"), b("b"), b("c"), eos, bos, b("d"), b("e"), eos, bos, b("f"), b("g"), b("h"), b("i"), b("j"), eos]
        XCTAssertEqual(data.examples.map(\.tokens), [Array(stream[0..<4]), Array(stream[4..<8]), Array(stream[8..<12]), Array(stream[12..<16])])
        XCTAssertTrue(data.examples.allSatisfy { $0.lossMask.allSatisfy { $0 == 1 } })
    }

    func testUnpackedDocumentsStartWithBOSAndAreCutOrDropped() throws {
        let url = try file([#"{"text": "ab"}"#, #"{"text": "abcdefgh"}"#])
        let cut = try SFTDataset(text: url, tokenizer: tokenizer, maxLength: 5, pack: false)
        XCTAssertEqual(cut.examples[0].tokens, [tokenizer.bosID, 97, 98, tokenizer.eosID])
        XCTAssertEqual(cut.examples[0].lossMask, [0, 1, 1, 1])
        XCTAssertEqual(cut.examples[1].tokens.count, 5)
        let dropped = try SFTDataset(text: url, tokenizer: tokenizer, maxLength: 5, pack: false, dropOverlong: true)
        XCTAssertEqual(dropped.examples.count, 1)
        XCTAssertEqual(dropped.droppedOverlongCount, 1)
    }

    func testBadRecordsNameFileAndLine() throws {
        for (line, reason) in [(#"{"txt": "a"}"#, "\"text\" is missing or not a string"), (#"{"text": 3}"#, "not a string"),
                               (#"["text"]"#, "expected a JSON object"), (#"{"text": "a""#, "invalid JSON")] {
            let url = try file([#"{"text": "fine"}"#, line])
            XCTAssertThrowsError(try SFTDataset(text: url, tokenizer: tokenizer, maxLength: 8, pack: true)) { error in
                XCTAssertTrue("\(error)".contains("\(url.path):2:") && "\(error)".contains(reason), "\(error)")
            }
        }
    }
}
