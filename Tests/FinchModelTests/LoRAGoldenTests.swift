import FinchTestSupport
import Foundation
import XCTest
@testable import FinchModel

/// LoRA adapters against PEFT, both ways, on the transformers bases of Tests/Fixtures/hf-golden:
/// adapters PEFT saved give PEFT's logits in Finch (attached, and merged into the base), and
/// adapters Finch writes load in `PeftModel.from_pretrained` to PEFT logits Finch matches.
/// scripts/make-lora-golden.py makes the files; no Python runs here.
final class LoRAGoldenTests: XCTestCase {
    private struct Golden: Decodable {
        struct FileRecord: Decodable { let bytes: Int, fnv1a64: String }
        let files: [String: FileRecord]
        let tokens: [[Int32]]
        let logits: [[[Float]]]
        let merged_logits: [[[Float]]]?
    }

    /// What Finch writes for `finch-written-<family>`: the settings the script gives PEFT's own.
    private static let written: [String: (LoRAConfig, UInt64)] = [
        "gpt2": (LoRAConfig(r: 4, alpha: 8, targetModules: ["c_attn", "c_proj", "c_fc"]), 21),
        "qwen2": (LoRAConfig(r: 2, alpha: 5, targetModules: [LoRAConfig.allLinear]), 22),
    ]

    func testAdaptersSavedByPEFTGivePEFTsLogitsAttachedAndMerged() throws {
        for family in ["gpt2", "qwen2"] {
            let dir = goldenFixture("lora-golden/peft-\(family)")
            let golden = try load(dir)
            let model = try base(family)
            let file = try AdapterConfigFile.read(from: dir)
            let adapters = try LoRAAdapters(config: file.lora, model: model.config, seed: 0)
            try adapters.load(adapters.params, from: SafeTensorsFile(url: dir.appendingPathComponent("adapter_model.safetensors")))
            model.attach(adapters)
            compare(model, golden.logits, tokens: golden.tokens, label: "peft-\(family) attached (\(adapters.modules.count) modules)")
            model.mergeAdapters()
            compare(model, try XCTUnwrap(golden.merged_logits), tokens: golden.tokens, label: "peft-\(family) merged")
        }
    }

    func testAdaptersWrittenByFinchLoadInPEFT() throws {
        for (family, (settings, seed)) in Self.written.sorted(by: { $0.key < $1.key }) {
            let committed = goldenFixture("lora-golden/finch-written-\(family)")
            let model = try base(family)
            let adapters = try LoRAAdapters(config: settings, model: model.config, seed: 0)
            var state = seed
            for i in 0..<adapters.params.count {  // every entry non-zero and reproducible, B included
                state = state &* 6364136223846793005 &+ 1442695040888963407
                adapters.params[i] = Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 4000
            }
            let files: [String: Data] = [
                "adapter_config.json": try AdapterConfigFile.contents(adapters, family: model.config.family, baseModel: "Tests/Fixtures/hf-golden/\(family)"),
                "adapter_model.safetensors": try safetensorsBytes(adapters),
            ]
            if ProcessInfo.processInfo.environment["FINCH_WRITE_GOLDEN"] == "1" {
                try FileManager.default.createDirectory(at: committed, withIntermediateDirectories: true)
                for (name, data) in files { try data.write(to: committed.appendingPathComponent(name)) }
                try? FileManager.default.removeItem(at: committed.appendingPathComponent("peft-logits.json"))
                print("FINCH_WRITE_GOLDEN=1: wrote \(committed.path); now run scripts/make-lora-golden.py")
                continue
            }
            for (name, data) in files {
                XCTAssertEqual(data, try Data(contentsOf: committed.appendingPathComponent(name)),
                               "finch-written-\(family)/\(name): Finch now writes other bytes; if intended, regenerate as scripts/make-lora-golden.py says")
            }
            XCTAssertEqual(try AdapterConfigFile.read(from: committed).lora.targetModules, adapters.modules.map(\.name))
            model.attach(adapters)
            compare(model, try load(committed).logits, tokens: try load(committed).tokens, label: "finch-written-\(family) in PEFT")
        }
    }

    func testPEFTSettingsFinchDoesNotComputeAreRefusedByKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lora-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: goldenFixture("lora-golden/peft-qwen2/adapter_config.json"))) as! [String: Any]
        for (key, value, expected) in [("use_dora", true as Any, "use_dora"), ("rank_pattern", ["q_proj": 4] as Any, "rank_pattern"),
                                       ("target_modules", ".*proj" as Any, "regular expression"), ("r", true as Any, "r: missing or not an integer"),
                                       ("peft_type", "IA3" as Any, "peft_type")] {
            var edited = original
            edited[key] = value
            try JSONSerialization.data(withJSONObject: edited).write(to: dir.appendingPathComponent("adapter_config.json"))
            XCTAssertThrowsError(try AdapterConfigFile.read(from: dir), key) { error in
                XCTAssertTrue("\(error)".contains("adapter_config.json: \(expected)") || "\(error)".contains(expected), "\(key): \(error)")
            }
        }
    }

    private func base(_ family: String) throws -> Transformer {
        let dir = goldenFixture("hf-golden/\(family)")
        let config = try JSONDecoder().decode(ModelConfig.self, from: Data(contentsOf: dir.appendingPathComponent("config.json")))
        let model = try Transformer(config: config)
        try model.load(model.params, from: try ModelWeights.open(directory: dir))
        return model
    }

    /// The golden file, after checking it was computed from the adapter files beside it.
    private func load(_ dir: URL) throws -> Golden {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: dir.appendingPathComponent("peft-logits.json")))
        for (name, record) in golden.files {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            XCTAssertTrue(data.count == record.bytes && fnv1a64(data) == record.fnv1a64,
                          "\(dir.lastPathComponent)/\(name) is not the file PEFT's logits were computed from; rerun scripts/make-lora-golden.py")
        }
        return golden
    }

    private func safetensorsBytes(_ adapters: LoRAAdapters) throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensorsWriter.write(adapters.namedTensors(adapters.params), metadata: ["format": "pt"], to: url)
        return try Data(contentsOf: url)
    }

    /// Finch's logits at every position (cached decoding, one token at a time) against PEFT's.
    private func compare(_ model: Transformer, _ expected: [[[Float]]], tokens: [[Int32]], label: String) {
        let B = tokens.count, T = tokens[0].count, V = model.config.vocabSize
        let decoder = IncrementalForward(model: model)
        let cache = decoder.makeCache(batch: B, capacity: T)
        var worst: Float = 0
        for t in 0..<T {
            let logits = decoder.step(tokens: tokens.map { $0[t] }, counts: Array(repeating: 1, count: B), cache: cache)
            for b in 0..<B { for v in 0..<V { worst = max(worst, abs(logits[b * V + v] - expected[b][t][v])) } }
        }
        print("\(label): max |Δ logit| against PEFT \(worst)")
        XCTAssertLessThan(worst, 1e-4, label)
    }
}
