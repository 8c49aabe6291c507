import XCTest
import FinchKernels
@testable import FinchModel

/// The whole model's backward pass against central finite differences of its loss,
/// for every family, on a padded batch (right padding with zero-weight targets).
final class ModelGradientTests: XCTestCase {
    func testGradientsMatchFiniteDifferences() throws {
        for (name, config) in TinyConfigs.all {
            let model = try Transformer(config: config, seed: 7)
            // Larger weights than the 0.02 init, so every path carries signal above Float noise.
            for i in 0..<model.parameterCount where model.layout.views.contains(where: { $0.shape.count == 2 && i >= $0.offset && i < $0.offset + $0.count }) {
                model.params[i] *= 10
            }
            let pass = TrainingPass(model: model)
            let B = 2, T = 5
            var rng = RNG(seed: 3)
            let tokens = randomTokens(B * T, vocab: config.vocabSize, rng: &rng)
            var targets = randomTokens(B * T, vocab: config.vocabSize, rng: &rng)
            var weights = [Float](repeating: 1, count: B * T)
            for t in 3..<T { targets[T + t] = -1; weights[T + t] = 0 }  // row 1 is padded after 3 tokens
            weights[0] = 0  // a masked prompt token

            model.grads.zero()
            backpropagateBatchLoss(pass, tokens: tokens, targets: targets, weights: weights, B: B, T: T)

            // Check the 3 largest-gradient entries of every tensor, plus one random entry, by
            // |numeric − analytic| / max(1e-2, |numeric| + |analytic|) < 5e-2: a 10% error in a
            // gradient, what central differences with h = 1e-2 can resolve (their truncation,
            // h²·f‴/6, reaches ~1e-3 relative here). The floor lets the noise of differencing a
            // Float loss, δL/h, reach 5e-4; the mean cross-entropy is small and does not cancel
            // (L ≈ 3.5), so that noise — what OpenBLAS's summation order changes — stays below
            // 2e-5 (measured under its Haswell and Prescott kernels), 25× inside. The value-head
            // test's loss is larger and cancels, so it sizes that allowance from Σ|terms| instead.
            var worst = 0.0
            let h: Float = 1e-2
            for view in model.layout.views {
                var idx = (0..<view.count).sorted { abs(model.grads[view.offset + $0]) > abs(model.grads[view.offset + $1]) }.prefix(3).map { $0 }
                idx.append(rng.below(view.count))
                for i in idx {
                    let k = view.offset + i
                    let saved = model.params[k]
                    model.params[k] = saved + h
                    let lPlus = batchLoss(pass, tokens: tokens, targets: targets, weights: weights, B: B, T: T)
                    model.params[k] = saved - h
                    let lMinus = batchLoss(pass, tokens: tokens, targets: targets, weights: weights, B: B, T: T)
                    model.params[k] = saved
                    let numeric = (lPlus - lMinus) / Double(2 * h)
                    let analytic = Double(model.grads[k])
                    let err = abs(numeric - analytic) / max(1e-2, abs(numeric) + abs(analytic))
                    worst = max(worst, err)
                    XCTAssertLessThan(err, 5e-2, "\(name) \(view.name)[\(i)]: analytic \(analytic) numeric \(numeric)")
                }
            }
            print("model \(name): max relative error of gradients vs finite differences \(worst)")
        }
    }

    /// Padding must not change the loss or the gradients of real tokens: causal attention never
    /// looks right, and zero-weight targets contribute nothing.
    func testRightPaddingDoesNotChangeRealTokens() throws {
        let model = try Transformer(config: TinyConfigs.qwen2, seed: 1)
        let pass = TrainingPass(model: model)
        var rng = RNG(seed: 9)
        let tokens = randomTokens(4, vocab: 23, rng: &rng), targets = randomTokens(4, vocab: 23, rng: &rng)
        let short = pass.forward(tokens: tokens, targets: targets, batch: 1, seqLen: 4).logprobs
        let padded = pass.forward(tokens: tokens + [0, 0, 0], targets: targets + [-1, -1, -1], batch: 1, seqLen: 7).logprobs
        for t in 0..<4 { XCTAssertEqual(short[t], padded[t], accuracy: 1e-5) }
        XCTAssertEqual(padded[4...].max(), 0)
    }
}
