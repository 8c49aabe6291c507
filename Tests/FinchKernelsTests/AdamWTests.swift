import Foundation
import XCTest
@testable import FinchKernels

/// adamwStep against a Double transcription of PyTorch's `torch.optim.AdamW` update over several steps.
final class AdamWTests: XCTestCase {
    let N = 37

    /// PyTorch's AdamW in Double: decay p by (1 − lr·wd), update the moments, then step by
    /// lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + eps).
    struct ReferenceAdamW {
        var params: [Double]
        var m: [Double]
        var v: [Double]

        mutating func step(grads: [Float], step t: Int, lr: Double, config c: AdamWConfig, decay: Bool) {
            let b1 = Double(c.beta1), b2 = Double(c.beta2), eps = Double(c.eps)
            let wd = decay ? Double(c.weightDecay) : 0
            let bc1 = 1 - pow(b1, Double(t)), bc2 = 1 - pow(b2, Double(t))
            for i in params.indices {
                let g = Double(grads[i])
                params[i] *= 1 - lr * wd
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * g * g
                params[i] -= lr / bc1 * m[i] / (v[i].squareRoot() / bc2.squareRoot() + eps)
            }
        }
    }

    /// Gradients of mixed scales: entry 0 is always zero (no move at all) and entry 1 is ~1e-6,
    /// where √v is close to eps and the eps term visibly matters.
    func gradients(_ rng: inout RNG) -> [Float] {
        var g = rng.normals(N)
        g[0] = 0
        g[1] *= 1e-6
        return g
    }

    func testMatchesPyTorchFormulaOverSeveralSteps() { forEachKernelPath { isa in
        let config = AdamWConfig(beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1)
        for decay in [true, false] {
            var rng = RNG(seed: 91)
            let initial = rng.normals(N)
            var params = initial, m = zeros(N), v = zeros(N)
            var reference = ReferenceAdamW(params: doubles(initial), m: Array(repeating: 0, count: N),
                                           v: Array(repeating: 0, count: N))
            for step in 1...6 {
                let grads = gradients(&rng)
                let lr = 1e-2 * Float(7 - step) / 6  // a changing lr, as a schedule gives
                adamwStep(params: &params, grads: grads, m: &m, v: &v, N: N, step: step, lr: lr, config: config,
                          decay: decay)
                reference.step(grads: grads, step: step, lr: Double(lr), config: config, decay: decay)
            }
            // Compare how far each parameter moved: an error in the update is then measured
            // against the update's size, not against the parameter's.
            let moved = zip(params, initial).map { $0 - $1 }
            let expectedMove = zip(reference.params, initial).map { $0 - Double($1) }
            assertClose("adamw params moved decay=\(decay)", moved, expectedMove)
            assertClose("adamw first moment decay=\(decay)", m, reference.m)
            assertClose("adamw second moment decay=\(decay)", v, reference.v)
            XCTAssertEqual(params[0] == initial[0], !decay, "a zero gradient moves a parameter only by decay (\(isa))")
        }
    } }

    /// `decay: false` must behave exactly like a weight decay of zero, and nothing else.
    func testDecayFlagOnlySwitchesWeightDecay() {
        var rng = RNG(seed: 92)
        let initial = rng.normals(N), grads = gradients(&rng)
        var skipped = initial, mSkipped = zeros(N), vSkipped = zeros(N)
        adamwStep(params: &skipped, grads: grads, m: &mSkipped, v: &vSkipped, N: N, step: 3, lr: 1e-3,
                  config: AdamWConfig(weightDecay: 0.5), decay: false)
        var zeroDecay = initial, mZero = zeros(N), vZero = zeros(N)
        adamwStep(params: &zeroDecay, grads: grads, m: &mZero, v: &vZero, N: N, step: 3, lr: 1e-3,
                  config: AdamWConfig(weightDecay: 0), decay: true)
        XCTAssertEqual(skipped, zeroDecay)
        XCTAssertEqual(mSkipped, mZero)
        XCTAssertEqual(vSkipped, vZero)
    }
}
