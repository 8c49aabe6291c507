import Foundation
import XCTest
@testable import FinchKernels

/// logSoftmaxForward/logSoftmaxBackward (log-probabilities of targets, entropy and their gradients)
/// and crossEntropyLoss (weighted mean, ignored targets, zero weights).
final class CrossEntropyTests: XCTestCase {
    let N = 5, V = 7

    /// Row-wise log-softmax in Double.
    static func logSoftmax(_ z: [Double], N: Int, V: Int) -> [Double] {
        (0..<N).flatMap { n -> [Double] in
            let row = Array(z[n * V..<(n + 1) * V])
            let m = row.max()!
            let logSum = m + log(row.map { exp($0 - m) }.reduce(0, +))
            return row.map { $0 - logSum }
        }
    }

    /// Per-token log p(target) (0 where the target is negative) and entropy −Σ p log p.
    static func logprobsAndEntropy(_ z: [Double], targets: [Int32], N: Int, V: Int)
        -> (logprobs: [Double], entropy: [Double]) {
        let lp = logSoftmax(z, N: N, V: V)
        let logprobs = (0..<N).map { n in targets[n] >= 0 ? lp[n * V + Int(targets[n])] : 0 }
        let entropy = (0..<N).map { n in -(0..<V).map { exp(lp[n * V + $0]) * lp[n * V + $0] }.reduce(0, +) }
        return (logprobs, entropy)
    }

    /// Runs the forward kernel on a copy of `logits`; returns the probabilities it leaves behind.
    func runForward(_ logits: [Float], targets: [Int32], withEntropy: Bool)
        -> (probs: [Float], logprobs: [Float], entropy: [Float]?) {
        var probs = logits, logprobs = zeros(N)
        var entropy: [Float]? = withEntropy ? zeros(N) : nil
        withOptionalMutablePointer(&entropy) { h in
            logSoftmaxForward(logits: &probs, targets: targets, logprobs: &logprobs, entropy: h, N: N, V: V)
        }
        return (probs, logprobs, entropy)
    }

    /// dlogits of Σ dlogprobs ⊙ logprobs (+ Σ dentropy ⊙ entropy when given), from the kernels.
    func runBackward(_ logits: [Float], targets: [Int32], dlogprobs: [Float], dentropy: [Float]?) -> [Float] {
        let forward = runForward(logits, targets: targets, withEntropy: dentropy != nil)
        var grad = forward.probs
        withOptionalPointer(dentropy) { dh in
            withOptionalPointer(forward.entropy) { h in
                logSoftmaxBackward(probs: &grad, targets: targets, dlogprobs: dlogprobs, dentropy: dh, entropy: h,
                                   N: N, V: V)
            }
        }
        return grad
    }

    /// Finite differences of the same objective through the Double reference.
    func expectedGradient(_ logits: [Float], targets: [Int32], dlogprobs: [Float], dentropy: [Float]?) -> [Double] {
        numericalGradient(at: doubles(logits)) { z in
            let (logprobs, entropy) = Self.logprobsAndEntropy(z, targets: targets, N: N, V: V)
            return dot(logprobs, dlogprobs) + (dentropy.map { dot(entropy, $0) } ?? 0)
        }
    }

    func testForwardMatchesReference() {
        var rng = RNG(seed: 81)
        let logits = rng.normals(N * V, scale: 3), targets: [Int32] = [2, -1, 6, 0, -100]
        let (probs, logprobs, entropy) = runForward(logits, targets: targets, withEntropy: true)
        let expected = Self.logprobsAndEntropy(doubles(logits), targets: targets, N: N, V: V)
        assertClose("logsoftmax logprobs", logprobs, expected.logprobs)
        assertClose("logsoftmax entropy", entropy!, expected.entropy)
        assertClose("logsoftmax probs", probs, Self.logSoftmax(doubles(logits), N: N, V: V).map(exp))
        for n in 0..<N {
            XCTAssertEqual(probs[n * V..<(n + 1) * V].reduce(0, +), 1, accuracy: 1e-6, "row \(n) must sum to 1")
        }

        let withoutEntropy = runForward(logits, targets: targets, withEntropy: false)
        XCTAssertEqual(withoutEntropy.probs, probs)
        XCTAssertEqual(withoutEntropy.logprobs, logprobs)
    }

    func testBackwardMatchesFiniteDifferences() {
        var rng = RNG(seed: 82)
        let logits = rng.normals(N * V, scale: 3), targets = rng.integers(N, below: V)
        let dlogprobs = rng.normals(N), dentropy = rng.normals(N)
        assertClose("logsoftmax dlogits with entropy",
                    runBackward(logits, targets: targets, dlogprobs: dlogprobs, dentropy: dentropy),
                    expectedGradient(logits, targets: targets, dlogprobs: dlogprobs, dentropy: dentropy))
        assertClose("logsoftmax dlogits without entropy",
                    runBackward(logits, targets: targets, dlogprobs: dlogprobs, dentropy: nil),
                    expectedGradient(logits, targets: targets, dlogprobs: dlogprobs, dentropy: nil))
    }

    /// A negative target has logprob 0 by definition, a constant, so its row must receive only the
    /// entropy gradient whatever dlogprobs holds there (an RL loss may pass any value).
    func testIgnoredTargetRowsGetNoLogprobGradient() {
        var rng = RNG(seed: 83)
        let logits = rng.normals(N * V, scale: 3), targets: [Int32] = [4, -1, 1, -1, 0]
        let dlogprobs = rng.normals(N), dentropy = rng.normals(N)
        assertClose("logsoftmax dlogits ignored targets with entropy",
                    runBackward(logits, targets: targets, dlogprobs: dlogprobs, dentropy: dentropy),
                    expectedGradient(logits, targets: targets, dlogprobs: dlogprobs, dentropy: dentropy))
        assertClose("logsoftmax dlogits ignored targets",
                    runBackward(logits, targets: targets, dlogprobs: dlogprobs, dentropy: nil),
                    expectedGradient(logits, targets: targets, dlogprobs: dlogprobs, dentropy: nil))
    }

    /// A target whose logit trails the maximum by more than ~104 has a probability below Float's
    /// smallest subnormal, but its log-probability (about −150 here) is an ordinary Float.
    func testVeryUnlikelyTargetKeepsAFiniteLogprob() {
        var rng = RNG(seed: 84)
        var logits = rng.normals(N * V)
        for n in 0..<N { logits[n * V + 3] += 150 }
        let targets: [Int32] = [0, 1, 2, 4, 5]
        let logprobs = runForward(logits, targets: targets, withEntropy: false).logprobs
        XCTAssertTrue(logprobs.allSatisfy { $0.isFinite }, "logprobs \(logprobs) must be finite")
        assertClose("logsoftmax unlikely target logprobs", logprobs,
                    Self.logprobsAndEntropy(doubles(logits), targets: targets, N: N, V: V).logprobs, tolerance: 1e-5)
    }

    /// The cross-entropy chain (forward, crossEntropyLoss, backward) against finite differences of
    /// −Σ w log p / Σ w, with an ignored target carrying weight 0 and a valid target with weight 0.
    func testWeightedCrossEntropyMatchesReference() {
        var rng = RNG(seed: 85)
        let logits = rng.normals(N * V, scale: 3), targets: [Int32] = [3, -1, 6, 0, 2]
        let weights: [Float] = [1, 0, 0.5, 0, 2]
        func reference(_ z: [Double]) -> Double {
            let logprobs = Self.logprobsAndEntropy(z, targets: targets, N: N, V: V).logprobs
            return -dot(logprobs, weights) / weights.reduce(0) { $0 + Double($1) }
        }

        var probs = logits, logprobs = zeros(N), dlogprobs = zeros(N)
        logSoftmaxForward(logits: &probs, targets: targets, logprobs: &logprobs, entropy: nil, N: N, V: V)
        let (loss, weightSum) = crossEntropyLoss(logprobs: logprobs, weights: weights, dlogprobs: &dlogprobs, N: N)
        XCTAssertEqual(weightSum, 3.5, accuracy: 1e-12)
        assertClose("cross-entropy loss", [Float(loss)], [reference(doubles(logits))], tolerance: 1e-6)
        assertClose("cross-entropy dlogprobs", dlogprobs, weights.map { -Double($0) / 3.5 }, tolerance: 1e-6)

        logSoftmaxBackward(probs: &probs, targets: targets, dlogprobs: dlogprobs, dentropy: nil, entropy: nil,
                           N: N, V: V)
        assertClose("cross-entropy dlogits", probs,
                    numericalGradient(at: doubles(logits), reference))
        XCTAssertTrue(probs[V..<2 * V].allSatisfy { $0 == 0 }, "a zero-weight row gets no gradient")
    }

    /// An explicit normalizer (e.g. the global token count across ranks) replaces Σ w.
    func testNormalizerReplacesWeightSum() {
        let logprobs: [Float] = [-1, -2, -0.5], weights: [Float] = [1, 1, 0]
        var dlogprobs = zeros(3)
        let (loss, weightSum) = crossEntropyLoss(logprobs: logprobs, weights: weights, dlogprobs: &dlogprobs, N: 3,
                                                 normalizer: 10)
        XCTAssertEqual(loss, 0.3, accuracy: 1e-12)
        XCTAssertEqual(weightSum, 2, accuracy: 1e-12)
        XCTAssertEqual(dlogprobs, [-0.1, -0.1, 0])

        let (zeroLoss, zeroSum) = crossEntropyLoss(logprobs: logprobs, weights: zeros(3), dlogprobs: &dlogprobs, N: 3)
        XCTAssertEqual(zeroLoss, 0)
        XCTAssertEqual(zeroSum, 0)
        XCTAssertEqual(dlogprobs, zeros(3), "no weight at all: no gradient, not NaN")
    }
}
