import XCTest
import FinchData
import FinchModel
@testable import FinchAlgorithms
@testable import FinchTrain

/// SFT with `model.lora`: only the adapters learn, checkpoints hold PEFT's files and resume bit
/// for bit, and the saved adapters reload (attached, or merged into the base) to the same model.
final class LoRASFTTests: XCTestCase {
    private var fixture: SFTFixture!
    private var base: URL!

    /// A base that has learnt one-digit addition, and data that asks it for the sum plus one: what
    /// the adapters must learn. (Adapters on a random base barely learn: its frozen embeddings of
    /// std 0.02 bound every logit below about 0.3, whatever the blocks compute.)
    override func setUpWithError() throws {
        fixture = try SFTFixture()
        try SFTTrainer(config: try fixture.config(steps: 150, every: 0, run: "base", overrides: ["train.lr=1e-2"]), log: { _ in }).run()
        base = fixture.path("base/step-00000150")
        let lines = (0..<10).flatMap { a in (0..<10).map { b in "{\"prompt\": \"\(a)+\(b)=\", \"completion\": \"\(a + b + 1)\"}" } }
        try (lines.joined(separator: "\n") + "\n").write(to: fixture.path("plus-one.jsonl"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { fixture.remove() }

    private func loraConfig(steps: Int, every: Int, run: String, extra: [String] = []) throws -> SFTRunConfig {
        try fixture.config(steps: steps, every: every, run: run, overrides: [
            "model.init=\(base.path)", "model.config=null", "model.lora.r=4", "model.lora.alpha=8",
            "model.lora.target_modules=all-linear", "train.lr=3e-2",
            "data.train=\(fixture.path("plus-one.jsonl").path)", "data.eval=\(fixture.path("plus-one.jsonl").path)",
        ] + extra)
    }

    func testOnlyTheAdaptersLearnAndTheCheckpointIsPEFTs() throws {
        let trainer = try SFTTrainer(config: try loraConfig(steps: 100, every: 0, run: "lora"), log: { _ in })
        let baseWeights = trainer.model.params.array
        try trainer.run()
        print("lora sft: loss \(trainer.losses[1]!) -> \(trainer.losses[100]!); \(trainer.model.trainingSummary)")
        XCTAssertLessThan(trainer.losses[100]!, trainer.losses[1]! / 3, "the adapters should learn")
        XCTAssertEqual(trainer.model.params.array, baseWeights, "the base must stay frozen")

        let step = fixture.path("lora/step-00000100")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: step.path))
        XCTAssertTrue(files.isSuperset(of: ["adapter_config.json", "adapter_model.safetensors", "config.json", "tokenizer.json"]), "\(files)")
        XCTAssertFalse(files.contains("model.safetensors"), "a LoRA checkpoint keeps the adapters only")
        let adapterFile = try SafeTensorsFile(url: step.appendingPathComponent("adapter_model.safetensors"))
        XCTAssertTrue(adapterFile.names.allSatisfy { $0.hasPrefix("base_model.model.transformer.h.") && $0.contains(".lora_") })
        XCTAssertEqual(adapterFile.names.count, 2 * 4 * 2)  // A and B × 4 modules × 2 layers
        let peftConfig = try AdapterConfigFile.read(from: step)
        XCTAssertEqual(peftConfig.baseModel, base.standardizedFileURL.path)
        XCTAssertEqual(peftConfig.lora.r, 4)

        // Reloaded from its directory (base + adapters) it computes what the trainer's model does;
        // merged into the base, the same up to rounding.
        let tokens: [Int32] = Array("1+2=3".utf8).map(Int32.init), targets = Array(tokens.dropFirst()) + [257]
        let trained = TrainingPass(model: trainer.model).forward(tokens: tokens, targets: targets, batch: 1, seqLen: tokens.count).logprobs
        let reloaded = try LoadedPolicy(checkpoint: step)
        XCTAssertNotNil(reloaded.model.lora)
        XCTAssertEqual(TrainingPass(model: reloaded.model).forward(tokens: tokens, targets: targets, batch: 1, seqLen: tokens.count).logprobs, trained)
        reloaded.model.mergeAdapters()
        XCTAssertNil(reloaded.model.lora)
        let merged = TrainingPass(model: reloaded.model).forward(tokens: tokens, targets: targets, batch: 1, seqLen: tokens.count).logprobs
        let worst = zip(merged, trained).map { abs($0 - $1) }.max()!
        print("lora sft: merged against attached, max |Δ log p| \(worst)")
        XCTAssertLessThan(worst, 1e-5)
        XCTAssertNotEqual(reloaded.model.params.array, baseWeights, "merging changes the base weights")
    }

    /// `finch merge`: the merged directory is a plain model that computes what base + adapters do.
    func testMergeWritesAPlainModelDirectoryThatComputesTheAdaptedModel() throws {
        let trainer = try SFTTrainer(config: try loraConfig(steps: 6, every: 0, run: "lora"), log: { _ in })
        try trainer.run()
        let step = fixture.path("lora/step-00000006"), out = fixture.path("merged")
        try AdapterMerge.write(adapter: step, base: nil, out: out)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        XCTAssertEqual(files, ["config.json", "model.safetensors", "tokenizer.json"])
        let merged = try LoadedPolicy(checkpoint: out)
        XCTAssertNil(merged.model.lora)
        let tokens: [Int32] = Array("4+5=10".utf8).map(Int32.init), targets = Array(tokens.dropFirst()) + [257]
        func logProbs(_ model: Transformer) -> [Float] {
            TrainingPass(model: model).forward(tokens: tokens, targets: targets, batch: 1, seqLen: tokens.count).logprobs
        }
        let worst = zip(logProbs(merged.model), logProbs(trainer.model)).map { abs($0 - $1) }.max()!
        print("finch merge: merged directory against base + adapters, max |Δ log p| \(worst)")
        XCTAssertLessThan(worst, 1e-5)
        XCTAssertThrowsError(try AdapterMerge.write(adapter: step, base: nil, out: out)) { error in
            XCTAssertTrue("\(error)".contains("already exists and is not empty"), "\(error)")
        }
    }

    func testResumedLoRARunRepeatsTheUninterruptedRunBitForBit() throws {
        try checkResume(run: "plain", extra: [])
    }

    /// Dropout masks depend on the step and rank only, so a resumed run draws the same ones.
    func testResumedLoRARunWithDropoutRepeatsTheUninterruptedRunBitForBit() throws {
        try checkResume(run: "dropout", extra: ["model.lora.dropout=0.2"])
        let withDropout = try SFTTrainer(config: try loraConfig(steps: 2, every: 0, run: "d2", extra: ["model.lora.dropout=0.2"]), log: { _ in })
        let without = try SFTTrainer(config: try loraConfig(steps: 2, every: 0, run: "d0"), log: { _ in })
        try withDropout.run()
        try without.run()
        XCTAssertNotEqual(withDropout.losses[2], without.losses[2], "dropout should change the second step's loss")
    }

    private func checkResume(run: String, extra: [String]) throws {
        let full = try SFTTrainer(config: try loraConfig(steps: 8, every: 3, run: "\(run)-full", extra: extra), log: { _ in })
        try full.run()
        let resumed = fixture.path("\(run)-resumed")
        try FileManager.default.createDirectory(at: resumed, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture.path("\(run)-full/step-00000003"), to: resumed.appendingPathComponent("step-00000003"))
        let second = try SFTTrainer(config: try loraConfig(steps: 8, every: 3, run: "\(run)-resumed", extra: extra), resume: "auto", log: { _ in })
        XCTAssertEqual(second.state.step, 3)
        try second.run()
        for step in 4...8 { XCTAssertEqual(full.losses[step]?.bitPattern, second.losses[step]?.bitPattern, "\(run) step \(step)") }
        XCTAssertEqual(full.model.lora!.params.array, second.model.lora!.params.array, run)
    }

    func testResumingAcrossFullAndLoRATrainingIsRefused() throws {
        try SFTTrainer(config: try loraConfig(steps: 2, every: 0, run: "lora"), log: { _ in }).run()
        let full = try fixture.config(steps: 4, every: 0, run: "lora", overrides: ["model.init=\(base.path)", "model.config=null"])
        XCTAssertThrowsError(try SFTTrainer(config: full, resume: "auto", log: { _ in })) { error in
            XCTAssertTrue("\(error)".contains("holds LoRA adapters, but this run trains every weight"), "\(error)")
        }
    }

    func testLoRAWithoutABaseOrOnAMissingModuleIsRefusedByKey() throws {
        XCTAssertThrowsError(try fixture.config(steps: 2, every: 0, run: "x", overrides: ["model.lora.r=4"])) { error in
            XCTAssertTrue("\(error)".contains("model.lora': needs model.init to be a model or checkpoint directory"), "\(error)")
        }
        let wrongModule = try fixture.config(steps: 2, every: 0, run: "x", overrides: [
            "model.init=\(base.path)", "model.config=null", "model.lora.r=4", "model.lora.target_modules=q_proj"])
        XCTAssertThrowsError(try SFTTrainer(config: wrongModule, log: { _ in })) { error in
            XCTAssertTrue("\(error)".contains("'lora.target_modules': 'q_proj' names no module of this gpt2 model"), "\(error)")
        }
    }
}
