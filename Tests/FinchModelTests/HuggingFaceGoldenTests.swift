import Foundation
import XCTest
import FinchTestSupport
import FinchModel

/// Finch against Hugging Face `transformers`, through golden files that
/// `scripts/make-hf-golden.py` made with transformers (no Python at test time).
///
/// - transformers → Finch: tiny GPT-2, Llama (grouped-query attention, untied head) and Qwen2
///   (q/k/v biases, tied head) checkpoints saved by `save_pretrained` load with Finch's own loader
///   and give transformers' logits, through both forward passes (KV-cache decoding and training).
/// - Finch → transformers: the checkpoint Finch writes (its safetensors writer and its config.json
///   encoding) must equal, byte for byte, the committed `finch-written-<family>/` directory that
///   transformers loaded with `from_pretrained`, and Finch's logits on it must match transformers'.
///
/// To regenerate after an intended change, see the header of scripts/make-hf-golden.py
/// (`FINCH_WRITE_GOLDEN=1` makes this test write the Finch checkpoints instead of comparing them).
final class HuggingFaceGoldenTests: XCTestCase {
    /// Max |Δ logit| allowed, relative to the largest |logit| of the reference (float32 on both sides).
    static let relativeTolerance: Float = 1e-4

    // MARK: transformers → Finch

    func testGPT2CheckpointFromTransformers() throws {
        try checkAgainstTransformers(fixture("gpt2"), label: "gpt2")
    }

    func testLlamaGroupedQueryCheckpointFromTransformers() throws {
        let config = try checkAgainstTransformers(fixture("llama"), label: "llama")
        XCTAssertLessThan(config.numKVHeads, config.numHeads, "the fixture must exercise grouped-query attention")
        XCTAssertFalse(config.tieWordEmbeddings)
    }

    func testQwen2BiasedCheckpointFromTransformers() throws {
        let config = try checkAgainstTransformers(fixture("qwen2"), label: "qwen2")
        XCTAssertTrue(config.attentionBias, "the fixture must exercise q/k/v biases")
        XCTAssertTrue(config.tieWordEmbeddings)
    }

    // MARK: Finch → transformers

    static let finchWrittenGPT2 = ModelConfig(family: .gpt2, vocabSize: 272, hiddenSize: 32, numLayers: 2, numHeads: 4,
                                              intermediateSize: 48, maxPositions: 16, normEps: 1e-5,
                                              bosTokenID: 256, eosTokenID: 257)
    /// Grouped-query attention, a tied head and a non-default rotary base, all of which config.json must carry.
    static let finchWrittenLlama = ModelConfig(family: .llama, vocabSize: 272, hiddenSize: 32, numLayers: 2, numHeads: 4,
                                               numKVHeads: 2, intermediateSize: 48, maxPositions: 16, normEps: 1e-5,
                                               ropeTheta: 500_000, tieWordEmbeddings: true,
                                               bosTokenID: 256, eosTokenID: 257)

    func testGPT2WrittenByFinchLoadsInTransformers() throws {
        try checkFinchWritten("gpt2", config: Self.finchWrittenGPT2, seed: 7)
    }

    func testLlamaWrittenByFinchLoadsInTransformers() throws {
        try checkFinchWritten("llama", config: Self.finchWrittenLlama, seed: 8)
    }

    // MARK: Checks

    /// Loads `dir` with Finch, checks Finch reads the architecture transformers saw, and compares logits.
    @discardableResult
    private func checkAgainstTransformers(_ dir: URL, label: String,
                                          file: StaticString = #filePath, line: UInt = #line) throws -> ModelConfig {
        let golden = try Golden.load(dir)
        for name in ["config.json", "model.safetensors"] {
            let record = try XCTUnwrap(golden.files[name], "\(label): transformers-logits.json lists no \(name)")
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            XCTAssertTrue(data.count == record.bytes && fnv1a64(data) == record.fnv1a64,
                          "\(label): \(name) is not the file transformers' logits were computed from; rerun scripts/make-hf-golden.py",
                          file: file, line: line)
        }
        let config = try JSONDecoder().decode(ModelConfig.self, from: Data(contentsOf: dir.appendingPathComponent("config.json")))
        golden.config.check(config, label: label, file: file, line: line)
        let model = try Transformer(config: config)
        try model.load(model.params, from: SafeTensorsFile(url: dir.appendingPathComponent("model.safetensors")))
        compareLogits(model, golden, label: label, file: file, line: line)
        return config
    }

    /// Writes a Finch checkpoint of `config` (every parameter drawn from `seed`) as Finch's checkpoints
    /// do, requires it to equal the committed `finch-written-<family>` bytes that transformers loaded,
    /// then compares Finch's logits on those bytes with transformers'.
    private func checkFinchWritten(_ family: String, config: ModelConfig, seed: UInt64) throws {
        let label = "finch-written-\(family)"
        let committed = fixture(label)
        let model = try Transformer(config: config)
        fillDeterministically(model, seed: seed)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hf-golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try writeCheckpoint(model, to: scratch)

        if ProcessInfo.processInfo.environment["FINCH_WRITE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: committed, withIntermediateDirectories: true)
            for name in ["config.json", "model.safetensors"] {
                try Data(contentsOf: scratch.appendingPathComponent(name)).write(to: committed.appendingPathComponent(name))
            }
            // transformers' logits for the old bytes are stale now; the script writes new ones.
            try? FileManager.default.removeItem(at: committed.appendingPathComponent(Golden.fileName))
            // Regeneration mode: the written files are what the next step (the script) reads.
            for name in ["config.json", "model.safetensors"] {
                XCTAssertEqual(try Data(contentsOf: committed.appendingPathComponent(name)),
                               try Data(contentsOf: scratch.appendingPathComponent(name)))
            }
            print("FINCH_WRITE_GOLDEN=1: wrote \(committed.path); now run scripts/make-hf-golden.py")
            return
        }

        for name in ["config.json", "model.safetensors"] {
            let written = try Data(contentsOf: scratch.appendingPathComponent(name))
            let expected = try Data(contentsOf: committed.appendingPathComponent(name))
            if written != expected {
                let first = zip(written, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(written.count, expected.count)
                XCTFail("\(label): Finch now writes a different \(name) (\(written.count) bytes, committed \(expected.count); first difference at byte \(first)). If intended, regenerate as scripts/make-hf-golden.py describes.")
            }
        }
        let reread = try JSONDecoder().decode(ModelConfig.self, from: Data(contentsOf: committed.appendingPathComponent("config.json")))
        XCTAssertEqual(reread, config, "\(label): config.json does not decode back to the config Finch wrote")
        // What transformers understood from Finch's config.json must be Finch's config.
        try checkAgainstTransformers(committed, label: label)
    }

    /// Finch's logits for the golden tokens, from KV-cache decoding one token at a time, and the
    /// training pass's next-token log-probs, against transformers' float32 logits.
    private func compareLogits(_ model: Transformer, _ golden: Golden, label: String,
                               file: StaticString, line: UInt) {
        let V = model.config.vocabSize, B = golden.tokens.count, T = golden.tokens[0].count
        guard golden.tokens.allSatisfy({ $0.count == T }), golden.logits.count == B,
              golden.logits.allSatisfy({ $0.count == T && $0.allSatisfy { $0.count == V } }) else {
            return XCTFail("\(label): golden logits are not [\(B), \(T), \(V)]", file: file, line: line)
        }
        let scale = golden.logits.joined().joined().map(abs).max()!
        XCTAssertGreaterThan(scale, 1, "\(label): reference logits too small to compare meaningfully", file: file, line: line)
        let tolerance = Self.relativeTolerance * scale

        let decoder = IncrementalForward(model: model)
        let cache = decoder.makeCache(batch: B, capacity: T)
        var maxLogitDiff: Float = 0
        for t in 0..<T {
            let logits = decoder.step(tokens: (0..<B).map { golden.tokens[$0][t] }, counts: Array(repeating: 1, count: B),
                                      cache: cache)
            for b in 0..<B {
                for v in 0..<V { maxLogitDiff = max(maxLogitDiff, abs(logits[b * V + v] - golden.logits[b][t][v])) }
            }
        }

        // The training pass: log p(next token), the last position scored on the row's first token.
        let tokens = golden.tokens.flatMap { $0 }
        let targets = golden.tokens.flatMap { row in (0..<T).map { row[($0 + 1) % T] } }
        let logprobs = TrainingPass(model: model).forward(tokens: tokens, targets: targets, batch: B, seqLen: T).logprobs
        var maxLogprobDiff: Float = 0
        for b in 0..<B {
            for t in 0..<T {
                let reference = logSoftmaxDouble(golden.logits[b][t])[Int(targets[b * T + t])]
                maxLogprobDiff = max(maxLogprobDiff, Float(abs(Double(logprobs[b * T + t]) - reference)))
            }
        }
        print("hf-golden \(label): max |Δ logit| \(maxLogitDiff) (KV-cache decoding), max |Δ log p| \(maxLogprobDiff) (training pass); max |logit| \(scale), tolerance \(tolerance)")
        XCTAssertLessThanOrEqual(maxLogitDiff, tolerance, "\(label): decoding logits differ from transformers'", file: file, line: line)
        XCTAssertLessThanOrEqual(maxLogprobDiff, 2 * tolerance, "\(label): training log-probs differ from transformers'", file: file, line: line)
    }

    // MARK: Helpers

    private func fixture(_ name: String) -> URL { goldenFixture("hf-golden/\(name)") }

    /// A checkpoint as Finch's checkpoint store writes one: the parameters under their Hugging Face
    /// names with `format: pt` metadata, and config.json pretty-printed with sorted keys.
    private func writeCheckpoint(_ model: Transformer, to dir: URL) throws {
        try SafeTensorsWriter.write(model.namedTensors(model.params), metadata: ["format": "pt"],
                                    to: dir.appendingPathComponent("model.safetensors"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(model.config).write(to: dir.appendingPathComponent("config.json"))
    }
}

/// transformers-logits.json, as scripts/make-hf-golden.py writes it.
private struct Golden: Decodable {
    static let fileName = "transformers-logits.json"

    struct FileRecord: Decodable {
        let bytes: Int
        let fnv1a64: String
    }

    /// The architecture as transformers understood the checkpoint, in ModelConfig's terms.
    struct Architecture: Decodable {
        let family: String
        let vocabSize, hiddenSize, numLayers, numHeads, numKVHeads, intermediateSize, maxPositions: Int
        let normEps: Double
        let ropeTheta: Double?
        let tieWordEmbeddings, attentionBias: Bool
        let activation: String
        let bosTokenID, eosTokenID: Int?

        enum CodingKeys: String, CodingKey {
            case family, activation
            case vocabSize = "vocab_size", hiddenSize = "hidden_size", numLayers = "num_layers"
            case numHeads = "num_heads", numKVHeads = "num_kv_heads", intermediateSize = "intermediate_size"
            case maxPositions = "max_positions", normEps = "norm_eps", ropeTheta = "rope_theta"
            case tieWordEmbeddings = "tie_word_embeddings", attentionBias = "attention_bias"
            case bosTokenID = "bos_token_id", eosTokenID = "eos_token_id"
        }

        func check(_ c: ModelConfig, label: String, file: StaticString, line: UInt) {
            func same(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-6 * abs(b) }
            let what = "\(label): Finch read config.json differently from transformers"
            XCTAssertEqual(c.family.rawValue, family, what, file: file, line: line)
            XCTAssertEqual(c.vocabSize, vocabSize, "\(what) (vocab size)", file: file, line: line)
            XCTAssertEqual(c.hiddenSize, hiddenSize, "\(what) (hidden size)", file: file, line: line)
            XCTAssertEqual(c.numLayers, numLayers, "\(what) (layers)", file: file, line: line)
            XCTAssertEqual(c.numHeads, numHeads, "\(what) (heads)", file: file, line: line)
            XCTAssertEqual(c.numKVHeads, numKVHeads, "\(what) (key/value heads)", file: file, line: line)
            XCTAssertEqual(c.intermediateSize, intermediateSize, "\(what) (intermediate size)", file: file, line: line)
            XCTAssertEqual(c.maxPositions, maxPositions, "\(what) (max positions)", file: file, line: line)
            XCTAssertTrue(same(Double(c.normEps), normEps), "\(what) (norm eps \(c.normEps) vs \(normEps))", file: file, line: line)
            if let ropeTheta {
                XCTAssertTrue(same(Double(c.ropeTheta), ropeTheta), "\(what) (rope theta \(c.ropeTheta) vs \(ropeTheta))",
                              file: file, line: line)
            }
            XCTAssertEqual(c.tieWordEmbeddings, tieWordEmbeddings, "\(what) (tied embeddings)", file: file, line: line)
            XCTAssertEqual(c.attentionBias, attentionBias, "\(what) (attention bias)", file: file, line: line)
            XCTAssertEqual(c.bosTokenID, bosTokenID, "\(what) (bos token)", file: file, line: line)
            XCTAssertEqual(c.eosTokenID, eosTokenID, "\(what) (eos token)", file: file, line: line)
            // Finch does not read the activation: GPT-2 always uses tanh-GELU, Llama/Qwen2 SiLU.
            XCTAssertEqual(activation, c.isGPT2 ? "gelu_new" : "silu", "\(label): activation Finch does not implement",
                           file: file, line: line)
        }
    }

    let files: [String: FileRecord]
    let config: Architecture
    let tokens: [[Int32]]
    let logits: [[[Float]]]

    static func load(_ dir: URL) throws -> Golden {
        let url = dir.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw GoldenError("\(url.path) is missing: run scripts/make-hf-golden.py (see its header)")
        }
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }
}

private struct GoldenError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private func logSoftmaxDouble(_ x: [Float]) -> [Double] {
    let m = Double(x.max()!)
    let z = log(x.reduce(0.0) { $0 + exp(Double($1) - m) })
    return x.map { Double($0) - m - z }
}
