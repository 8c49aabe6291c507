import Foundation
import XCTest
import FinchKernels
@testable import FinchAlgorithms

/// GRPO's and PPO's batch losses, assembled as the learner calls them, against a plain Float64
/// reference written from the papers' formulas, and their gradients against central
/// differences of that reference (not only the per-token terms, which RLLossTests checks).
final class PolicyLossTests: XCTestCase {
    private let clip = 0.2, valueClip = 0.2, beta = 0.05, entropyCoef = 0.01, vfCoef = 0.1

    /// 60 tokens whose ratios land on both sides of both clips (and never within 1e-3 of a
    /// kink, where the loss has no derivative), with KL, entropy and value terms.
    private func tokens(seed: UInt64) -> PolicyTokens {
        var rng = RNG(seed: seed)
        func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * rng.uniformDouble() }
        var t = PolicyTokens(logprobs: [], oldLogprobs: [], refLogprobs: [], advantages: [], entropy: [], values: [],
                             oldValues: [], returns: [])
        while t.count < 60 {
            let old = uniform(-3, -0.1), delta = uniform(-0.5, 0.5)
            let value = uniform(-1, 1), oldValue = uniform(-1, 1)
            guard abs(abs(delta) - log(1 + clip)) > 1e-3, abs(abs(delta) - abs(log(1 - clip))) > 1e-3,
                  abs(abs(value - oldValue) - valueClip) > 1e-3 else { continue }
            t.oldLogprobs.append(old)
            t.logprobs.append(old + delta)
            t.refLogprobs!.append(old + uniform(-0.3, 0.3))
            t.advantages.append(uniform(-2, 2))
            t.entropy.append(uniform(0, 3))
            t.values!.append(value)
            t.oldValues!.append(oldValue)
            t.returns!.append(uniform(-1, 1))
        }
        return t
    }

    // The reference: each paper's objective summed over tokens, divided by the token count.
    private func surrogate(_ t: PolicyTokens, _ i: Int) -> Double {
        let ratio = exp(t.logprobs[i] - t.oldLogprobs[i])
        return -min(ratio * t.advantages[i], min(max(ratio, 1 - clip), 1 + clip) * t.advantages[i])
    }

    private func grpoReference(_ t: PolicyTokens, normalizer: Double) -> Double {
        (0..<t.count).reduce(0.0) { sum, i in
            let x = t.refLogprobs![i] - t.logprobs[i]
            return sum + surrogate(t, i) + beta * (exp(x) - x - 1) - entropyCoef * t.entropy[i]
        } / normalizer
    }

    private func ppoReference(_ t: PolicyTokens, normalizer: Double) -> Double {
        (0..<t.count).reduce(0.0) { sum, i in
            let v = t.values![i], old = t.oldValues![i], r = t.returns![i]
            let clipped = old + min(max(v - old, -valueClip), valueClip)
            let valueLoss = 0.5 * max((v - r) * (v - r), (clipped - r) * (clipped - r))
            return sum + surrogate(t, i) - entropyCoef * t.entropy[i] + vfCoef * valueLoss
        } / normalizer
    }

    /// max over tokens of |analytic − central difference| for one input of the loss.
    private func worstGradientError(_ t: PolicyTokens, _ analytic: [Double], _ input: WritableKeyPath<PolicyTokens, [Double]>,
                                    _ reference: (PolicyTokens) -> Double) -> Double {
        let h = 1e-6
        var worst = 0.0
        for i in 0..<t.count {
            var plus = t, minus = t
            plus[keyPath: input][i] += h
            minus[keyPath: input][i] -= h
            worst = max(worst, abs((reference(plus) - reference(minus)) / (2 * h) - analytic[i]))
        }
        return worst
    }

    func testGRPOBatchLossMatchesTheFloat64ReferenceAndItsDerivatives() {
        let t = tokens(seed: 1), normalizer = 97.0
        let r = grpoLoss(t, clip: clip, beta: beta, entropyCoef: entropyCoef, normalizer: normalizer)
        let reference = { self.grpoReference($0, normalizer: normalizer) }
        XCTAssertEqual(r.loss, reference(t), accuracy: 1e-12)
        let dlp = worstGradientError(t, r.dlogprobs, \.logprobs, reference)
        let dent = worstGradientError(t, r.dentropy, \.entropy, reference)
        print("grpoLoss: |loss − reference| \(abs(r.loss - reference(t))), max gradient error log π \(dlp), entropy \(dent)")
        XCTAssertLessThan(dlp, 1e-8)
        XCTAssertLessThan(dent, 1e-8)
        XCTAssertGreaterThan(r.clippedCount, 0, "the batch should exercise the clip")
        XCTAssertLessThan(r.clippedCount, Double(t.count))
        XCTAssertNil(r.dvalues, "GRPO has no value head")
    }

    func testPPOBatchLossMatchesTheFloat64ReferenceAndItsDerivatives() {
        let t = tokens(seed: 2), normalizer = 83.0
        let r = ppoLoss(t, clip: clip, entropyCoef: entropyCoef, vfCoef: vfCoef, valueClip: valueClip, normalizer: normalizer)
        let reference = { self.ppoReference($0, normalizer: normalizer) }
        XCTAssertEqual(r.loss, reference(t), accuracy: 1e-12)
        let dlp = worstGradientError(t, r.dlogprobs, \.logprobs, reference)
        let dent = worstGradientError(t, r.dentropy, \.entropy, reference)
        let dv = worstGradientError(t, r.dvalues!, \PolicyTokens.values!, reference)
        print("ppoLoss: |loss − reference| \(abs(r.loss - reference(t))), max gradient error log π \(dlp), entropy \(dent), value \(dv)")
        XCTAssertLessThan(max(dlp, dent, dv), 1e-8)
        // The KL lives in PPO's reward, not its loss: the reference log-probs change nothing here.
        var noReference = t
        noReference.refLogprobs = nil
        XCTAssertEqual(ppoLoss(noReference, clip: clip, entropyCoef: entropyCoef, vfCoef: vfCoef, valueClip: valueClip,
                               normalizer: normalizer).loss, r.loss)
    }

    /// A frozen policy (PPO's critic warm-up) gets no policy gradient; the value head still does.
    func testFrozenPolicyHasOnlyTheValueGradient() {
        let t = tokens(seed: 3)
        let ppo = ppoLoss(t, clip: clip, entropyCoef: entropyCoef, vfCoef: vfCoef, valueClip: valueClip, normalizer: 10,
                          policy: false)
        XCTAssertEqual(Set(ppo.dlogprobs + ppo.dentropy), [0])
        XCTAssertTrue(ppo.dvalues!.contains { $0 != 0 })
        let grpo = grpoLoss(t, clip: clip, beta: beta, entropyCoef: entropyCoef, normalizer: 10, policy: false)
        XCTAssertEqual(Set(grpo.dlogprobs + grpo.dentropy), [0])
    }

    /// PPO's reward: the KL penalty at every token, the score at the last (Ziegler et al. §2.2).
    func testKLPenalizedRewards() {
        let r = klPenalizedRewards(score: 2, oldLogprobs: [-1, -2, -0.5], refLogprobs: [-1.5, -2, -0.25], beta: 0.1)
        for (x, e) in zip(r, [-0.1 * 0.5, 0, 2 - 0.1 * -0.25]) { XCTAssertEqual(x, e, accuracy: 1e-12) }
        XCTAssertEqual(klPenalizedRewards(score: 1, oldLogprobs: [-1, -1], refLogprobs: nil, beta: 0.1), [0, 1])
    }
}
