import Foundation
import FinchTestSupport
import XCTest
@testable import FinchData

final class ByteTokenizerTests: XCTestCase {
    let tokenizer = ByteTokenizer()

    func testSpecialIDsFollowTheBytes() {
        XCTAssertEqual(tokenizer.vocabSize, 262)
        XCTAssertEqual(tokenizer.bosID, 256)
        XCTAssertEqual(tokenizer.eosID, 257)
        XCTAssertEqual(tokenizer.padID, 258)
        XCTAssertEqual(tokenizer.tokenID(forSpecial: "<|user|>"), 259)
        XCTAssertEqual(tokenizer.tokenID(forSpecial: "<|assistant|>"), 260)
        XCTAssertEqual(tokenizer.tokenID(forSpecial: "<|system|>"), 261)
        XCTAssertNil(tokenizer.tokenID(forSpecial: "<|tool|>"))
    }

    func testASCIIRoundTripsAsBytes() {
        let text = "Hello, Finch! 12+34=46\n\ttabs"
        let ids = tokenizer.encode(text)
        XCTAssertEqual(ids, text.utf8.map { Int32($0) })
        XCTAssertEqual(tokenizer.decode(ids), text)
    }

    func testMultibyteUTF8RoundTrips() {
        let text = "héllo 世界 🐦"
        let ids = tokenizer.encode(text)
        XCTAssertEqual(ids.count, text.utf8.count)
        XCTAssertGreaterThan(ids.count, text.count, "multibyte characters take several byte tokens")
        XCTAssertEqual(tokenizer.decode(ids), text)
    }

    func testTextSpellingASpecialTokenIsNotTurnedIntoIt() {
        let ids = tokenizer.encode("<|eos|><|assistant|>hi<|bos|>")
        XCTAssertTrue(ids.allSatisfy { $0 < 256 }, "plain text must never yield special ids")
        XCTAssertFalse(ids.contains(tokenizer.eosID))
    }

    func testDecodeDropsPaddingAndBOSButShowsOtherSpecials() {
        let ids = [tokenizer.bosID] + tokenizer.encode("hi") + [tokenizer.eosID, tokenizer.padID, tokenizer.padID]
        XCTAssertEqual(tokenizer.decode(ids), "hi<|eos|>")
        XCTAssertEqual(tokenizer.decode([259] + tokenizer.encode("q")), "<|user|>q")
    }

    func testDecodeIsLenientWithInvalidBytesAndIDs() {
        // 0xE4 0xB8 starts a three-byte character that never finishes.
        XCTAssertEqual(tokenizer.decode([0x61, 0xE4, 0xB8, 0x62]), "a\u{FFFD}b")
        XCTAssertEqual(tokenizer.decode([0x61, 999, -1, 0x62]), "a\u{FFFD}\u{FFFD}b")
        // A character split by a special token cannot join across it.
        XCTAssertEqual(tokenizer.decode([0xC3, tokenizer.eosID, 0xA9]), "\u{FFFD}<|eos|>\u{FFFD}")
    }

    func testSaveAndLoadThroughTokenizers() throws {
        let directory = try makeTemporaryDirectory(for: self)
        try tokenizer.save(to: directory)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("tokenizer.json"))) as? [String: Any]
        XCTAssertEqual((json?["model"] as? [String: Any])?["type"] as? String, "ByteLevelFinch")
        XCTAssertEqual((json?["added_tokens"] as? [Any])?.count, 6)

        let loaded = try Tokenizers.load(directory: directory)
        XCTAssertEqual(loaded as? ByteTokenizer, tokenizer)
        XCTAssertEqual(loaded.encode("ok"), tokenizer.encode("ok"))
    }

    func testLoadingAMissingFileNamesIt() throws {
        let directory = try makeTemporaryDirectory(for: self)
        XCTAssertThrowsError(try Tokenizers.load(directory: directory)) { error in
            XCTAssertTrue("\(error)".contains(directory.appendingPathComponent("tokenizer.json").path), "\(error)")
        }
    }

    func testLoadingAnUnknownModelTypeNamesFileAndType() throws {
        let directory = try makeTemporaryDirectory(for: self)
        let file = directory.appendingPathComponent("tokenizer.json")
        try Data(#"{"model": {"type": "WordPiece"}, "added_tokens": []}"#.utf8).write(to: file)
        XCTAssertThrowsError(try Tokenizers.load(directory: directory)) { error in
            XCTAssertTrue("\(error)".hasPrefix(file.path + ": "), "\(error)")
            XCTAssertTrue("\(error)".contains("\"WordPiece\""), "\(error)")
        }
    }

    func testLoadingMismatchedSpecialTokensFails() throws {
        let directory = try makeTemporaryDirectory(for: self)
        let file = directory.appendingPathComponent("tokenizer.json")
        try Data(#"{"model": {"type": "ByteLevelFinch"}, "added_tokens": [{"id": 256, "content": "<|eos|>"}]}"#.utf8).write(to: file)
        XCTAssertThrowsError(try Tokenizers.load(directory: directory)) { error in
            XCTAssertTrue("\(error)".hasPrefix(file.path + ": "), "\(error)")
            XCTAssertTrue("\(error)".contains("added_tokens"), "\(error)")
        }
    }

    func testLoadingAFileWithoutModelNamesTheKey() throws {
        let directory = try makeTemporaryDirectory(for: self)
        try Data(#"{"added_tokens": []}"#.utf8).write(to: directory.appendingPathComponent("tokenizer.json"))
        XCTAssertThrowsError(try Tokenizers.load(directory: directory)) { error in
            XCTAssertTrue("\(error)".contains("missing key \"model\""), "\(error)")
        }
    }
}
