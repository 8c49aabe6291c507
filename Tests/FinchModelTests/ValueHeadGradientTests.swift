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

        /// L = Σ a·log p + Σ b·v² / 2: a policy term and a squared value term; and Σ|terms| of it.
        func loss() -> (value: Double, magnitude: Double) {
            let out = pass.forward(tokens: tokens, targets: targets, batch: B, seqLen: T, temperature: temperature)
            let values = out.values!
            var total = 0.0, magnitude = 0.0
            for n in 0..<B * T {
                let policy = Double(a[n] * out.logprobs[n]), value = Double(b[n] * values[n] * values[n]) / 2
                total += policy + value
                magnitude += abs(policy) + abs(value)
            }
            return (total, magnitude)
        }
        model.grads.zero()
        head.grads.zero()
        let out = pass.forward(tokens: tokens, targets: targets, batch: B, seqLen: T, temperature: temperature)
        pass.backward(dlogprobs: a, dvalues: (0..<B * T).map { b[$0] * out.values![$0] })

        // The numerical gradient is off by truncation, h²·f‴/6, and by the Float rounding of the
        // two losses it differences, δL/h. The truncation is the same on every machine and stays
        // within `relative` of the gradient here (a 10% error in a gradient is what this check can
        // resolve). The rounding is what OpenBLAS's summation order changes: δL scales with
        // Σ|terms| of L (~80 here, for L ≈ 7.8) and grows along the ~500 roundings of the
        // forward's longest path (layer norms over 16, products over 16 and 64, softmaxes, the
        // vocabulary's log-sum-exp) like a random walk, √500 ≈ 22 roundings' worth; `noise` is
        // 25 · u · Σ|terms| / h ≈ 1.2e-2. Measured: the numerical gradients of one entry differ
        // by up to 1.8e-3 between OpenBLAS's kernels (Prescott vs Haswell), and the key bias,
        // whose gradient is exactly 0 (softmax ignores a shift shared by all keys), reads
        // 3.7e-4 under Prescott and 1.7e-5 under Haswell. The floor of 1e-2 on
        // |numeric| + |analytic| used before allowed only 5e-4 for such entries. A missing
        // 1/temperature (43% of every policy gradient) or value-head term costs far more.
        let h: Float = 1e-2, relative = 5e-2
        let noise = 25 * 0x1p-24 * loss().magnitude / Double(h)
        var worst = 0.0, worstName = ""
        func check(_ buffer: FlatBuffer, _ grads: FlatBuffer, _ k: Int, _ name: String) {
            let saved = buffer[k]
            buffer[k] = saved + h; let plus = loss().value
            buffer[k] = saved - h; let minus = loss().value
            buffer[k] = saved
            let numeric = (plus - minus) / Double(2 * h), analytic = Double(grads[k])
            let allowed = relative * (abs(numeric) + abs(analytic)) + noise
            let err = abs(numeric - analytic) / allowed
            if err > worst { (worst, worstName) = (err, name) }
            XCTAssertLessThan(err, 1, "\(name): analytic \(analytic) numeric \(numeric), |Δ| over \(allowed)")
        }
        for i in 0..<head.params.count { check(head.params, head.grads, i, "value head[\(i)]") }
        for view in model.layout.views {
            for i in [0, view.count / 2, view.count - 1] { check(model.params, model.grads, view.offset + i, "\(view.name)[\(i)]") }
        }
        print("temperature + value head vs finite differences: max |Δ| / (\(relative)·(|numeric| + |analytic|) + \(noise))",
              "\(worst) at \(worstName)")
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
