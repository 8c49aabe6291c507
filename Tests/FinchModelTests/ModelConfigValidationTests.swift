import XCTest
@testable import FinchModel

/// Sizes and constants from a config.json (or the run config's `model.config`, which decodes the
/// same way) are checked before anything is allocated: each bad value names its key.
final class ModelConfigValidationTests: XCTestCase {
    func testEstimatedParameterCountIsTheLayoutsCount() throws {
        for (name, config) in TinyConfigs.all {
            XCTAssertEqual(config.estimatedParameterCount, ParameterLayout(config: config).count, name)
        }
        var untiedBiased = TinyConfigs.qwen2
        untiedBiased.family = .llama
        untiedBiased.attentionBias = true
        XCTAssertEqual(untiedBiased.estimatedParameterCount, ParameterLayout(config: untiedBiased).count)
    }

    func testHostileConfigJSONValuesAreRefusedByKey() throws {
        let gpt2 = #""model_type": "gpt2", "vocab_size": 262, "n_embd": 32, "n_layer": 2, "n_head": 4, "n_positions": 64"#
        let llama = #""model_type": "llama", "vocab_size": 262, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 48"#
        let cases: [(String, String)] = [
            (gpt2.replacingOccurrences(of: #""n_layer": 2"#, with: #""n_layer": 1000000000"#), "'n_layer': is 1000000000"),
            (gpt2 + #", "n_inner": -5"#, "'n_inner': is -5"),
            (gpt2.replacingOccurrences(of: #""n_positions": 64"#, with: #""n_positions": 1000000000000"#), "'n_positions'"),
            (gpt2.replacingOccurrences(of: #""n_embd": 32"#, with: #""n_embd": 4294967296"#), "'n_embd'"),
            (gpt2 + #", "layer_norm_epsilon": -1e-5"#, "'layer_norm_epsilon'"),
            (llama + #", "num_key_value_heads": 0"#, "'num_key_value_heads': is 0"),
            (llama.replacingOccurrences(of: #""intermediate_size": 48"#, with: #""intermediate_size": -128"#), "'intermediate_size': is -128"),
            (llama + #", "rope_theta": -10000"#, "'rope_theta'"),
            (llama + #", "rms_norm_eps": 0"#, "'rms_norm_eps'"),
            (llama.replacingOccurrences(of: #""hidden_size": 32"#, with: #""hidden_size": 4000000"#)
                .replacingOccurrences(of: #""num_hidden_layers": 2"#, with: #""num_hidden_layers": 4000"#), "parameters, more than"),
        ]
        for (body, expected) in cases {
            XCTAssertThrowsError(try JSONDecoder().decode(ModelConfig.self, from: Data("{\(body)}".utf8)), body) { error in
                XCTAssertTrue("\(error)".contains(expected), "'\(error)' lacks \(expected)")
            }
        }
    }

    func testAModelTooLargeForThisMachineIsRefusedWithTheFigure() throws {
        // 4096 wide, 64 layers: 12.9 G parameters, 103 GB of weights and gradients.
        let big = ModelConfig(family: .llama, vocabSize: 32_000, hiddenSize: 4096, numLayers: 64, numHeads: 32, maxPositions: 2048)
        XCTAssertNoThrow(try big.validate())
        if Double(ProcessInfo.processInfo.physicalMemory) < 100e9 {
            XCTAssertThrowsError(try Transformer(config: big)) { error in
                XCTAssertTrue("\(error)".contains("GB for weights and gradients alone; this machine has"), "\(error)")
            }
        }
    }
}
