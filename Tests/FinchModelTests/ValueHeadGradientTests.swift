import XCTest
import FinchKernels
@testable import FinchModel

/// The RL form of the training pass — logits divided by a sampling temperature, and a value
/// head on the final hidden state — against central finite differences of a loss that mixes
/// log-probs and values, as PPO's does.
final class ValueHeadGradientTests: XCTestCase {
    func testTemperatureAndValueHeadGradientsMatchFiniteDifferences() throws {
        let model = try Transformer(config: TinyConfigs.gpt2, seed: 5)
        for v in model.layout.views where v.shape.count == 2 {
            for i in 0..<v.count { model.params[v.offset + i] *= 10 }
        }
        let head = ValueHead(width: model.config.hiddenSize)
        var rng = RNG(seed: 11)
        for i in 0..<head.params.count { head.params[i] = rng.normal() }
        let pass = TrainingPass(model: model, valueHead: head)
        let B = 2, T = 4, temperature: Float = 0.7
        let tokens = randomTokens(B * T, vocab: 23, rng: &rng)
        let targets = randomTokens(B * T, vocab: 23, rng: &rng)
        let a = (0..<B * T).map { _ in rng.normal() }, b = (0..<B * T).map { _ in rng.normal() }

        /// L = Σ a·log p + Σ b·v² / 2: a policy term and a squared value term.
        func loss() -> Double {
            let out = pass.forward(tokens: tokens, targets: targets, batch: B, seqLen: T, temperature: temperature)
            let values = out.values!
            var total = 0.0
            for n in 0..<B * T {
                total += Double(a[n] * out.logprobs[n])
                total += Double(b[n] * values[n] * values[n]) / 2
            }
            return total
        }
        model.grads.zero()
        head.grads.zero()
        let out = pass.forward(tokens: tokens, targets: targets, batch: B, seqLen: T, temperature: temperature)
        pass.backward(dlogprobs: a, dvalues: (0..<B * T).map { b[$0] * out.values![$0] })

        var worst = 0.0
        let h: Float = 1e-2
        func check(_ buffer: FlatBuffer, _ grads: FlatBuffer, _ k: Int, _ name: String) {
            let saved = buffer[k]
            buffer[k] = saved + h; let plus = loss()
            buffer[k] = saved - h; let minus = loss()
            buffer[k] = saved
            let numeric = (plus - minus) / Double(2 * h), analytic = Double(grads[k])
            let err = abs(numeric - analytic) / max(1e-2, abs(numeric) + abs(analytic))
            worst = max(worst, err)
            XCTAssertLessThan(err, 5e-2, "\(name): analytic \(analytic) numeric \(numeric)")
        }
        for i in 0..<head.params.count { check(head.params, head.grads, i, "value head[\(i)]") }
        for view in model.layout.views {
            for i in [0, view.count / 2, view.count - 1] { check(model.params, model.grads, view.offset + i, "\(view.name)[\(i)]") }
        }
        print("temperature + value head: max relative error vs finite differences \(worst)")
    }

    /// Temperature 1 is the plain pass, and temperature T scores tokens as the sampler does.
    func testTemperatureMatchesSamplerLogProbs() throws {
        let model = try Transformer(config: TinyConfigs.qwen2, seed: 2)
        var rng = RNG(seed: 4)
        let tokens = randomTokens(6, vocab: 23, rng: &rng)
        let out = TrainingPass(model: model).forward(tokens: tokens, targets: [0, 1, 2, 3, 4, 5], batch: 1, seqLen: 6,
                                                     temperature: 0.5)
        // A reference: the logits of the last position from a temperature-1 pass, divided by T.
        let plain = TrainingPass(model: model)
        // log softmax(z/T)[t] computed from log p1 = z − logsumexp(z): z/T − logsumexp(z/T).
        var logp1 = [Double](repeating: 0, count: 23)
        for v in 0..<23 {
            logp1[v] = Double(plain.forward(tokens: tokens, targets: [-1, -1, -1, -1, -1, Int32(v)], batch: 1, seqLen: 6).logprobs[5])
        }
        let scaled = logp1.map { $0 / 0.5 }
        let maxS = scaled.max()!
        let lse = maxS + log(scaled.reduce(0) { $0 + exp($1 - maxS) })
        let worst = Float(abs(scaled[5] - lse - Double(out.logprobs[5])))
        print("temperature 0.5 log-prob vs reference: |Δ| \(worst)")
        XCTAssertLessThan(worst, 1e-4)
    }
}
