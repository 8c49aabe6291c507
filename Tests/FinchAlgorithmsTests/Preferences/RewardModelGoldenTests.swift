import XCTest
import FinchData
import FinchModel
import FinchTestSupport
@testable import FinchAlgorithms

/// Reward models both ways against transformers' `…ForSequenceClassification` (num_labels 1),
/// from files scripts/make-rm-golden.py commits under Tests/Fixtures/rm-golden/:
/// - transformers → Finch: tiny GPT-2, Llama (GQA, untied) and Qwen2 reward models saved by
///   `save_pretrained`, scored by `RewardModel` on a right-padded batch, against transformers' scores;
/// - Finch → transformers: the config.json and model.safetensors a `finch rm` checkpoint holds
///   (the same writer calls), which the script loads strictly and scores. The test requires the
///   committed bytes to be what Finch writes today, so the scores are about today's format.
/// Regenerate: `FINCH_WRITE_GOLDEN=1 swift test --filter RewardModelGoldenTests`, then
/// `/tmp/hf-golden-venv/bin/python scripts/make-rm-golden.py`, then the test again.
final class RewardModelGoldenTests: XCTestCase {
    static let configs: [(String, ModelConfig)] = [
        ("gpt2", ModelConfig(family: .gpt2, vocabSize: 262, hiddenSize: 32, numLayers: 2, numHeads: 4, maxPositions: 64,
                             bosTokenID: 256, eosTokenID: 257)),
        ("llama", ModelConfig(family: .llama, vocabSize: 262, hiddenSize: 32, numLayers: 2, numHeads: 4, numKVHeads: 2,
                              intermediateSize: 48, maxPositions: 64, tieWordEmbeddings: false, bosTokenID: 256, eosTokenID: 257)),
        ("qwen2", ModelConfig(family: .qwen2, vocabSize: 262, hiddenSize: 32, numLayers: 2, numHeads: 4, numKVHeads: 2,
                              intermediateSize: 48, maxPositions: 64, tieWordEmbeddings: true, bosTokenID: 256, eosTokenID: 257)),
    ]

    func testRewardModelsFromTransformersScoreAsTransformersDoes() throws {
        for family in ["gpt2", "llama", "qwen2"] {
            try compare(goldenFixture("rm-golden/\(family)"), label: family)
        }
    }

    func testRewardModelsWrittenByFinchScoreTheSameInTransformers() throws {
        for (seed, (family, config)) in Self.configs.enumerated() {
            let label = "finch-written-\(family)"
            let committed = goldenFixture("rm-golden/\(label)")
            let model = try Transformer(config: config)
            fillDeterministically(model, seed: UInt64(seed) + 40)
            let head = ScoreHead(width: config.hiddenSize, seed: 0)
            for c in 0..<head.width { head.params[c] = Float((c * 37) % 17 - 8) / 16 }  // exact, O(1) scores
            // What a `finch rm` checkpoint holds: the trunk and score.weight in one file (`TrainingRun.save`
            // with the head as extra weights), and the sequence-classification config.json.
            let weights = try makeTemporaryDirectory(for: self).appendingPathComponent("model.safetensors")
            try SafeTensorsWriter.write(model.namedTensors(model.params) + head.namedTensors(head.params),
                                        metadata: ["format": "pt"], to: weights)
            let files: [(String, Data)] = [
                ("config.json", try RewardModel.configJSON(config, padID: ByteTokenizer().padID)),
                ("model.safetensors", try Data(contentsOf: weights)),
            ]
            if ProcessInfo.processInfo.environment["FINCH_WRITE_GOLDEN"] == "1" {
                try FileManager.default.createDirectory(at: committed, withIntermediateDirectories: true)
                for (name, data) in files { try data.write(to: committed.appendingPathComponent(name)) }
                try? FileManager.default.removeItem(at: committed.appendingPathComponent(ScoresFile.name))
                print("FINCH_WRITE_GOLDEN=1: wrote \(committed.path); now run scripts/make-rm-golden.py")
                continue
            }
            for (name, data) in files {
                XCTAssertEqual(data, try Data(contentsOf: committed.appendingPathComponent(name)),
                               "\(label): Finch now writes a different \(name); if intended, regenerate as this test's comment says")
            }
            try compare(committed, label: label)
        }
    }

    /// `RewardModel(directory:)` on `dir` against the scores transformers computed on the same bytes.
    private func compare(_ dir: URL, label: String) throws {
        let golden = try JSONDecoder().decode(ScoresFile.self, from: Data(contentsOf: dir.appendingPathComponent(ScoresFile.name)))
        for (name, record) in golden.files {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            XCTAssertTrue(data.count == record.bytes && fnv1a64(data) == record.fnv1a64,
                          "\(label): \(name) is not the file \(ScoresFile.name) was computed from; rerun scripts/make-rm-golden.py")
        }
        let rm = try RewardModel(directory: dir)
        XCTAssertEqual(rm.padID, Int32(golden.pad_token_id), label)
        let rows = zip(golden.input_ids, golden.lengths).map { Array($0.prefix($1)).map(Int32.init) }
        let scores = rm.rawScores(rows, batchSize: rows.count)
        let worst = zip(scores, golden.scores).map { abs($0 - $1) }.max()!
        print("\(label): reward-model scores vs transformers: max |Δ| \(worst) (scores up to \(golden.max_abs_score))")
        XCTAssertLessThan(worst, 1e-4 * max(1, golden.max_abs_score), "\(label): \(scores) vs transformers' \(golden.scores)")
    }
}

/// transformers-scores.json as scripts/make-rm-golden.py writes it.
private struct ScoresFile: Decodable {
    static let name = "transformers-scores.json"
    struct FileRecord: Decodable {
        let bytes: Int
        let fnv1a64: String
    }
    let files: [String: FileRecord]
    let pad_token_id: Int
    let input_ids: [[Int]]
    let lengths: [Int]
    let scores: [Double]
    let max_abs_score: Double
}
