import Foundation
import FinchTestSupport
import XCTest
@testable import FinchData

/// Finch's tokenizer.json reader against Hugging Face `tokenizers` itself: every fixture under
/// Tests/Fixtures/tokenizers/ (scripts/make-tokenizer-golden.py) holds a tokenizer and, for every
/// corpus string, the ids tokenizers gives with special tokens left as text and matched, and
/// their decoded text; then id lists decoded on their own.
final class HuggingFaceTokenizerParityTests: XCTestCase {
    struct Expected: Decodable {
        struct FileRecord: Decodable {
            let bytes: Int
            let fnv1a64: String
        }
        struct Case: Decodable {
            let text: String
            let ids: [Int32]
            let decoded: String
            let ids_with_special: [Int32]
            let decoded_with_special: String
            /// What tokenizers' pre-tokenizer makes of the normalized text; nil without one.
            let pieces: [String]?
        }
        struct DecodeCase: Decodable {
            let ids: [Int32]
            let text: String
        }
        let tokenizers: String
        let files: [String: FileRecord]
        let vocab_size: Int
        let special_tokens: [String]
        let transformers_ids: [String: Int32?]
        let cases: [Case]
        let decode_cases: [DecodeCase]
    }

    func testGPT2() throws { try checkParity("gpt2") }
    func testLlama3Style() throws { try checkParity("llama3-style") }
    func testQwen2Style() throws { try checkParity("qwen2-style") }
    func testSentencePieceBPE() throws { try checkParity("sentencepiece-bpe") }
    func testSentencePieceMetaspace() throws { try checkParity("sentencepiece-metaspace") }
    func testCustomSplitThroughNSRegularExpression() throws { try checkParity("custom-split") }
    func testSplitBehaviorsAndInvert() throws { try checkParity("split-behaviors") }

    private func checkParity(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let directory = goldenFixture("tokenizers/\(name)")
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
        for (fileName, record) in expected.files {
            let data = try Data(contentsOf: directory.appendingPathComponent(fileName))
            XCTAssertEqual(data.count, record.bytes, "\(name)/\(fileName) changed since expected.json was made; rerun scripts/make-tokenizer-golden.py", file: file, line: line)
            XCTAssertEqual(fnv1a64(data), record.fnv1a64, "\(name)/\(fileName) changed since expected.json was made", file: file, line: line)
        }
        let tokenizer = try XCTUnwrap(try Tokenizers.load(directory: directory) as? HuggingFaceTokenizer, file: file, line: line)
        XCTAssertEqual(tokenizer.vocabSize, expected.vocab_size, name, file: file, line: line)
        var specialIDs = Set(try expected.special_tokens.map { try XCTUnwrap(tokenizer.tokenID(forSpecial: $0), "\(name): \($0)") })
        // The model itself writes the unknown token for characters outside its vocabulary.
        let model = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("tokenizer.json"))) as? [String: Any])["model"] as? [String: Any]
        if let unknown = model?["unk_token"] as? String, let id = tokenizer.tokenID(forSpecial: unknown) { specialIDs.remove(id) }
        for (role, id) in [("bos", tokenizer.bosID), ("eos", tokenizer.eosID), ("pad", tokenizer.padID)] {
            // Where transformers names the role (from tokenizer_config.json), Finch agrees.
            if let transformersID = expected.transformers_ids[role] ?? nil {
                XCTAssertEqual(id, transformersID, "\(name): \(role)", file: file, line: line)
            }
        }

        let json = try JSONValue.parse(Data(contentsOf: directory.appendingPathComponent("tokenizer.json")), source: name)
        let normalizer = try json.member("normalizer").map(TextNormalizer.init)
        let preTokenizer = try PreTokenizer(json.member("pre_tokenizer"))
        var failures = 0
        for c in expected.cases {
            let label = "\(name): \(c.text.debugDescription.prefix(120))"
            let ids = tokenizer.encode(c.text)
            let idsWithSpecial = tokenizer.encode(c.text, allowingSpecialTokens: true)
            XCTAssertEqual(ids, c.ids, "encode " + label, file: file, line: line)
            XCTAssertEqual(idsWithSpecial, c.ids_with_special, "encode allowing specials " + label, file: file, line: line)
            XCTAssertTrue(specialIDs.isDisjoint(with: ids), "text spelling a special token must not yield it: " + label, file: file, line: line)
            XCTAssertEqual(tokenizer.decode(c.ids), c.decoded, "decode " + label, file: file, line: line)
            XCTAssertEqual(tokenizer.decode(c.ids_with_special), c.decoded_with_special, "decode with specials " + label, file: file, line: line)
            var pieces: [String] = []
            if c.pieces != nil {
                // The pieces as words of the whole normalized text (no added tokens taken out
                // first, as pre_tokenize_str does), byte-level mapped where tokenizers maps them.
                let text = Array(c.text.unicodeScalars)[...]
                preTokenizer.forEachWord(TextPiece(scalars: normalizer?.normalize(text) ?? text, startsInput: true)) { word in
                    pieces.append(preTokenizer.isByteLevel
                        ? String(scalars: String(scalars: word.scalars).utf8.map { ByteLevelAlphabet.scalars[Int($0)] })
                        : String(scalars: word.scalars))
                }
                XCTAssertEqual(pieces, c.pieces, "pre-tokenize " + label, file: file, line: line)
            }
            if ids != c.ids || idsWithSpecial != c.ids_with_special || (c.pieces != nil && pieces != c.pieces) { failures += 1 }
        }
        for d in expected.decode_cases {
            XCTAssertEqual(tokenizer.decode(d.ids), d.text, "\(name): decode \(d.ids)", file: file, line: line)
        }
        print("\(name): \(expected.cases.count) strings encoded (both modes), decoded and pre-tokenized, \(expected.decode_cases.count) id lists decoded, against tokenizers \(expected.tokenizers); \(failures) strings differ")
    }
}
