import XCTest
import FinchData
import FinchDistributed
import FinchKernels
import FinchModel
import FinchTestSupport
@testable import FinchAlgorithms
import FinchTrain

/// Sample effect (arXiv 2505.17988): ⟨g(x), ḡ⟩, g = ∇θ mean log p of x's trained tokens.
final class SampleEffectTests: XCTestCase {
    /// The inner products, the target's mean and the length and log-prob columns against a direct
    /// Float64 computation from each example's own gradient, taken one by one with TrainingPass.
    func testEffectsEqualFloat64InnerProductsOfPerSampleGradients() throws {
        let model = try SampleEffectFixture.model()
        let samples = SampleEffectFixture.examples(count: 6, seed: 1), target = SampleEffectFixture.examples(count: 4, seed: 2)
        let effects = try sampleEffects(model: model, samples: samples, target: target, maxLength: 24)

        let targetGradients = try target.map { try SampleEffectFixture.gradient(of: $0, model: model).g }
        let mean = (0..<targetGradients[0].count).map { k in targetGradients.reduce(0.0) { $0 + $1[k] } / Double(target.count) }
        var worst = 0.0
        for (i, sample) in samples.enumerated() {
            let (g, logprob, tokens) = try SampleEffectFixture.gradient(of: sample, model: model)
            let expected = zip(g, mean).reduce(0.0) { $0 + $1.0 * $1.1 }
            let norm = g.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            // Both sides sum the same Float gradients in Double: only the summation order differs.
            let error = abs(effects[i].effect - expected) / max(abs(expected), 1e-12)
            worst = max(worst, error)
            XCTAssertLessThan(error, 1e-6, "sample \(i): effect \(effects[i].effect), Float64 reference \(expected)")
            XCTAssertEqual(effects[i].gradNorm, norm, accuracy: 1e-9 * norm)
            XCTAssertEqual(effects[i].logprob, logprob, accuracy: 1e-9 * abs(logprob))
            XCTAssertEqual(effects[i].tokens, tokens)
        }
        print("sample effect vs Float64 inner products: max relative difference \(worst); effects \(effects.map(\.effect))")
        XCTAssertEqual(Set(effects.map(\.effect)).count, samples.count, "every sample has an effect of its own")
    }

    /// What the effect means: one SGD step of size h on sample x raises the target's mean
    /// log-likelihood J by h·effect(x) to first order. Checked by central differences of J, in
    /// Double sums of the Float forward pass, along each sample's own gradient.
    func testEffectIsTheFirstOrderGainOfTheTargetFromOneStepOnTheSample() throws {
        let model = try SampleEffectFixture.model()
        let samples = SampleEffectFixture.examples(count: 4, seed: 3), target = SampleEffectFixture.examples(count: 5, seed: 4)
        let effects = try sampleEffects(model: model, samples: samples, target: target, maxLength: 24)
        let pass = TrainingPass(model: model)
        func objective() -> Double {
            target.reduce(0.0) { sum, ex in
                let batch = TokenBatch(examples: [ex], length: .longest(cappedAt: 24), padID: 0)
                let lp = pass.forward(tokens: batch.inputs, targets: batch.targets, batch: 1, seqLen: batch.seqLen).logprobs
                let s = zip(lp, batch.weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                return sum + s / Double(batch.weights.reduce(0, +))
            } / Double(target.count)
        }
        var worst = 0.0
        for (i, sample) in samples.enumerated() {
            let g = try SampleEffectFixture.gradient(of: sample, model: model).g
            let norm = g.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            let h = 1e-2 / norm  // a step of 1e-2 in weight space
            let saved = (0..<model.parameterCount).map { model.params[$0] }
            func step(_ scale: Double) { for k in 0..<g.count { model.params[k] = saved[k] + Float(scale * g[k]) } }
            step(h); let plus = objective()
            step(-h); let minus = objective()
            for k in 0..<g.count { model.params[k] = saved[k] }
            let numeric = (plus - minus) / (2 * h)
            // Central differences resolve a few per cent here; the floor covers the Float noise of J.
            let error = abs(numeric - effects[i].effect) / max(abs(numeric) + abs(effects[i].effect), 1e-3 * norm)
            worst = max(worst, error)
            XCTAssertLessThan(error, 3e-2, "sample \(i): effect \(effects[i].effect), finite differences \(numeric)")
        }
        print("sample effect vs finite differences of the target's log-likelihood: max relative error \(worst)")
    }

    func testEmptyTargetIsRefused() throws {
        XCTAssertThrowsError(try sampleEffects(model: try SampleEffectFixture.model(), samples: SampleEffectFixture.examples(count: 1, seed: 1),
                                               target: [], maxLength: 24))
    }

    func testRanksScoreTheirSharesAndAgreeWithOneProcess() {
        for ranks in [2, 3] {
            MPITestHarness.assertInnerTestsPass([MPITestHarness.testName(SampleEffectOnRanks.self)], processCount: ranks)
        }
    }
}

final class SampleEffectOnRanks: XCTestCase {
    func testShardedEffectsEqualTheWhole() {
        MPITestHarness.onEveryRank { comm in
            let world = try TrainingWorld(comm: comm)
            let model = try SampleEffectFixture.model()
            let samples = SampleEffectFixture.examples(count: 7, seed: 5), target = SampleEffectFixture.examples(count: 5, seed: 6)
            let whole = try sampleEffects(model: model, samples: samples, target: target, maxLength: 24)
            let shared = try sampleEffects(model: model, samples: samples, target: target, maxLength: 24, world: world)
            let scale = whole.map { abs($0.effect) }.max()!
            for (a, b) in zip(shared, whole) {
                // The ranks add ḡ's parts in another order than one process: Float rounding only.
                XCTAssertEqual(a.effect, b.effect, accuracy: 1e-6 * scale, "rank \(world.rank) of \(world.size)")
                XCTAssertEqual(a.tokens, b.tokens)
                XCTAssertEqual(a.logprob, b.logprob, accuracy: 1e-9 * abs(b.logprob))
            }
        }
    }
}

enum SampleEffectFixture {
    /// Weights 10× the init, so gradients carry signal well above Float noise.
    static func model() throws -> Transformer {
        let model = try Transformer(config: ModelConfig(family: .gpt2, vocabSize: 23, hiddenSize: 16, numLayers: 2, numHeads: 2,
                                                        maxPositions: 24), seed: 7)
        for view in model.layout.views where view.shape.count == 2 {
            for k in view.offset..<view.offset + view.count { model.params[k] *= 4 }
        }
        return model
    }

    /// Random sequences of 6–12 tokens whose first 2–4 are prompt (mask 0).
    static func examples(count: Int, seed: UInt64) -> [SFTExample] {
        var rng = RNG(seed: seed)
        return (0..<count).map { _ in
            let length = 6 + rng.below(7), prompt = 2 + rng.below(3)
            return SFTExample(tokens: (0..<length).map { _ in Int32(rng.below(23)) },
                              lossMask: (0..<length).map { $0 < prompt ? 0 : 1 })
        }
    }

    /// g = ∇θ mean log p of the example's trained tokens in Double, from one TrainingPass.
    static func gradient(of example: SFTExample, model: Transformer) throws -> (g: [Double], logprob: Double, tokens: Int) {
        let pass = TrainingPass(model: model)
        let batch = TokenBatch(examples: [example], length: .longest(cappedAt: 24), padID: 0)
        let lp = pass.forward(tokens: batch.inputs, targets: batch.targets, batch: 1, seqLen: batch.seqLen).logprobs
        let tokens = batch.weights.reduce(0, +)
        model.grads.zero()
        // d(mean log p)/d log p_t = w_t / Σw; backward takes d loss, loss = −mean log p.
        pass.backward(dlogprobs: batch.weights.map { -$0 / tokens })
        let g = (0..<model.parameterCount).map { -Double(model.grads[$0]) }
        return (g, zip(lp, batch.weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }, Int(tokens))
    }
}
