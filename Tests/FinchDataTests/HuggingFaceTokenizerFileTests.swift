import Foundation
import FinchTestSupport
import XCTest
@testable import FinchData

/// Reading tokenizer.json files: errors that name the file and the key, the bos/eos/pad rule,
/// saving the files back unchanged, and sharing one tokenizer between threads.
final class HuggingFaceTokenizerFileTests: XCTestCase {
    /// A small valid byte-level BPE; each broken case changes one thing in it.
    private func validFile() -> [String: Any] {
        [
            "version": "1.0",
            "added_tokens": [["id": 5, "content": "<|endoftext|>", "special": true, "normalized": false,
                              "single_word": false, "lstrip": false, "rstrip": false]],
            "normalizer": NSNull(),
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true],
            "decoder": ["type": "ByteLevel"],
            "model": ["type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2, "Ġ": 3, "c": 4], "merges": ["a b"]],
        ]
    }

    private func write(_ object: [String: Any]) throws -> URL {
        let file = try makeTemporaryDirectory(for: self).appendingPathComponent("tokenizer.json")
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        return file
    }

    private func assertLoadFails(_ object: [String: Any], naming expected: String, line: UInt = #line) throws {
        let file = try write(object)
        XCTAssertThrowsError(try Tokenizers.load(directory: file.deletingLastPathComponent()), line: line) { error in
            XCTAssertTrue("\(error)".hasPrefix(file.path + ": "), "\(error)", line: line)
            XCTAssertTrue("\(error)".contains(expected), "\(error) should contain \(expected)", line: line)
        }
    }

    private func with(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
        var file = validFile()
        change(&file)
        return file
    }

    private func withModel(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
        with { file in
            var model = file["model"] as! [String: Any]
            change(&model)
            file["model"] = model
        }
    }

    func testTheValidFileLoadsAndEncodes() throws {
        let tokenizer = try XCTUnwrap(try Tokenizers.load(directory: write(validFile()).deletingLastPathComponent()) as? HuggingFaceTokenizer)
        XCTAssertEqual(tokenizer.encode("ab c"), [2, 3, 4])
        XCTAssertEqual(tokenizer.encode("<|endoftext|>ab", allowingSpecialTokens: true), [5, 2])
        XCTAssertEqual(tokenizer.decode([2, 3, 4, 5]), "ab c<|endoftext|>")
        XCTAssertEqual(tokenizer.vocabSize, 6)
    }

    func testBrokenModelsNameTheFileAndTheKey() throws {
        try assertLoadFails(withModel { $0["vocab"] = nil }, naming: "missing key \"model.vocab\"")
        try assertLoadFails(withModel { $0["merges"] = nil }, naming: "missing key \"model.merges\"")
        try assertLoadFails(withModel { $0["merges"] = ["a b", "a x"] }, naming: "model.merges[1]: \"x\" is not in model.vocab")
        try assertLoadFails(withModel { $0["merges"] = [["a", "b"], ["y", "a"]] }, naming: "model.merges[1]: \"y\" is not in model.vocab")
        try assertLoadFails(withModel { $0["merges"] = ["a b", "b a"] }, naming: "model.merges[1]: the merged token \"ba\" is not in model.vocab")
        try assertLoadFails(withModel { $0["merges"] = ["a b c"] }, naming: "model.merges[0]: \"a b c\" is not two tokens separated by one space")
        try assertLoadFails(withModel { $0["merges"] = [7] }, naming: "model.merges[0]: expected \"a b\" or [\"a\", \"b\"], got a number")
        try assertLoadFails(withModel { $0["vocab"] = ["a": "zero"] }, naming: "model.vocab[\"a\"]: expected an id")
        // Found by the tokenizer-json fuzz target: an id near 2^31 made the loader allocate a
        // table of that many entries (gigabytes, minutes) before any other check.
        try assertLoadFails(withModel { $0["vocab"] = ["a": 0, "b": 1, "ab": 2_000_000_000, "Ġ": 3, "c": 4] },
                            naming: "model.vocab[\"ab\"]: id 2000000000 is beyond 4194303")
        try assertLoadFails(withModel { $0["unk_token"] = "<unk>" }, naming: "model.unk_token: \"<unk>\" is not in model.vocab")
        try assertLoadFails(withModel { $0["dropout"] = 0.1 }, naming: "model.dropout: BPE dropout is not supported")
        try assertLoadFails(withModel { $0["byte_fallback"] = 1 }, naming: "model.byte_fallback: expected true or false, got a number")
    }

    func testUnsupportedStagesSayWhatIsSupported() throws {
        try assertLoadFails(with { $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [["type": "Digits"], ["type": "Whitespace"]]] },
                            naming: "pre_tokenizer.pretokenizers[0].type: pre-tokenizer type \"Digits\" is not supported (supported: ByteLevel, Split, Metaspace, Sequence)")
        try assertLoadFails(with { $0["normalizer"] = ["type": "Lowercase"] },
                            naming: "normalizer.type: normalizer type \"Lowercase\" is not supported (supported: NFC, Prepend, Replace, Sequence)")
        try assertLoadFails(with { $0["decoder"] = ["type": "Sequence", "decoders": [["type": "Fuse"], ["type": "CTC"]]] },
                            naming: "decoder.decoders[1].type: decoder type \"CTC\" is not supported")
        try assertLoadFails(with { $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [["type": "ByteLevel"], ["type": "Metaspace", "replacement": "▁"]]] },
                            naming: "ByteLevel must come last")
        try assertLoadFails(with { $0["pre_tokenizer"] = ["type": "Split", "pattern": ["Regex": "(unclosed"], "behavior": "Isolated", "invert": false] },
                            naming: "pre_tokenizer.pattern.Regex: cannot compile the regex")
        try assertLoadFails(with { $0["pre_tokenizer"] = ["type": "Split", "pattern": ["Regex": "a"], "behavior": "Sideways", "invert": false] },
                            naming: "pre_tokenizer.behavior: unknown behavior \"Sideways\"")
        try assertLoadFails(withModel { $0["type"] = "WordPiece" },
                            naming: "unsupported tokenizer model type \"WordPiece\" (supported: ByteLevelFinch, BPE)")
    }

    func testAddedTokenWithAnotherIdThanTokenizersGivesIsRefused() throws {
        try assertLoadFails(with { $0["added_tokens"] = [["id": 9, "content": "<|endoftext|>", "special": true]] },
                            naming: "added_tokens[0]: \"<|endoftext|>\" has id 9, but tokenizers gives it 5")
        try assertLoadFails(with { $0["added_tokens"] = [["id": 5, "content": "ab", "special": true]] },
                            naming: "added_tokens[0]: \"ab\" has id 5, but tokenizers gives it 2")
    }

    func testSpecialRolesComeFromTheConfigOrTheConvention() throws {
        let gpt2 = try XCTUnwrap(try Tokenizers.load(directory: goldenFixture("tokenizers/gpt2")) as? HuggingFaceTokenizer)
        let endOfText = try XCTUnwrap(gpt2.tokenID(forSpecial: "<|endoftext|>"))
        XCTAssertEqual([gpt2.bosID, gpt2.eosID, gpt2.padID], [endOfText, endOfText, endOfText], "no tokenizer_config.json: GPT-2's convention")

        let llama = try XCTUnwrap(try Tokenizers.load(directory: goldenFixture("tokenizers/llama3-style")) as? HuggingFaceTokenizer)
        XCTAssertEqual(llama.bosID, llama.tokenID(forSpecial: "<|begin_of_text|>"))
        XCTAssertEqual(llama.eosID, llama.tokenID(forSpecial: "<|eot_id|>"), "the config's eos_token, not the convention's")
        XCTAssertEqual(llama.padID, llama.eosID, "no pad_token: pad is eos")

        let qwen = try XCTUnwrap(try Tokenizers.load(directory: goldenFixture("tokenizers/qwen2-style")) as? HuggingFaceTokenizer)
        XCTAssertEqual(qwen.bosID, qwen.tokenID(forSpecial: "<|endoftext|>"), "bos_token null: the convention")
        XCTAssertEqual(qwen.eosID, qwen.tokenID(forSpecial: "<|im_end|>"))
        XCTAssertEqual(qwen.padID, qwen.tokenID(forSpecial: "<|endoftext|>"), "pad_token in its {\"content\": …} form")
    }

    func testConfigNamingAnUnknownTokenNamesTheConfigAndKey() throws {
        let file = try write(validFile())
        let config = file.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
        try Data(#"{"eos_token": {"content": "</s>"}}"#.utf8).write(to: config)
        XCTAssertThrowsError(try Tokenizers.load(directory: file.deletingLastPathComponent())) { error in
            XCTAssertEqual("\(error)", "\(config.path): eos_token: \"</s>\" is not a token of \(file.path)")
        }
    }

    func testNoEndOfSequenceTokenIsAnError() throws {
        let file = try write(with { $0["added_tokens"] = [] })
        XCTAssertThrowsError(try Tokenizers.load(directory: file.deletingLastPathComponent())) { error in
            XCTAssertTrue("\(error)".hasPrefix(file.path + ": no end-of-sequence token"), "\(error)")
        }
    }

    func testSaveWritesBothFilesBackUnchanged() throws {
        let fixture = goldenFixture("tokenizers/qwen2-style")
        let tokenizer = try Tokenizers.load(directory: fixture)
        let directory = try makeTemporaryDirectory(for: self)
        try tokenizer.save(to: directory)
        for name in ["tokenizer.json", "tokenizer_config.json"] {
            XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent(name)), try Data(contentsOf: fixture.appendingPathComponent(name)), name)
        }
        let reloaded = try Tokenizers.load(directory: directory)
        let text = "<|im_start|>user\nHéllo, wörld 123<|im_end|>"
        XCTAssertEqual(reloaded.encode(text), tokenizer.encode(text))
        XCTAssertEqual(reloaded.eosID, tokenizer.eosID)
    }

    func testAFileOfAnyNameLoads() throws {
        let fixture = goldenFixture("tokenizers/gpt2")
        let file = try makeTemporaryDirectory(for: self).appendingPathComponent("gpt2-tokenizer.json")
        try FileManager.default.copyItem(at: fixture.appendingPathComponent("tokenizer.json"), to: file)
        XCTAssertEqual(try Tokenizers.load(file: file).encode("Hello world"),
                       try Tokenizers.load(directory: fixture).encode("Hello world"))
    }

    func testThreadsSharingATokenizerGetTheSameIds() throws {
        let tokenizer = try Tokenizers.load(directory: goldenFixture("tokenizers/gpt2"))
        let texts = (0..<64).map { i in "Line \(i): the finch sang \(i * 37) songs, didn't it? " + String(repeating: "word\(i % 7) ", count: i) }
        let sequential = texts.map(tokenizer.encode)
        let lock = NSLock()
        var concurrent = [[Int32]](repeating: [], count: texts.count)
        DispatchQueue.concurrentPerform(iterations: texts.count) { i in
            let ids = tokenizer.encode(texts[i])
            lock.lock()
            concurrent[i] = ids
            lock.unlock()
        }
        XCTAssertEqual(concurrent, sequential)
    }
}
