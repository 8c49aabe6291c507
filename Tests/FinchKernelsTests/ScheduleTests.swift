import Foundation
import XCTest
@testable import FinchKernels

/// LRSchedule (linear warm-up, cosine decay), globalNorm and clipGradNorm.
final class ScheduleTests: XCTestCase {
    let schedule = LRSchedule(maxLR: 3e-4, minLR: 3e-5, warmupSteps: 10, totalSteps: 100)

    /// The lr of 0-based `step` in Double: (step + 1)/warmup · max during warm-up, then cosine to min.
    func reference(_ s: LRSchedule, step: Int) -> Double {
        let maxLR = Double(s.maxLR), minLR = Double(s.minLR)
        if step < s.warmupSteps { return maxLR * Double(step + 1) / Double(s.warmupSteps) }
        let progress = min(1, Double(step - s.warmupSteps) / Double(max(1, s.totalSteps - s.warmupSteps)))
        return minLR + 0.5 * (maxLR - minLR) * (1 + cos(Double.pi * progress))
    }

    func testWarmupRisesLinearlyToMax() {
        XCTAssertEqual(schedule.lr(at: 0), 3e-5, accuracy: 1e-11, "first update uses max/warmup, not 0")
        XCTAssertEqual(schedule.lr(at: 4), 1.5e-4, accuracy: 1e-11)
        XCTAssertEqual(schedule.lr(at: 9), 3e-4, accuracy: 1e-11, "warm-up ends at max")
        for step in 1..<10 { XCTAssertGreaterThan(schedule.lr(at: step), schedule.lr(at: step - 1)) }
    }

    func testCosineDecayEndpointsAndMidpoint() {
        XCTAssertEqual(schedule.lr(at: 10), 3e-4, accuracy: 1e-11, "decay starts at max")
        XCTAssertEqual(schedule.lr(at: 55), 1.65e-4, accuracy: 1e-10, "halfway is the mean of max and min")
        XCTAssertEqual(schedule.lr(at: 100), 3e-5, accuracy: 1e-11, "decay ends at min")
        XCTAssertEqual(schedule.lr(at: 1000), 3e-5, accuracy: 1e-11, "flat after the end")
        for step in 11...100 { XCTAssertLessThanOrEqual(schedule.lr(at: step), schedule.lr(at: step - 1)) }
        assertClose("lr schedule", (0..<120).map { schedule.lr(at: $0) },
                    (0..<120).map { reference(schedule, step: $0) }, tolerance: 1e-6)
    }

    func testWithoutWarmupStartsAtMax() {
        let s = LRSchedule(maxLR: 1e-3, minLR: 0, warmupSteps: 0, totalSteps: 50)
        XCTAssertEqual(s.lr(at: 0), 1e-3, accuracy: 1e-10)
        XCTAssertEqual(s.lr(at: 50), 0, accuracy: 1e-10)
        assertClose("lr schedule no warm-up", (0..<60).map { s.lr(at: $0) }, (0..<60).map { reference(s, step: $0) },
                    tolerance: 1e-6)
    }

    func testGlobalNormMatchesDoubleSum() {
        var rng = RNG(seed: 101)
        let x = rng.normals(1001, scale: 3)
        let expected = doubles(x).map { $0 * $0 }.reduce(0, +).squareRoot()
        assertClose("global norm", [globalNorm(x, N: x.count)], [expected], tolerance: 1e-7)
    }

    /// Above the limit every entry is scaled by the same factor, leaving a norm of maxNorm;
    /// the returned value is the norm before clipping.
    func testClipScalesDownToMaxNorm() {
        var rng = RNG(seed: 102)
        let before = rng.normals(1001)
        var x = before
        let norm = clipGradNorm(&x, N: x.count, maxNorm: 1)
        XCTAssertEqual(norm, globalNorm(before, N: before.count))
        XCTAssertGreaterThan(norm, 10)
        XCTAssertEqual(globalNorm(x, N: x.count), 1, accuracy: 1e-5)
        let factor = Double(1 / norm)
        assertClose("clip direction", x, doubles(before).map { $0 * factor }, tolerance: 1e-5)
    }

    func testClipLeavesSmallOrUnlimitedGradientsAlone() {
        var rng = RNG(seed: 103)
        let before = rng.normals(101)
        let norm = globalNorm(before, N: before.count)
        for maxNorm in [norm * 2, 0, -1] {
            var x = before
            XCTAssertEqual(clipGradNorm(&x, N: x.count, maxNorm: maxNorm), norm)
            XCTAssertEqual(x, before, "maxNorm \(maxNorm) must not change the gradient")
        }
    }
}
