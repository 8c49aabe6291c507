import XCTest
import FinchKernels
@testable import FinchModel

/// LoRA through the whole model: adapter gradients against finite differences, a frozen base,
/// adapters that start as the identity, and cached decoding that sees them.
final class LoRAModelTests: XCTestCase {
    /// Every linear layer adapted, with B drawn away from PEFT's zero start so that every path
    /// (A's gradient needs B ≠ 0) carries signal; then the same check as `ModelGradientTests`.
    /// Adapters of std 0.2 keep the loss smooth enough for h = 1e-2 (at 0.5 the truncation error
    /// of the differences alone reached 10%; at 0.2 the worst error measured was under 1%).
    func testAdapterGradientsMatchFiniteDifferencesAndTheBaseStaysFrozen() throws {
        try checkGradients(dropout: 0)
    }

    /// With dropout the masks are a function of the pass's seed, so the loss is a fixed function
    /// of the adapters and its finite differences check the masked backward too.
    func testAdapterGradientsWithDropoutMatchFiniteDifferences() throws {
        try checkGradients(dropout: 0.3)
    }

    private func checkGradients(dropout: Double) throws {
        for (name, config) in TinyConfigs.all {
            let model = try Transformer(config: config, seed: 7)
            for v in model.layout.views where v.shape.count == 2 { for i in 0..<v.count { model.params[v.offset + i] *= 10 } }
            let adapters = try LoRAAdapters(config: LoRAConfig(r: 2, alpha: 6, dropout: dropout, targetModules: [LoRAConfig.allLinear]), model: config, seed: 5)
            var rng = RNG(seed: 4)
            for v in adapters.views { for i in 0..<v.count { adapters.params[v.offset + i] = rng.normal() * 0.2 } }
            model.attach(adapters)
            let before = model.params.array
            let pass = TrainingPass(model: model)
            pass.dropoutSeed = dropout > 0 ? 99 : nil
            let B = 2, T = 5
            let tokens = randomTokens(B * T, vocab: config.vocabSize, rng: &rng)
            var targets = randomTokens(B * T, vocab: config.vocabSize, rng: &rng)
            var weights = [Float](repeating: 1, count: B * T)
            for t in 3..<T { targets[T + t] = -1; weights[T + t] = 0 }
            adapters.grads.zero()
            backpropagateBatchLoss(pass, tokens: tokens, targets: targets, weights: weights, B: B, T: T)
            XCTAssertEqual(model.params.array, before, "\(name): the base changed")

            var worst = 0.0
            let h: Float = 1e-2
            for view in adapters.views {
                var idx = (0..<view.count).sorted { abs(adapters.grads[view.offset + $0]) > abs(adapters.grads[view.offset + $1]) }.prefix(2).map { $0 }
                idx.append(rng.below(view.count))
                for i in idx {
                    let k = view.offset + i, saved = adapters.params[k]
                    adapters.params[k] = saved + h
                    let lPlus = batchLoss(pass, tokens: tokens, targets: targets, weights: weights, B: B, T: T)
                    adapters.params[k] = saved - h
                    let lMinus = batchLoss(pass, tokens: tokens, targets: targets, weights: weights, B: B, T: T)
                    adapters.params[k] = saved
                    let numeric = (lPlus - lMinus) / Double(2 * h), analytic = Double(adapters.grads[k])
                    let err = abs(numeric - analytic) / max(1e-2, abs(numeric) + abs(analytic))
                    worst = max(worst, err)
                    XCTAssertLessThan(err, 5e-2, "\(name) \(view.name)[\(i)]: analytic \(analytic) numeric \(numeric)")
                }
            }
            print("lora \(name) dropout \(dropout): \(adapters.views.count) adapter tensors, max relative error vs finite differences \(worst)")
        }
    }

    /// PEFT's start (B = 0) leaves the model's outputs exactly as the base's; once B moves, cached
    /// decoding gives the distributions of the full pass, adapters included.
    func testAdaptersStartAsTheBaseAndDecodingSeesThem() throws {
        for (name, config) in TinyConfigs.all {
            let base = try Transformer(config: config, seed: 3)
            let adapted = try Transformer(config: config, seed: 3)
            let adapters = try LoRAAdapters(config: LoRAConfig(r: 4, alpha: 8), model: config, seed: 1)
            adapted.attach(adapters)
            var rng = RNG(seed: 2)
            let tokens = randomTokens(6, vocab: config.vocabSize, rng: &rng), targets = randomTokens(6, vocab: config.vocabSize, rng: &rng)
            let start = TrainingPass(model: adapted).forward(tokens: tokens, targets: targets, batch: 1, seqLen: 6).logprobs
            XCTAssertEqual(start, TrainingPass(model: base).forward(tokens: tokens, targets: targets, batch: 1, seqLen: 6).logprobs, name)

            for v in adapters.views { for i in 0..<v.count { adapters.params[v.offset + i] = rng.normal() * 0.3 } }
            let full = TrainingPass(model: adapted).forward(tokens: tokens, targets: targets, batch: 1, seqLen: 6).logprobs
            XCTAssertNotEqual(full, start, "\(name): adapters changed nothing")
            let decoder = IncrementalForward(model: adapted)
            let cache = decoder.makeCache(batch: 1, capacity: 6)
            var worst: Float = 0
            for t in 0..<6 {
                let logits = decoder.step(tokens: [tokens[t]], counts: [1], cache: cache)
                let top = logits.max()!, lse = top + log(logits.reduce(0) { $0 + exp($1 - top) })
                worst = max(worst, abs(logits[Int(targets[t])] - lse - full[t]))
            }
            print("lora \(name): cached decoding against the full pass, max |Δ log p| \(worst)")
            XCTAssertLessThan(worst, 1e-4, name)
        }
    }

    /// Dropout acts only in a pass given a seed: the same seed gives the same output, another seed
    /// another, and no seed the adapters without dropout (evaluation, log-probs, decoding).
    func testDropoutActsOnlyWithASeedAndRepeatsWithIt() throws {
        let config = TinyConfigs.qwen2
        let model = try Transformer(config: config, seed: 3)
        let adapters = try LoRAAdapters(config: LoRAConfig(r: 4, alpha: 8, dropout: 0.5), model: config, seed: 1)
        var rng = RNG(seed: 2)
        for v in adapters.views { for i in 0..<v.count { adapters.params[v.offset + i] = rng.normal() * 0.3 } }
        model.attach(adapters)
        let tokens = randomTokens(6, vocab: config.vocabSize, rng: &rng), targets = randomTokens(6, vocab: config.vocabSize, rng: &rng)
        let pass = TrainingPass(model: model)
        func run(_ seed: UInt64?) -> [Float] {
            pass.dropoutSeed = seed
            return pass.forward(tokens: tokens, targets: targets, batch: 1, seqLen: 6).logprobs
        }
        let plain = run(nil)
        XCTAssertEqual(run(5), run(5))
        XCTAssertNotEqual(run(5), run(6))
        XCTAssertNotEqual(run(5), plain)
        XCTAssertEqual(run(nil), plain)
        let decoder = IncrementalForward(model: model), cache = decoder.makeCache(batch: 1, capacity: 6)
        let logits = decoder.step(tokens: tokens, counts: [1], cache: cache)
        XCTAssertEqual(logits.count, config.vocabSize)  // decoding runs without dropout's buffers
    }

    func testSettingsAreCheckedAgainstTheModel() throws {
        let qwen = TinyConfigs.qwen2
        XCTAssertEqual(try LoRAConfig().adaptedModules(of: qwen).map(\.kind), Array(repeating: [.qProj, .vProj], count: qwen.numLayers).flatMap { $0 })
        XCTAssertEqual(try LoRAConfig().adaptedModules(of: TinyConfigs.gpt2).map(\.name).first, "transformer.h.0.attn.c_attn")
        XCTAssertEqual(try LoRAConfig(targetModules: ["c_proj"]).adaptedModules(of: TinyConfigs.gpt2).count, 2 * TinyConfigs.gpt2.numLayers)
        XCTAssertEqual(try LoRAConfig(targetModules: ["model.layers.0.mlp.down_proj"]).adaptedModules(of: qwen).count, 1)
        func message(_ config: LoRAConfig, _ model: ModelConfig) -> String {
            do { _ = try config.adaptedModules(of: model); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(LoRAConfig(targetModules: ["c_attn"]), qwen).contains("'c_attn' names no module of this qwen2 model"))
        XCTAssertTrue(message(LoRAConfig(r: 0), qwen).contains("lora.r"))
        XCTAssertTrue(message(LoRAConfig(r: 10_000), qwen).contains("exceeds the smaller side"))
        XCTAssertTrue(message(LoRAConfig(targetModules: ["all-linear", "q_proj"]), qwen).contains("stands alone"))
        XCTAssertTrue(message(LoRAConfig(dropout: 1), qwen).contains("lora.dropout"))
        XCTAssertEqual(message(LoRAConfig(dropout: 0.1), qwen), "accepted")
    }
}
