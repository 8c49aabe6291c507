import XCTest
import Foundation
import FinchData
import FinchModel
import FinchTestSupport
@testable import FinchTrain

/// Hostile edits of every JSON file a brought model directory holds — tokenizer.json,
/// tokenizer_config.json, generation_config.json, model.safetensors.index.json, config.json,
/// and a LoRA checkpoint's adapter_config.json — each value at each listed key replaced by
/// null, the wrong type, a huge or negative number, an empty container, or removed; plus empty,
/// truncated and non-UTF-8 files. Loading the directory either succeeds or stops with an error
/// naming the file at fault; nothing traps, hangs or allocates without bound.
final class HostileModelDirectoryTests: XCTestCase {
    /// (file, key paths to attack) — a path is dot-separated, `#n` an array index.
    static let targets: [(file: String, paths: [String])] = [
        ("tokenizer.json", ["model", "model.type", "model.vocab", "model.merges", "model.merges.#0", "model.ignore_merges",
                            "model.byte_fallback", "model.unk_token", "pre_tokenizer", "pre_tokenizer.type",
                            "pre_tokenizer.pretokenizers", "pre_tokenizer.pretokenizers.#0.pattern", "pre_tokenizer.pretokenizers.#0.behavior",
                            "pre_tokenizer.pretokenizers.#1.add_prefix_space", "normalizer", "normalizer.type", "decoder", "decoder.type",
                            "added_tokens", "added_tokens.#0", "added_tokens.#0.id", "added_tokens.#0.content", "added_tokens.#0.special",
                            "added_tokens.#1.lstrip"]),
        ("tokenizer_config.json", ["eos_token", "pad_token", "pad_token.content", "bos_token", "chat_template"]),
        ("generation_config.json", ["eos_token_id"]),
        ("model.safetensors.index.json", ["weight_map", "weight_map.lm_head.weight", "weight_map.model.norm.weight"]),
        ("config.json", ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                         "intermediate_size", "max_position_embeddings", "rms_norm_eps", "tie_word_embeddings", "model_type"]),
    ]
    /// What replaces the value at a path (nil: the key is removed).
    static let replacements: [Any?] = [NSNull(), "text", 12, -1, 1e300, 4_000_000_000_000, [Any](), [String: Any](), true, nil]

    func testHostileModelFilesLoadOrNameTheFile() throws {
        let source = goldenFixture("byom/qwen2")
        let dir = try makeTemporaryDirectory(for: self)
        var refused = 0, accepted = 0
        func attempt(_ file: String, _ contents: Data, _ label: String) {
            let copy = dir.appendingPathComponent("case-\(refused + accepted)")
            try? FileManager.default.removeItem(at: copy)
            try! FileManager.default.copyItem(at: source, to: copy)
            try! contents.write(to: copy.appendingPathComponent(file))
            do {
                _ = try LoadedPolicy(checkpoint: copy)
                accepted += 1
            } catch {
                refused += 1
                let message = "\(error)"
                // The file edited, or — where the edit makes two files disagree (a tokenizer losing the
                // id generation_config.json names) — the other file, with the reason.
                let files = ["tokenizer.json", "tokenizer_config.json", "generation_config.json", "model.safetensors.index.json", "config.json"]
                XCTAssertTrue(message.contains(file) || (file != "config.json" && files.contains { message.contains($0) }),
                              "\(file) \(label): the error does not name the file: \(message)")
            }
            try? FileManager.default.removeItem(at: copy)
        }
        for (file, paths) in Self.targets {
            let original = try Data(contentsOf: source.appendingPathComponent(file))
            let object = try JSONSerialization.jsonObject(with: original)
            for path in paths {
                for replacement in Self.replacements {
                    guard let edited = Self.replacing(path.split(separator: ".").map(String.init), in: object, with: replacement) else { continue }
                    attempt(file, try JSONSerialization.data(withJSONObject: edited), "\(path) = \(replacement.map { "\($0)" } ?? "removed")")
                }
            }
            for (label, bytes) in [("empty", Data()), ("truncated", original.prefix(original.count / 2)),
                                   ("invalid UTF-8", Data([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D])),
                                   ("deep nesting", Data(String(repeating: "[", count: 100_000).utf8)), ("a list", Data("[1, 2]".utf8))] {
                attempt(file, bytes, label)
            }
        }
        print("hostile model files: \(refused + accepted) cases, \(refused) refused naming the file, \(accepted) accepted")
        XCTAssertGreaterThan(refused + accepted, 300)
    }

    /// `object` with the value at `path` replaced (removed for nil), or nil if the path is absent.
    static func replacing(_ path: [String], in object: Any, with value: Any?) -> Any? {
        guard let key = path.first else { return value ?? NSNull() }
        // Dotted tensor names ("lm_head.weight") are one key of weight_map.
        if var dict = object as? [String: Any] {
            for length in stride(from: path.count, through: 1, by: -1) {
                let joined = path[0..<length].joined(separator: ".")
                guard let child = dict[joined] else { continue }
                if length == path.count {
                    if let value { dict[joined] = value } else { dict.removeValue(forKey: joined) }
                    return dict
                }
                guard let edited = replacing(Array(path[length...]), in: child, with: value) else { return nil }
                dict[joined] = edited
                return dict
            }
            return nil
        }
        if var list = object as? [Any], key.hasPrefix("#"), let index = Int(key.dropFirst()), list.indices.contains(index) {
            if path.count == 1 {
                if let value { list[index] = value } else { list.remove(at: index) }
                return list
            }
            guard let edited = replacing(Array(path.dropFirst()), in: list[index], with: value) else { return nil }
            list[index] = edited
            return list
        }
        return nil
    }
}
