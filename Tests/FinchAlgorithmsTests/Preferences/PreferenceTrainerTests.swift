import XCTest
import FinchData
import FinchKernels
import FinchModel
@testable import FinchAlgorithms
@testable import FinchTrain

/// `finch dpo` and `finch rm` end to end on addition preferences (the right sum chosen over a
/// flawed one): the gradient of each batch loss against finite differences through the whole
/// model, what each learns, and resume repeating the uninterrupted run bit for bit.
final class PreferenceTrainerTests: XCTestCase {
    /// Central differences of the batch loss on entries of every tensor against the gradient
    /// the trainer accumulates. Float32 forwards: the allowed error is 5% plus a rounding floor.
    private func checkGradient(_ name: String, model: Transformer, head: ScoreHead? = nil, loss: () -> Double,
                               accumulate: () -> Void) {
        model.grads.zero()
        head?.grads.zero()
        accumulate()
        let h: Float = 1e-2
        var worst = 0.0
        func check(_ params: FlatBuffer, _ grads: FlatBuffer, _ k: Int, _ what: String) {
            let saved = params[k]
            params[k] = saved + h; let plus = loss()
            params[k] = saved - h; let minus = loss()
            params[k] = saved
            let numeric = (plus - minus) / Double(2 * h), analytic = Double(grads[k])
            let err = abs(numeric - analytic) / (0.05 * (abs(numeric) + abs(analytic)) + 2e-4)
            worst = max(worst, err)
            XCTAssertLessThan(err, 1, "\(name) \(what): analytic \(analytic) numeric \(numeric)")
        }
        for view in model.layout.views {
            for i in [0, view.count / 2, view.count - 1] { check(model.params, model.grads, view.offset + i, "\(view.name)[\(i)]") }
        }
        if let head { for i in [0, head.width / 2, head.width - 1] { check(head.params, head.grads, i, "score.weight[\(i)]") } }
        print("\(name) gradient vs finite differences: worst |Δ| / allowed \(worst)")
    }

    func testDPOBatchGradientMatchesFiniteDifferences() throws {
        let fixture = try PreferenceFixture()
        defer { fixture.remove() }
        for type in ["sigmoid", "ipo", "hinge"] {
            let config = try fixture.config(DPOSection.self, steps: 1, run: "dpo-\(type)",
                                            section: "dpo: {beta: 0.5, loss_type: \(type)}")
            let trainer = try DPOTrainer(config: config, log: { _ in })
            // Move the policy off the reference so that h ≠ 0 and the hinge is active.
            var rng = RNG(seed: 9)
            for i in 0..<trainer.model.params.count { trainer.model.params[i] += 0.05 * rng.normal() }
            let pairs = Array(trainer.train.pairs.prefix(3))
            checkGradient("dpo \(type)", model: trainer.model,
                          loss: { trainer.score(pairs, from: trainer.train, normalizer: 3).metrics.lossSum / 3 },
                          accumulate: { trainer.pass.backward(dlogprobs: trainer.score(pairs, from: trainer.train, normalizer: 3).dlogprobs) })
        }
    }

    func testRewardModelBatchGradientMatchesFiniteDifferences() throws {
        let fixture = try PreferenceFixture()
        defer { fixture.remove() }
        let config = try fixture.config(RMSection.self, steps: 1, run: "rm", section: "rm: {center_rewards_coefficient: 0.1}")
        let trainer = try RewardModelTrainer(config: config, log: { _ in })
        for i in 0..<trainer.head.params.count { trainer.head.params[i] *= 20 }
        let groups = Array(trainer.train.groups.prefix(3))
        checkGradient("reward model", model: trainer.model, head: trainer.head,
                      loss: { trainer.score(groups, normalizer: 3, backward: false).loss },
                      accumulate: { _ = trainer.score(groups, normalizer: 3, backward: true) })
    }

    /// The pairs differ in one digit of a worked sum, which a 2-layer model cannot learn to check
    /// in a unit test's steps; it can learn which of its training pairs' answers is preferred.
    func testDPOLearnsItsTrainingPreferences() throws {
        let fixture = try PreferenceFixture()
        defer { fixture.remove() }
        let trainer = try DPOTrainer(config: fixture.config(DPOSection.self, steps: 100, run: "dpo", eval: "train.jsonl"), log: { _ in })
        let eval = try XCTUnwrap(try trainer.run())
        print("dpo after 100 steps: training-pair loss \(eval.loss), rewards/accuracies \(eval.accuracy), margins \(eval.margin)")
        XCTAssertLessThan(eval.loss, log(2) - 0.05, "DPO loss should fall below log 2 (the reference's)")
        XCTAssertGreaterThan(eval.accuracy, 0.7)
        XCTAssertGreaterThan(eval.margin, 0)
    }

    /// A hidden style preference (more a's) learnt from 256 pairs and checked on 64 held-out
    /// best-of-4 records: both of the log's accuracies, and the normalised saved model.
    func testRewardModelLearnsAStylePreference() throws {
        let fixture = try PreferenceFixture()
        defer { fixture.remove() }
        try fixture.writeStylePreferences("style-train.jsonl", count: 256, seed: 1)
        try fixture.writeStylePreferences("style-eval.jsonl", count: 64, answers: 4, seed: 2)
        let trainer = try RewardModelTrainer(config: fixture.config(RMSection.self, steps: 100, run: "rm", batch: 16, lr: 1e-3,
                                                                    trainFile: "style-train.jsonl", eval: "style-eval.jsonl"),
                                             log: { _ in })
        let eval = try XCTUnwrap(try trainer.run())
        print("rm after 100 steps: held-out loss \(eval.loss), pairwise accuracy \(eval.pairwiseAccuracy), best-of-4 accuracy \(eval.bestOfNAccuracy)")
        XCTAssertGreaterThan(eval.pairwiseAccuracy, 0.8)
        XCTAssertGreaterThan(eval.bestOfNAccuracy, 0.5, "chance is 0.25")
        // The saved model scores as the trainer did, normalised to mean 0, std 1 on the training answers.
        let saved = try RewardModel(directory: fixture.path("rm/step-00000100"))
        let answers = trainer.train.groups.flatMap { $0.answers.map(\.tokens) }
        let scores = saved.scores(answers)
        let mean = scores.reduce(0, +) / Double(scores.count)
        let std = (scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(scores.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 1e-3)
        XCTAssertEqual(std, 1, accuracy: 1e-3)
    }

    /// A reward model as LoRA adapters on a frozen causal LM, with the score head trained whole:
    /// saved in PEFT's SEQ_CLS layout, reloaded with its base, scoring as the trainer did.
    func testLoRARewardModelLearnsAndReloadsWithItsBase() throws {
        let fixture = try PreferenceFixture()
        defer { fixture.remove() }
        try fixture.writeStylePreferences("style-train.jsonl", count: 256, seed: 1)
        try fixture.writeStylePreferences("style-eval.jsonl", count: 64, answers: 4, seed: 2)
        let base = fixture.path("base")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let config = try fixture.config(RMSection.self, steps: 1, run: "unused").model
        guard case let .scratch(architecture) = config.initialization else { return XCTFail("the fixture starts from scratch") }
        let model = try Transformer(config: architecture, seed: 5)
        try SafeTensorsWriter.write(model.namedTensors(model.params), metadata: ["format": "pt"], to: base.appendingPathComponent("model.safetensors"))
        try PolicyFiles.modelConfigJSON(architecture).write(to: base.appendingPathComponent("config.json"))
        try ByteTokenizer().save(to: base)

        let trainer = try RewardModelTrainer(config: fixture.config(RMSection.self, steps: 100, run: "rm-lora", batch: 16, lr: 3e-3,
                                                                    trainFile: "style-train.jsonl", eval: "style-eval.jsonl",
                                                                    overrides: ["model.init=\(base.path)", "model.config=null",
                                                                                "model.lora.r=8", "model.lora.target_modules=all-linear"]),
                                             log: { _ in })
        let eval = try XCTUnwrap(try trainer.run())
        print("lora rm after 100 steps: pairwise accuracy \(eval.pairwiseAccuracy), best-of-4 accuracy \(eval.bestOfNAccuracy); \(trainer.model.trainingSummary)")
        XCTAssertGreaterThan(eval.pairwiseAccuracy, 0.7)
        let step = fixture.path("rm-lora/step-00000100")
        let peft = try AdapterConfigFile.read(from: step)
        XCTAssertEqual(peft.task, .sequenceClassification)
        XCTAssertNotNil(try SafeTensorsFile(url: step.appendingPathComponent("adapter_model.safetensors")).tensor(named: "base_model.model.score.weight"))
        let saved = try RewardModel(directory: step)
        let answers = trainer.train.groups.flatMap { $0.answers.map(\.tokens) }
        let scores = saved.scores(answers)
        let mean = scores.reduce(0, +) / Double(scores.count)
        let std = (scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(scores.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 1e-3, "reloaded, it scores as the trainer normalised it")
        XCTAssertEqual(std, 1, accuracy: 1e-3)
        XCTAssertThrowsError(try AdapterMerge.write(adapter: step, base: nil, out: fixture.path("merged"))) { error in
            XCTAssertTrue("\(error)".contains("SEQ_CLS"), "\(error)")
        }
    }

    func testResumedPreferenceRunsRepeatTheUninterruptedRunBitForBit() throws {
        let fixture = try PreferenceFixture()
        defer { fixture.remove() }
        func check<A: AlgorithmConfig>(_ a: A.Type, make: (RunConfig<A>, String?) throws -> (run: (Int?) throws -> Void, losses: () -> [Int: Double], params: () -> [Float])) throws {
            let whole = try make(try fixture.config(a, steps: 6, run: "\(A.command)-whole"), nil)
            try whole.run(nil)
            let parted = try fixture.config(a, steps: 6, run: "\(A.command)-parted")
            let first = try make(parted, nil)
            try first.run(3)
            let second = try make(parted, "auto")
            try second.run(nil)
            for step in 4...6 { XCTAssertEqual(second.losses()[step], whole.losses()[step], "\(A.command) step \(step)") }
            XCTAssertEqual(second.params(), whole.params(), "\(A.command): final weights differ")
        }
        try check(DPOSection.self) { config, resume in
            let t = try DPOTrainer(config: config, resume: resume, log: { _ in })
            return ({ try t.run(stopAfter: $0) }, { t.losses }, { Array(t.model.params.buffer) })
        }
        try check(RMSection.self) { config, resume in
            let t = try RewardModelTrainer(config: config, resume: resume, log: { _ in })
            return ({ try t.run(stopAfter: $0) }, { t.losses }, { Array(t.model.params.buffer) + Array(t.head.params.buffer) })
        }
    }
}

/// Bad preference files stop a run before anything is written, naming the file and line.
final class PreferenceFileErrorTests: XCTestCase {
    func testBadPreferenceFilesNameFileAndLineAndWriteNothing() throws {
        let fixture = try PreferenceFixture()
        defer { fixture.remove() }
        let good = #"{"prompt": "1+1=", "completions": ["2 ok", "3 ok"], "best": 0}"#
        let cases: [(Data, String)] = [
            (Data((good + "\n" + #"{"prompt": "1+1=", "completions": ["2 ok", "3 ok"]}"#).utf8), #"missing integer key "best""#),
            (Data((good + "\n" + #"{"prompt": "1+1=", "completions": ["2 ok", "3 ok"], "best": 4}"#).utf8), #""best" is 4"#),
            (Data((good + "\n" + #"{"prompt": "1+1=", "completions": ["2 ok"], "best": 0}"#).utf8), "at least 2 answers"),
            (Data((good + "\n").utf8) + Data([0x7B, 0x22, 0x70, 0xFF, 0xFE, 0x22, 0x7D, 0x0A]), ":2:"),
        ]
        for (index, (contents, expected)) in cases.enumerated() {
            let name = "bad-\(index).jsonl"
            try contents.write(to: fixture.path(name))
            for make in [{ try DPOTrainer(config: fixture.config(DPOSection.self, steps: 1, run: "dpo-\(index)", trainFile: name), log: { _ in }) as Any },
                         { try RewardModelTrainer(config: fixture.config(RMSection.self, steps: 1, run: "rm-\(index)", trainFile: name), log: { _ in }) as Any }] {
                XCTAssertThrowsError(try make()) { error in
                    XCTAssertTrue("\(error)".contains("\(name):2"), "\(error)")
                    XCTAssertTrue("\(error)".contains(expected), "'\(error)' lacks '\(expected)'")
                }
            }
            for run in ["dpo-\(index)", "rm-\(index)"] {
                XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.path(run).path), "\(run) was created")
            }
        }
    }
}
