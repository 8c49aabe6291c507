import XCTest
@testable import FinchAlgorithms
import FinchEval
@testable import FinchTrain

/// The RL loss terms and estimators against hand-computed values and central differences.
final class RLLossTests: XCTestCase {
    /// d loss / d log π of each term against a central difference, over a grid of cases that
    /// covers both sides of every clip.
    func testDerivativesMatchFiniteDifferences() {
        let h = 1e-6
        var worst = 0.0
        func check(_ f: (Double) -> Double, _ analytic: Double, at x: Double, _ what: String) {
            let numeric = (f(x + h) - f(x - h)) / (2 * h)
            let err = abs(numeric - analytic)
            worst = max(worst, err)
            XCTAssertEqual(analytic, numeric, accuracy: 1e-5, what)
        }
        for old in [-2.0, -0.5] {
            for delta in [-0.5, -0.1, 0.05, 0.15, 0.4] {  // log-ratio: inside and outside the 0.2 clip
                for advantage in [-1.3, 0.7] {
                    let lp = old + delta
                    let s = clippedSurrogate(logprob: lp, oldLogprob: old, advantage: advantage, clip: 0.2)
                    check({ clippedSurrogate(logprob: $0, oldLogprob: old, advantage: advantage, clip: 0.2).loss }, s.dlogprob,
                          at: lp, "surrogate old \(old) delta \(delta) A \(advantage)")
                }
                let kl = k3KL(logprob: old + delta, refLogprob: old)
                check({ k3KL(logprob: $0, refLogprob: old).kl }, kl.dlogprob, at: old + delta, "k3 at \(delta)")
                XCTAssertGreaterThanOrEqual(kl.kl, 0)
            }
        }
        for (value, oldValue, target) in [(0.5, 0.4, 1.0), (0.9, 0.4, 1.0), (0.1, 0.4, 1.0), (0.0, 0.4, -1.0), (0.5, 0.45, 0.5)] {
            let v = clippedValueLoss(value: value, oldValue: oldValue, target: target, clip: 0.2)
            check({ clippedValueLoss(value: $0, oldValue: oldValue, target: target, clip: 0.2).loss }, v.dvalue, at: value,
                  "value loss V \(value) V_old \(oldValue) R \(target)")
        }
        print("RL loss terms: max |analytic − numeric| derivative \(worst)")
    }

    func testSurrogateClipsOnlyInTheAdvantagesDirection() {
        // Ratio e^0.5 ≈ 1.65 with a positive advantage: the clip caps the gain, no gradient.
        let up = clippedSurrogate(logprob: 0.5, oldLogprob: 0, advantage: 1, clip: 0.2)
        XCTAssertTrue(up.clipped)
        XCTAssertEqual(up.loss, -1.2, accuracy: 1e-12)
        XCTAssertEqual(up.dlogprob, 0)
        // The same ratio with a negative advantage is not clipped: the pessimistic term is unclipped.
        let down = clippedSurrogate(logprob: 0.5, oldLogprob: 0, advantage: -1, clip: 0.2)
        XCTAssertFalse(down.clipped)
        XCTAssertEqual(down.dlogprob, exp(0.5), accuracy: 1e-12)
    }

    func testGroupAdvantages() {
        let a = groupAdvantages(rewards: [1, 0, 0, 1, 2, 2, 2, 2], groupSize: 4, scaleByStd: true)
        // Group 1: mean 0.5, sample std √(1/3).
        let s = (1.0 / 3).squareRoot()
        for (x, e) in zip(a.prefix(4), [0.5 / s, -0.5 / s, -0.5 / s, 0.5 / s]) { XCTAssertEqual(x, e, accuracy: 1e-5) }
        XCTAssertEqual(Array(a.suffix(4)), [0, 0, 0, 0], "equal rewards carry no signal")
        XCTAssertEqual(groupAdvantages(rewards: [3, 1], groupSize: 2, scaleByStd: false), [1, -1])
    }

    func testGAEAgainstHandComputation() {
        // γ = 0.9, λ = 0.8; V = [0.5, 0.2, 0.1], r = [0, 0, 1].
        let (adv, ret) = generalizedAdvantages(rewards: [0, 0, 1], values: [0.5, 0.2, 0.1], gamma: 0.9, lambda: 0.8)
        let d2 = 1 - 0.1, d1 = 0 + 0.9 * 0.1 - 0.2, d0 = 0 + 0.9 * 0.2 - 0.5
        let a2 = d2, a1 = d1 + 0.72 * a2, a0 = d0 + 0.72 * a1
        for (x, e) in zip(adv, [a0, a1, a2]) { XCTAssertEqual(x, e, accuracy: 1e-12) }
        for (x, e) in zip(ret, [a0 + 0.5, a1 + 0.2, a2 + 0.1]) { XCTAssertEqual(x, e, accuracy: 1e-12) }
        // λ = 1, γ = 1: the return is the sum of future rewards.
        XCTAssertEqual(generalizedAdvantages(rewards: [1, 2, 3], values: [0, 0, 0], gamma: 1, lambda: 1).returns, [6, 5, 3])
    }

    func testAdaptiveKLControllerFollowsZieglersRule() {
        var kl = KLController(beta: 0.1, target: 6, horizon: 10_000)
        kl.update(meanKL: 9, answers: 512)  // error clipped to +0.2
        XCTAssertEqual(kl.beta, 0.1 * (1 + 0.2 * 512 / 10_000), accuracy: 1e-15)
        kl.update(meanKL: 5.4, answers: 100)  // error −0.1
        XCTAssertEqual(kl.beta, 0.1 * (1 + 0.2 * 512 / 10_000) * (1 - 0.1 * 100 / 10_000), accuracy: 1e-15)
        var fixed = KLController(beta: 0.05, target: nil, horizon: 10_000)
        fixed.update(meanKL: 100, answers: 512)
        XCTAssertEqual(fixed.beta, 0.05)
    }
}
