import XCTest
@testable import FinchAlgorithms

/// DPO's and the reward model's losses: values at points where they are known in closed form,
/// and derivatives against central finite differences.
final class PreferenceLossTests: XCTestCase {
    func testDPOLossValuesAndDerivatives() {
        // At h = 0 every variant has a known value: log 2, 1/(4β²), 1.
        let beta = 0.2
        XCTAssertEqual(dpoLoss(policyChosen: -3, policyRejected: -5, referenceChosen: -4, referenceRejected: -6,
                               beta: beta, type: .sigmoid).loss, log(2), accuracy: 1e-12)
        XCTAssertEqual(dpoLoss(policyChosen: -3, policyRejected: -5, referenceChosen: -4, referenceRejected: -6,
                               beta: beta, type: .ipo).loss, 1 / (4 * beta * beta), accuracy: 1e-12)
        XCTAssertEqual(dpoLoss(policyChosen: -3, policyRejected: -5, referenceChosen: -4, referenceRejected: -6,
                               beta: beta, type: .hinge).loss, 1, accuracy: 1e-12)
        // The implicit rewards are β·(π − ρ); h = 2 gives −log σ(0.4).
        let l = dpoLoss(policyChosen: -2, policyRejected: -6, referenceChosen: -4, referenceRejected: -6, beta: beta, type: .sigmoid)
        XCTAssertEqual(l.rewardChosen, 0.4, accuracy: 1e-12)
        XCTAssertEqual(l.rewardRejected, 0, accuracy: 1e-12)
        XCTAssertEqual(l.loss, log(1 + exp(-0.4)), accuracy: 1e-12)
        var worst = 0.0
        for type in [DPOSection.LossType.sigmoid, .ipo, .hinge] {
            for (pc, pr, smoothing) in [(-2.0, -6.0, 0.0), (-7.0, -3.5, 0.1), (-1.0, -1.3, 0.3)] {
                func f(_ c: Double, _ r: Double) -> Double {
                    dpoLoss(policyChosen: c, policyRejected: r, referenceChosen: -4, referenceRejected: -5,
                            beta: beta, type: type, labelSmoothing: type == .sigmoid ? smoothing : 0).loss
                }
                let a = dpoLoss(policyChosen: pc, policyRejected: pr, referenceChosen: -4, referenceRejected: -5,
                                beta: beta, type: type, labelSmoothing: type == .sigmoid ? smoothing : 0)
                let h = 1e-5
                let dc = (f(pc + h, pr) - f(pc - h, pr)) / (2 * h), dr = (f(pc, pr + h) - f(pc, pr - h)) / (2 * h)
                worst = max(worst, abs(dc - a.dChosen), abs(dr - a.dRejected))
                XCTAssertEqual(a.dChosen, dc, accuracy: 1e-7, "\(type) d/dπ_c at (\(pc), \(pr))")
                XCTAssertEqual(a.dRejected, dr, accuracy: 1e-7, "\(type) d/dπ_r at (\(pc), \(pr))")
            }
        }
        print("DPO loss derivatives vs finite differences: max |Δ| \(worst)")
    }

    func testRewardLossesMatchTheirDefinitionsAndDerivatives() {
        // Best-of-2 under the softmax is Bradley–Terry; the margin shifts the sigmoid's argument.
        XCTAssertEqual(bestOfNLoss(rewards: [0.7, -0.4], best: 0).loss, bradleyTerryLoss(chosen: 0.7, rejected: -0.4).loss, accuracy: 1e-12)
        XCTAssertEqual(bradleyTerryLoss(chosen: 1, rejected: 0, margin: 0.5).loss, log(1 + exp(-0.5)), accuracy: 1e-12)
        let rewards = [0.3, -1.2, 2.0, 0.1]
        XCTAssertEqual(bestOfNLoss(rewards: rewards, best: 2).loss,
                       -log(exp(2.0) / rewards.map { exp($0) }.reduce(0, +)), accuracy: 1e-12)
        var worst = 0.0
        for (loss, best, center, margin) in [(RMSection.Loss.auto, 2, 0.0, 0.0), (.auto, 1, 0.05, 0.0),
                                             (.pairwise, 0, 0.01, 0.3), (.pairwise, 3, 0.0, 0.0)] {
            for answers in [2, 4] {
                let r = Array(rewards.prefix(answers)), b = min(best, answers - 1)
                let a = rewardModelLoss(rewards: r, best: b, margin: margin, loss: loss, center: center)
                for i in r.indices {
                    var plus = r, minus = r
                    plus[i] += 1e-5
                    minus[i] -= 1e-5
                    let numeric = (rewardModelLoss(rewards: plus, best: b, margin: margin, loss: loss, center: center).loss
                        - rewardModelLoss(rewards: minus, best: b, margin: margin, loss: loss, center: center).loss) / 2e-5
                    worst = max(worst, abs(numeric - a.dRewards[i]))
                    XCTAssertEqual(a.dRewards[i], numeric, accuracy: 1e-7, "\(loss) N=\(answers) best \(b) d/dr[\(i)]")
                }
            }
        }
        print("reward-model loss derivatives vs finite differences: max |Δ| \(worst)")
    }
}
