import Foundation
import FinchModel
import XCTest
@testable import FinchAlgorithms
@testable import FinchTrain

/// The key declarations are the single source of truth: every stored setting is declared, each
/// command accepts only the keys it reads, every recipe loads, and the docs list what is declared.
final class ConfigDeclarationTests: XCTestCase {
    private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A stored property without a key would be a setting the file cannot change (and the
    /// checker would not know); Mirror sees every stored property, so count them.
    func testEveryStoredSettingIsDeclaredAsAKey() {
        func stored<T>(_ value: T) -> [String] { Mirror(reflecting: value).children.compactMap(\.label) }
        XCTAssertEqual(stored(TrainSection()).count, TrainSection.keys.count)
        XCTAssertEqual(stored(DataSection()).count, DataSection.keys.count)
        XCTAssertEqual(stored(CheckpointSection()).count, CheckpointSection.keys.count)
        XCTAssertEqual(stored(LoggingSection()).count, LoggingSection.keys.count)
        XCTAssertEqual(stored(DistributedSection()).count, DistributedSection.keys.count)
        XCTAssertEqual(stored(ModelSection()).count, ModelSection.keys.count)
        XCTAssertEqual(stored(GRPOSettings()).count, GRPOSettings.keys.count)
        XCTAssertEqual(stored(PPOSettings()).count, PPOSettings.keys.count)
        // rl: its own keys, plus GRPO's and PPO's stored in two nested settings.
        XCTAssertEqual(stored(RLSection()).count - 2 + GRPOSettings.keys.count + PPOSettings.keys.count, RLSection.keys.count)
        let names = RLSection.keys.map(\.name)
        XCTAssertEqual(names.count, Set(names).count, "two rl keys share a name")
    }

    /// Each key the family list declares is read by `ModelConfig`: setting it to a
    /// non-default value changes the decoded config (model_type chooses the family).
    func testEveryDeclaredModelKeyIsRead() throws {
        let bases: [ModelConfig.Family: [String: Any]] = [
            .gpt2: ["model_type": "gpt2", "vocab_size": 300, "n_embd": 32, "n_layer": 2, "n_head": 4],
            .llama: ["model_type": "llama", "vocab_size": 300, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4],
            .qwen2: ["model_type": "qwen2", "vocab_size": 300, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4],
        ]
        func decode(_ json: [String: Any]) throws -> ModelConfig {
            try JSONDecoder().decode(ModelConfig.self, from: JSONSerialization.data(withJSONObject: json))
        }
        for (family, base) in bases {
            let plain = try decode(base)
            for key in ModelConfig.hfKeys(for: family) where key.name != ModelConfig.modelTypeKey {
                let values: [Any]
                switch key.kind {
                case .integer: values = [(base[key.name] as? Int).map { $0 * 2 } ?? 2]
                case .positiveNumber: values = [0.125]
                case .boolean: values = [true, false]
                case .string: continue
                case .object: values = [["rope_theta": 0.125]]
                }
                let decoded = try values.map { value -> ModelConfig in
                    var changed = base
                    changed[key.name] = value
                    return try decode(changed)
                }
                XCTAssertTrue(decoded.contains { $0 != plain }, "\(family) reads no '\(key.name)'")
            }
        }
    }

    /// transformers 5 writes θ only under rope_parameters; a scaled rope is refused, not run unscaled.
    func testRopeParametersAreReadAndScaledRopeIsRefused() throws {
        func config(_ rope: String) throws -> ModelConfig {
            let json = #"{"model_type": "llama", "vocab_size": 300, "hidden_size": 32, "num_hidden_layers": 2, "#
                + #""num_attention_heads": 4, "rope_parameters": "# + rope + "}"
            return try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
        }
        XCTAssertEqual(try config(#"{"rope_type": "default", "rope_theta": 500000.0}"#).ropeTheta, 500_000)
        XCTAssertThrowsError(try config(#"{"rope_type": "yarn", "rope_theta": 500000.0, "factor": 4}"#)) {
            XCTAssertTrue("\($0)".contains("rope_parameters.rope_type"), "\($0)")
        }
    }

    func testCommandsRefuseKeysTheyWouldIgnore() {
        let sft = """
        model: {init: scratch, config: {vocab_size: 300, n_embd: 32, n_layer: 2, n_head: 4}}
        data: {train: t.jsonl}
        train: {steps: 1}
        checkpoint: {dir: runs/x}
        """
        let rl = sft + "\nrl: {algorithm: grpo, task: countdown}"
        assertError(try SFTRunConfig.parse(yaml: sft + "\ndistributed: {rollout_workers: 2}", file: "f"),
                    "f:5: key 'distributed.rollout_workers' is not used by finch sft")
        assertError(try SFTRunConfig.parse(yaml: rl, file: "f"), "f:5: unknown key 'rl'")
        assertError(try RLRunConfig.parse(yaml: sft, file: "f"), "missing required key 'rl'")
        assertError(try RLRunConfig.parse(yaml: rl, file: "f", overrides: ["train.batch_size=8"]),
                    "--set train.batch_size=8: key 'train.batch_size' is not used by finch rl: an RL step's batch is rl.prompts_per_step")
        assertError(try RLRunConfig.parse(yaml: rl, file: "f", overrides: ["data.max_length=64"]), "is not used by finch rl")
        assertError(try RLRunConfig.parse(yaml: rl, file: "f", overrides: ["rl.gamma=0.9"]),
                    "key 'rl.gamma' applies only when rl.algorithm is ppo, not grpo")
        assertError(try RLRunConfig.parse(yaml: rl, file: "f", overrides: ["rl.algorithm=ppo", "rl.scale_by_group_std=false"]),
                    "key 'rl.scale_by_group_std' applies only when rl.algorithm is grpo, not ppo")
        XCTAssertNoThrow(try RLRunConfig.parse(yaml: rl, file: "f", overrides: ["rl.algorithm=ppo", "rl.gamma=0.9"]))
        // What a command refuses it does not write either, so a checkpoint's config.yaml reads back.
        let written = (try? RLRunConfig.parse(yaml: rl, file: "f"))?.yaml() ?? ""
        XCTAssertFalse(written.contains("batch_size") || written.contains("max_length"), written)
    }

    /// Every recipe in configs/ loads strictly as the command its header runs, and writes YAML
    /// that reads back to the same config.
    func testEveryRecipeLoadsAndRoundTrips() throws {
        let dir = packageRoot.appendingPathComponent("configs")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 7)
        for name in files {
            let path = dir.appendingPathComponent(name).path
            let checked = try AlgorithmConfigs.check(path: path)
            let header = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertTrue(header.contains(checked.command), "\(name) loads as \(checked.command), which its header does not run")
            func roundTrips<A: AlgorithmConfig>(_: A.Type) throws {
                XCTAssertEqual(try RunConfig<A>.parse(yaml: checked.yaml, file: name), try RunConfig<A>.load(path: path), name)
            }
            switch checked.command {
            case RLSection.command: try roundTrips(RLSection.self)
            case DPOSection.command: try roundTrips(DPOSection.self)
            case RMSection.command: try roundTrips(RMSection.self)
            default: try roundTrips(SFTSection.self)
            }
        }
    }

    /// docs/recipes.md carries the key table made from the declarations (`finch config keys`).
    func testRecipesDocListsEveryDeclaredKey() throws {
        let doc = try String(contentsOf: packageRoot.appendingPathComponent("docs/recipes.md"), encoding: .utf8)
        let table = AlgorithmConfigs.keyTable
        XCTAssertTrue(doc.contains(table), "docs/recipes.md's key table is out of date; replace it with `finch config keys`:\n\(table)")
        XCTAssertTrue(table.contains("| `rl.gamma` |") && table.contains("rl (ppo)"), table)
        XCTAssertFalse(table.contains("| `rl.gamma` | a number in [0, 1] | `1.0` | sft"), table)
    }

    private func assertError<T>(_ expression: @autoclosure () throws -> T, _ expected: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(expected), "'\(error)' does not contain '\(expected)'", file: file, line: line)
        }
    }
}
