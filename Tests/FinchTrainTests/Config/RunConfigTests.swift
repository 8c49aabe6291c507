import FinchModel
import Foundation
import XCTest
@testable import FinchAlgorithms
@testable import FinchTrain

final class RunConfigTests: XCTestCase {
    private let file = "configs/sft.yaml"

    /// Every key set to a non-default value.
    private let fullYAML = """
        model:
          init: scratch
          seed: 7
          config:
            model_type: llama
            vocab_size: 1000
            hidden_size: 64
            num_hidden_layers: 2
            num_attention_heads: 4
            num_key_value_heads: 2
            intermediate_size: 192
            max_position_embeddings: 256
            rms_norm_eps: 1.0e-5
            rope_theta: 500000
            tie_word_embeddings: true
            attention_bias: true
            bos_token_id: 1
            eos_token_id: 2
        data:
          train: data/train.jsonl
          eval: data/eval.jsonl
          max_length: 128
          drop_overlong: true
          seed: 11
        train:
          steps: 500
          batch_size: 8
          lr: 1.0e-3
          min_lr: 1.0e-5
          warmup_steps: 20
          weight_decay: 0.1
          beta1: 0.8
          beta2: 0.99
          eps: 1.0e-6
          grad_clip: 0.5
          eval_every: 50
          eval_samples: 64
          threads: 2
        checkpoint:
          dir: runs/sft
          every: 100
          keep_last: 5
        logging:
          every: 5
          metrics: logs/sft.jsonl
        """

    private let minimalYAML = """
        model:
          init: scratch
          config: {vocab_size: 100, n_embd: 32, n_layer: 2, n_head: 4}
        data:
          train: data/train.jsonl
        train:
          steps: 10
        checkpoint:
          dir: runs/tiny
        """

    // MARK: Valid configs

    func testFullConfigDecodesEveryKey() throws {
        let config = try SFTRunConfig.parse(yaml: fullYAML, file: file)
        let architecture = ModelConfig(family: .llama, vocabSize: 1000, hiddenSize: 64, numLayers: 2, numHeads: 4,
                                       numKVHeads: 2, intermediateSize: 192, maxPositions: 256, normEps: 1e-5,
                                       ropeTheta: 500_000, tieWordEmbeddings: true, attentionBias: true,
                                       bosTokenID: 1, eosTokenID: 2)
        var expected = SFTRunConfig()
        expected.model = ModelSection(initialization: .scratch(architecture), seed: 7)
        (expected.data.train, expected.data.eval, expected.data.maxLength) = ("data/train.jsonl", "data/eval.jsonl", 128)
        (expected.data.dropOverlong, expected.data.seed) = (true, 11)
        (expected.train.steps, expected.train.batchSize, expected.train.lr, expected.train.minLR) = (500, 8, 1e-3, 1e-5)
        (expected.train.warmupSteps, expected.train.weightDecay, expected.train.beta1, expected.train.beta2) = (20, 0.1, 0.8, 0.99)
        (expected.train.eps, expected.train.gradClip, expected.train.evalEvery) = (1e-6, 0.5, 50)
        (expected.train.evalSamples, expected.train.threads) = (64, 2)
        (expected.checkpoint.dir, expected.checkpoint.every, expected.checkpoint.keepLast) = ("runs/sft", 100, 5)
        (expected.logging.every, expected.logging.metrics) = (5, "logs/sft.jsonl")
        XCTAssertEqual(config, expected)
    }

    func testOmittedKeysTakeTheirDefaults() throws {
        let config = try SFTRunConfig.parse(yaml: minimalYAML, file: file)
        XCTAssertEqual(config.model.seed, 0)
        guard case .scratch(let architecture) = config.model.initialization else { return XCTFail("expected scratch") }
        XCTAssertEqual(architecture.family, .gpt2)
        XCTAssertEqual(architecture.maxPositions, 1024)
        XCTAssertEqual(config.data.train, "data/train.jsonl")
        XCTAssertEqual(config.data.eval, nil)
        XCTAssertEqual(config.data.maxLength, 512)
        XCTAssertEqual(config.data.dropOverlong, false)
        XCTAssertEqual(config.data.seed, 0)
        XCTAssertEqual(config.train.batchSize, 16)
        XCTAssertEqual(config.train.lr, 3e-4)
        XCTAssertEqual(config.train.minLR, 3e-4 * 0.1)
        XCTAssertEqual(config.train.beta2, 0.95)
        XCTAssertEqual(config.train.gradClip, 1)
        XCTAssertEqual(config.train.evalSamples, 200)
        XCTAssertEqual([config.checkpoint.every, config.checkpoint.keepLast, config.logging.every], [0, 3, 10])
        XCTAssertEqual(config.checkpoint.dir, "runs/tiny")
        XCTAssertEqual(config.metricsPath, "runs/tiny/metrics.jsonl", "metrics live beside the checkpoints")
    }

    func testCheckpointInitTakesAPathAndNoArchitecture() throws {
        let yaml = minimalYAML.replacingOccurrences(of: "  init: scratch\n  config: {vocab_size: 100, n_embd: 32, n_layer: 2, n_head: 4}",
                                                    with: "  init: runs/base/step-00001000")
        XCTAssertNotEqual(yaml, minimalYAML)
        let config = try SFTRunConfig.parse(yaml: yaml, file: file)
        XCTAssertEqual(config.model.initialization, .checkpoint(path: "runs/base/step-00001000"))

        let both = minimalYAML.replacingOccurrences(of: "init: scratch", with: "init: runs/base")
        assertError(try SFTRunConfig.parse(yaml: both, file: file), is: "\(file):3: key 'model.config': not allowed when model.init is a checkpoint path")
        let neither = minimalYAML.replacingOccurrences(of: "  config: {vocab_size: 100, n_embd: 32, n_layer: 2, n_head: 4}\n", with: "")
        assertError(try SFTRunConfig.parse(yaml: neither, file: file), is: "\(file):2: key 'model.init': 'scratch' needs the architecture")
    }

    // MARK: Strictness

    func testUnknownTopLevelKeyIsNamedWithSuggestion() {
        assertError(try SFTRunConfig.parse(yaml: minimalYAML + "\ntrian:\n  steps: 3\n", file: file),
                    is: "\(file):10: unknown key 'trian' (did you mean 'train'?)")
    }

    func testUnknownSectionKeysAreNamedWithSuggestions() {
        let warmup = minimalYAML.replacingOccurrences(of: "  steps: 10", with: "  steps: 10\n  lr_warmup: 5")
        assertError(try SFTRunConfig.parse(yaml: warmup, file: file),
                    is: "\(file):8: unknown key 'train.lr_warmup' (did you mean 'train.warmup_steps'?)")
        let typo = minimalYAML.replacingOccurrences(of: "  steps: 10", with: "  steps: 10\n  batchsize: 5")
        assertError(try SFTRunConfig.parse(yaml: typo, file: file), is: "unknown key 'train.batchsize' (did you mean 'train.batch_size'?)")
        let misplaced = minimalYAML.replacingOccurrences(of: "  steps: 10", with: "  steps: 10\n  seed: 5")
        assertError(try SFTRunConfig.parse(yaml: misplaced, file: file), is: "unknown key 'train.seed' (did you mean 'model.seed' or 'data.seed'?)")
        let unrelated = minimalYAML.replacingOccurrences(of: "  dir: runs/tiny", with: "  dir: runs/tiny\n  colour: blue")
        XCTAssertThrowsError(try SFTRunConfig.parse(yaml: unrelated, file: file)) { error in
            XCTAssertEqual("\(error)", "\(file):10: unknown key 'checkpoint.colour'", "no guess when nothing is close")
        }
    }

    func testMistypedValuesNameKeyExpectationAndValue() {
        let cases: [(String, String, String)] = [
            ("  steps: 10", "  steps: 10\n  lr: fast", "\(file):8: key 'train.lr': expected a positive number, got 'fast'"),
            ("  steps: 10", "  steps: 1.5", "\(file):7: key 'train.steps': expected an integer ≥ 1, got '1.5'"),
            ("  steps: 10", "  steps: 10\n  beta2: 1.0", "key 'train.beta2': expected a number in [0, 1), got '1.0'"),
            ("  steps: 10", "  steps: 10\n  lr: '0.1'", "key 'train.lr': expected a positive number, got '0.1'"),
            ("  train: data/train.jsonl", "  train: data/train.jsonl\n  drop_overlong: maybe",
             "key 'data.drop_overlong': expected true or false, got 'maybe'"),
            ("  train: data/train.jsonl", "  train: data/train.jsonl\n  seed: -1", "key 'data.seed': expected a non-negative integer, got '-1'"),
            ("train:\n  steps: 10", "train: [1, 2]", "\(file):6: key 'train': expected a mapping of keys, got a list"),
            ("  dir: runs/tiny", "  dir: [a]", "key 'checkpoint.dir': expected a string, got a list"),
        ]
        for (original, replacement, message) in cases {
            let yaml = minimalYAML.replacingOccurrences(of: original, with: replacement)
            XCTAssertNotEqual(yaml, minimalYAML)
            assertError(try SFTRunConfig.parse(yaml: yaml, file: file), is: message)
        }
    }

    func testMissingAndDuplicateKeys() {
        let noDir = minimalYAML.replacingOccurrences(of: "  dir: runs/tiny", with: "  every: 5")
        assertError(try SFTRunConfig.parse(yaml: noDir, file: file), is: "\(file):9: missing required key 'checkpoint.dir'")
        let emptyDir = minimalYAML.replacingOccurrences(of: "  dir: runs/tiny", with: "  dir:")
        assertError(try SFTRunConfig.parse(yaml: emptyDir, file: file), is: "key 'checkpoint.dir' is required but has no value")
        let noTrain = minimalYAML.replacingOccurrences(of: "train:\n  steps: 10\n", with: "")
        assertError(try SFTRunConfig.parse(yaml: noTrain, file: file), is: "missing required key 'train'")
        let twice = minimalYAML.replacingOccurrences(of: "  steps: 10", with: "  steps: 10\n  steps: 20")
        assertError(try SFTRunConfig.parse(yaml: twice, file: file), is: "\(file): invalid YAML: Parser: expected all keys to be unique but found the following duplicated key(s): 'steps'")
        assertError(try SFTRunConfig.parse(yaml: "model: [", file: file), is: "\(file): invalid YAML")
    }

    func testArchitectureKeysFollowModelType() {
        func architecture(_ inline: String) -> String {
            minimalYAML.replacingOccurrences(of: "{vocab_size: 100, n_embd: 32, n_layer: 2, n_head: 4}", with: inline)
        }
        assertError(try SFTRunConfig.parse(yaml: architecture("{vocab_size: 100, hidden_size: 32, n_layer: 2, n_head: 4}"), file: file),
                    is: "unknown key 'model.config.hidden_size' for model_type gpt2")
        assertError(try SFTRunConfig.parse(yaml: architecture("{model_type: qwen2, vocab_size: 100, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, attention_bias: false}"), file: file),
                    is: "unknown key 'model.config.attention_bias' for model_type qwen2")
        assertError(try SFTRunConfig.parse(yaml: architecture("{model_type: bert, vocab_size: 100}"), file: file),
                    is: "key 'model.config.model_type': expected one of gpt2, llama, qwen2, got 'bert'")
        assertError(try SFTRunConfig.parse(yaml: architecture("{vocab_size: 100, n_embd: 32, n_layer: 2}"), file: file),
                    is: "missing required key 'model.config.n_head'")
        assertError(try SFTRunConfig.parse(yaml: architecture("{vocab_size: 100, n_embd: 30, n_layer: 2, n_head: 4}"), file: file),
                    is: "key 'model.config.n_head': must divide the hidden size 30")
        assertError(try SFTRunConfig.parse(yaml: architecture("{vocab_size: 100, n_embd: 32, n_layer: 2, n_head: 4, architectures: [GPT2LMHeadModel]}"), file: file),
                    is: "unknown key 'model.config.architectures'")
    }

    // MARK: Overrides

    func testOverridesAreAppliedBeforeDecoding() throws {
        let config = try SFTRunConfig.parse(yaml: minimalYAML, file: file,
                                         overrides: ["train.lr=1e-3", "logging.every=5", "data.eval=data/dev.jsonl",
                                                     "model.config.n_layer=6", "train.steps=20", "train.steps=30"])
        XCTAssertEqual(config.train.lr, 1e-3)
        XCTAssertEqual(config.train.minLR, 1e-3 * 0.1, "min_lr follows an overridden lr")
        XCTAssertEqual(config.logging.every, 5)
        XCTAssertEqual(config.metricsPath, "runs/tiny/metrics.jsonl")
        XCTAssertEqual(config.data.eval, "data/dev.jsonl")
        XCTAssertEqual(config.train.steps, 30, "the last override of a key wins")
        guard case .scratch(let architecture) = config.model.initialization else { return XCTFail("expected scratch") }
        XCTAssertEqual(architecture.numLayers, 6)

        let cleared = try SFTRunConfig.parse(yaml: fullYAML, file: file, overrides: ["data.eval="])
        XCTAssertNil(cleared.data.eval, "an empty override value is null, meaning the default")
    }

    func testBadOverridesNameTheOverride() {
        assertError(try SFTRunConfig.parse(yaml: minimalYAML, file: file, overrides: ["train.lr_warmup=5"]),
                    is: "--set train.lr_warmup=5: unknown key 'train.lr_warmup' (did you mean 'train.warmup_steps'?)")
        assertError(try SFTRunConfig.parse(yaml: minimalYAML, file: file, overrides: ["train.lr=fast"]),
                    is: "--set train.lr=fast: key 'train.lr': expected a positive number, got 'fast'")
        assertError(try SFTRunConfig.parse(yaml: minimalYAML, file: file, overrides: ["train.lr"]),
                    is: "--set train.lr: expected key.path=value")
        assertError(try SFTRunConfig.parse(yaml: minimalYAML, file: file, overrides: ["train..lr=1"]),
                    is: "--set train..lr=1: expected a dotted key path")
        assertError(try SFTRunConfig.parse(yaml: minimalYAML, file: file, overrides: ["train.steps.max=3"]),
                    is: "--set train.steps.max=3: 'train.steps' is not a section")
    }

    // MARK: Writing

    func testYAMLRoundTripsAndReadsWell() throws {
        for yaml in [fullYAML, minimalYAML] {
            let config = try SFTRunConfig.parse(yaml: yaml, file: file)
            let written = config.yaml()
            XCTAssertEqual(try SFTRunConfig.parse(yaml: written, file: "written.yaml"), config, written)
            XCTAssertFalse(written.contains("architectures"), written)
            XCTAssertFalse(written.contains("0000000"), "numbers should be written in their shortest form:\n\(written)")
        }
        let written = try SFTRunConfig.parse(yaml: minimalYAML, file: file).yaml()
        XCTAssertTrue(written.contains("lr: 0.0003\n"), written)

        var fromCheckpoint = SFTRunConfig()
        fromCheckpoint.model = ModelSection(initialization: .checkpoint(path: "null"), seed: UInt64.max)
        (fromCheckpoint.data.train, fromCheckpoint.data.eval) = ("123", "true")
        (fromCheckpoint.train.steps, fromCheckpoint.checkpoint.dir) = (1, "runs/x")
        XCTAssertEqual(try SFTRunConfig.parse(yaml: fromCheckpoint.yaml(), file: "written.yaml"), fromCheckpoint)
    }

    func testLoadReadsFileAndNamesItInErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("runconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("sft.yaml").path
        try minimalYAML.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try SFTRunConfig.load(path: path, overrides: ["train.steps=4"]).train.steps, 4)
        try (minimalYAML + "\nlogging:\n  evry: 3\n").write(toFile: path, atomically: true, encoding: .utf8)
        assertError(try SFTRunConfig.load(path: path), is: "\(path):11: unknown key 'logging.evry' (did you mean 'logging.every'?)")
        assertError(try SFTRunConfig.load(path: directory.appendingPathComponent("missing.yaml").path), is: "missing.yaml: cannot read")
    }

    private func assertError<T>(_ expression: @autoclosure () throws -> T, is expected: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(expected), "'\(error)' does not contain '\(expected)'", file: file, line: line)
        }
    }
}
