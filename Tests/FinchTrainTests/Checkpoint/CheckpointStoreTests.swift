import FinchKernels
import FinchModel
import Foundation
import XCTest
@testable import FinchAlgorithms
@testable import FinchTrain

final class CheckpointStoreTests: XCTestCase {
    private struct ResumeState: Codable, Equatable {
        var rng: RNG
        var tokensSeen: Int
        var loss: Double
    }

    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoints-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        if FileManager.default.fileExists(atPath: root.path) { try FileManager.default.removeItem(at: root) }
    }

    // MARK: Round trip

    func testSaveThenLoadReturnsEverythingSaved() throws {
        var rng = RNG(seed: 42)
        _ = rng.next()
        let state = ResumeState(rng: rng, tokensSeen: 123_456, loss: 2.345678901234)
        let weights: [Float] = (0..<6).map { Float($0) / 3 }
        let bias: [Float] = [0.5, -0.25, 8, 1e-7]
        let moments: [Float] = weights.map { $0 * $0 }
        let store = CheckpointStore(root: root, keepLast: 3)
        let modelConfig = Data(#"{"model_type":"gpt2","n_embd":4}"#.utf8)
        let tokenizer = Data(#"{"model":{"type":"BPE"}}"#.utf8)

        let directory = try weights.withUnsafeBufferPointer { w in
            try bias.withUnsafeBufferPointer { b in
                try moments.withUnsafeBufferPointer { m in
                    try store.save(step: 7,
                                   model: [.init(name: "wte.weight", shape: [2, 3], data: w), .init(name: "ln_f.bias", shape: [4], data: b)],
                                   optimizer: [.init(name: "exp_avg.wte.weight", shape: [2, 3], data: m)],
                                   trainerState: state, runConfigYAML: "train:\n  steps: 10\n",
                                   modelConfigJSON: modelConfig, extraFiles: [("tokenizer.json", tokenizer)])
                }
            }
        }
        XCTAssertEqual(directory.lastPathComponent, "step-00000007")
        XCTAssertEqual(try latestPointer(), "step-00000007")

        let resume = try store.resolve(resume: "auto")
        XCTAssertEqual(resume.checkpoint?.lastPathComponent, "step-00000007")
        XCTAssertEqual(resume.skipped, [])
        let loaded = try LoadedCheckpoint<ResumeState>(directory: try XCTUnwrap(resume.checkpoint))
        XCTAssertEqual(loaded.step, 7)
        XCTAssertEqual(loaded.state, state)
        XCTAssertEqual(loaded.model.names, ["wte.weight", "ln_f.bias"])
        XCTAssertEqual(try loaded.model.floats("wte.weight"), weights)
        XCTAssertEqual(try loaded.model.floats("ln_f.bias"), bias)
        XCTAssertEqual(loaded.model.metadata["format"], "pt")
        XCTAssertEqual(try loaded.optimizer.floats("exp_avg.wte.weight"), moments)
        XCTAssertEqual(loaded.runConfigYAML, "train:\n  steps: 10\n")
        XCTAssertEqual(loaded.modelConfigJSON, modelConfig)
        XCTAssertEqual(loaded.extraFiles, ["tokenizer.json": tokenizer])

        let stateJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("trainer_state.json"))) as? [String: Any]
        XCTAssertEqual(stateJSON?["format_version"] as? Int, 1)
        XCTAssertEqual(stateJSON?["step"] as? Int, 7)
    }

    func testResavingAStepReplacesIt() throws {
        let store = CheckpointStore(root: root, keepLast: 0)
        try save(store, step: 3, value: 1)
        try save(store, step: 3, value: 2)
        let loaded = try LoadedCheckpoint<Int>(directory: root.appendingPathComponent("step-00000003"))
        XCTAssertEqual(try loaded.model.floats("w"), [2, 2])
        XCTAssertEqual(try visibleEntries(), ["latest", "step-00000003"])
    }

    func testExtraFilesMayNotShadowCheckpointFiles() throws {
        let store = CheckpointStore(root: root, keepLast: 0)
        XCTAssertThrowsError(try save(store, step: 1, value: 0, extra: [("config.json", Data())])) { error in
            XCTAssertTrue("\(error)".contains("'config.json'"), "\(error)")
        }
        XCTAssertThrowsError(try save(store, step: 1, value: 0, extra: [("../escape", Data())]))
    }

    func testNonFiniteTrainerStateValuesSurvive() throws {
        let store = CheckpointStore(root: root, keepLast: 0)
        let values: [Float] = [1]
        let directory = try values.withUnsafeBufferPointer { buffer in
            try store.save(step: 1, model: [.init(name: "w", shape: [1], data: buffer)], optimizer: [],
                           trainerState: ["loss": Double.nan, "best": -Double.infinity], runConfigYAML: "",
                           modelConfigJSON: Data("{}".utf8))
        }
        let state = try LoadedCheckpoint<[String: Double]>(directory: directory).state
        XCTAssertEqual(state["loss"]?.isNaN, true)
        XCTAssertEqual(state["best"], -.infinity)
    }

    func testFailedSaveLeavesNothingBehind() throws {
        let store = CheckpointStore(root: root, keepLast: 0)
        let values: [Float] = [1, 2, 3]
        XCTAssertThrowsError(try values.withUnsafeBufferPointer { buffer in
            try store.save(step: 1, model: [.init(name: "w", shape: [2], data: buffer)], optimizer: [],
                           trainerState: 0, runConfigYAML: "", modelConfigJSON: Data())
        }) { error in
            XCTAssertTrue("\(error)".contains("model.safetensors"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), [])
    }

    // MARK: Crashes and damage

    func testAutoResumeSkipsUnfinishedAndDamagedCheckpoints() throws {
        let store = CheckpointStore(root: root, keepLast: 0)
        try save(store, step: 1, value: 1)
        try save(store, step: 2, value: 2)
        let good = root.appendingPathComponent("step-00000002")

        // A save that died while writing: only its staging directory exists.
        let staging = root.appendingPathComponent(".tmp-step-00000003-4242")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: staging.appendingPathComponent("model.safetensors"))
        // A checkpoint whose weights were truncated afterwards (disk full, partial copy).
        let truncated = try copyCheckpoint(good, toStep: 4)
        try truncate(truncated.appendingPathComponent("model.safetensors"), by: 4)
        // A checkpoint directory whose manifest never got written.
        let unfinished = try copyCheckpoint(good, toStep: 5)
        try FileManager.default.removeItem(at: unfinished.appendingPathComponent("manifest.json"))
        // A checkpoint with a flipped byte but the right size.
        let corrupted = try copyCheckpoint(good, toStep: 6)
        try flipLastByte(of: corrupted.appendingPathComponent("optimizer.safetensors"))

        let resume = try store.resolve(resume: "auto")
        XCTAssertEqual(resume.checkpoint?.lastPathComponent, "step-00000002")
        XCTAssertEqual(resume.skipped.count, 3)
        assertMentions(resume.skipped[0], ["step-00000006", "optimizer.safetensors", "checksum"])
        assertMentions(resume.skipped[1], ["step-00000005", "manifest.json", "missing"])
        assertMentions(resume.skipped[2], ["step-00000004", "model.safetensors", "size"])

        assertThrows(try store.resolve(resume: truncated.path), mentions: ["step-00000004/model.safetensors", "size"])
        assertThrows(try store.resolve(resume: unfinished.path), mentions: ["step-00000005/manifest.json", "missing"])
        assertThrows(try store.resolve(resume: corrupted.path), mentions: ["step-00000006/optimizer.safetensors", "checksum"])
        assertThrows(try store.resolve(resume: staging.path), mentions: [staging.path, "manifest.json"])
        assertThrows(try LoadedCheckpoint<Int>(directory: truncated), mentions: ["step-00000004/model.safetensors"])
        XCTAssertEqual(try store.resolve(resume: good.path).checkpoint, good)
    }

    func testAutoResumeWithNothingSavedStartsFresh() throws {
        let resume = try CheckpointStore(root: root, keepLast: 1).resolve(resume: "auto")
        XCTAssertNil(resume.checkpoint)
        XCTAssertEqual(resume.skipped, [])
        assertThrows(try CheckpointStore(root: root, keepLast: 1).resolve(resume: root.appendingPathComponent("nope").path),
                     mentions: ["nope", "no such checkpoint directory"])
    }

    func testTrainerStateOfAnotherFormatVersionIsRefused() throws {
        let store = CheckpointStore(root: root, keepLast: 0)
        let directory = try save(store, step: 1, value: 1)
        let stateURL = directory.appendingPathComponent("trainer_state.json")
        let text = try String(contentsOf: stateURL, encoding: .utf8).replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 9")
        XCTAssertTrue(text.contains("\"format_version\" : 9"))
        try Data(text.utf8).write(to: stateURL)
        // Rewrite the manifest so only the version, not the checksum, is at fault.
        let manifest = try CheckpointManifest.describing([CheckpointLayout.modelFile] + CheckpointLayout.requiredFiles, in: directory, step: 1)
        try manifest.encoded().write(to: directory.appendingPathComponent("manifest.json"))
        assertThrows(try LoadedCheckpoint<Int>(directory: directory), mentions: ["trainer_state.json", "format_version 9"])
    }

    // MARK: Retention

    func testRetentionKeepsNewestCompleteCheckpointsAndClearsLeftovers() throws {
        let store = CheckpointStore(root: root, keepLast: 2)
        try save(store, step: 1, value: 1)
        try FileManager.default.createDirectory(at: root.appendingPathComponent(".tmp-step-00000002-77"), withIntermediateDirectories: true)
        for step in 2...5 { try save(store, step: step, value: Float(step)) }
        XCTAssertEqual(try visibleEntries(), ["latest", "step-00000004", "step-00000005"])
        XCTAssertEqual(try hiddenEntries(), [])
        XCTAssertEqual(try latestPointer(), "step-00000005")

        // A damaged newer directory is left alone and does not count toward the two kept.
        let damaged = try copyCheckpoint(root.appendingPathComponent("step-00000005"), toStep: 9)
        try FileManager.default.removeItem(at: damaged.appendingPathComponent("manifest.json"))
        try save(store, step: 6, value: 6)
        XCTAssertEqual(try visibleEntries(), ["latest", "step-00000005", "step-00000006", "step-00000009"])
        XCTAssertEqual(try latestPointer(), "step-00000006")
    }

    func testKeepLastZeroKeepsEverything() throws {
        let store = CheckpointStore(root: root, keepLast: 0)
        for step in [10, 20, 30] { try save(store, step: step, value: 0) }
        XCTAssertEqual(try visibleEntries(), ["latest", "step-00000010", "step-00000020", "step-00000030"])
    }

    // MARK: Helpers

    @discardableResult
    private func save(_ store: CheckpointStore, step: Int, value: Float,
                      extra: [(name: String, contents: Data)] = []) throws -> URL {
        let weights: [Float] = [value, value]
        return try weights.withUnsafeBufferPointer { buffer in
            try store.save(step: step, model: [.init(name: "w", shape: [2], data: buffer)],
                           optimizer: [.init(name: "exp_avg.w", shape: [2], data: buffer)],
                           trainerState: step * 100, runConfigYAML: "steps: \(step)\n",
                           modelConfigJSON: Data("{}".utf8), extraFiles: extra)
        }
    }

    private func copyCheckpoint(_ source: URL, toStep step: Int) throws -> URL {
        let destination = root.appendingPathComponent(String(format: "step-%08d", step))
        try FileManager.default.copyItem(at: source, to: destination)
        return destination
    }

    private func truncate(_ url: URL, by count: Int) throws {
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(size - count))
        try handle.close()
    }

    private func flipLastByte(of url: URL) throws {
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[bytes.count - 1] ^= 0xFF
        try Data(bytes).write(to: url)
    }

    private func latestPointer() throws -> String {
        try String(contentsOf: root.appendingPathComponent("latest"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func visibleEntries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    private func hiddenEntries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasPrefix(".") }.sorted()
    }

    private func assertMentions(_ message: String, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        for fragment in fragments {
            XCTAssertTrue(message.contains(fragment), "'\(message)' does not mention '\(fragment)'", file: file, line: line)
        }
    }

    private func assertThrows<T>(_ expression: @autoclosure () throws -> T, mentions fragments: [String],
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            assertMentions("\(error)", fragments, file: file, line: line)
        }
    }
}
