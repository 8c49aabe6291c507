import Foundation
import XCTest
@testable import FinchKernels

/// RNG: reproducible streams, bit-exact checkpointing of its state, and the distributions it draws.
/// Statistical bounds are five standard errors wide for the sample sizes used, so a correct
/// generator passes them and a biased one (wrong range, wrong scale, missing factor) does not.
final class RNGTests: XCTestCase {
    let samples = 100_000

    func testSameSeedGivesSameStream() {
        var a = RNG(seed: 42), b = RNG(seed: 42), c = RNG(seed: 43)
        let streamA = (0..<1000).map { _ in a.next() }
        XCTAssertEqual(streamA, (0..<1000).map { _ in b.next() })
        XCTAssertNotEqual(streamA, (0..<1000).map { _ in c.next() })
        XCTAssertEqual(Set(streamA).count, streamA.count, "64-bit outputs should not repeat this soon")
    }

    func testStateRoundTripsThroughCodable() throws {
        var rng = RNG(seed: 7)
        for _ in 0..<17 { _ = rng.next() }
        let restored = try JSONDecoder().decode(RNG.self, from: JSONEncoder().encode(rng))
        XCTAssertEqual(restored, rng)
        var original = rng, copy = restored
        XCTAssertEqual((0..<100).map { _ in original.next() }, (0..<100).map { _ in copy.next() })
        XCTAssertEqual((0..<100).map { _ in original.normal() }, (0..<100).map { _ in copy.normal() })
    }

    func testUniformStaysInUnitIntervalWithRightMoments() {
        var rng = RNG(seed: 111)
        let floats = (0..<samples).map { _ in Double(rng.uniform()) }
        let doubles = (0..<samples).map { _ in rng.uniformDouble() }
        for (name, x) in [("uniform", floats), ("uniformDouble", doubles)] {
            XCTAssertTrue(x.allSatisfy { $0 >= 0 && $0 < 1 }, "\(name) must stay in [0, 1)")
            let (mean, variance) = Self.moments(x)
            print("\(name) mean", mean, "variance", variance)
            XCTAssertEqual(mean, 0.5, accuracy: 5 * (1.0 / 12 / Double(samples)).squareRoot())
            XCTAssertEqual(variance, 1.0 / 12, accuracy: 5 * (1.0 / 180 / Double(samples)).squareRoot())
        }
    }

    func testNormalHasZeroMeanAndUnitVariance() {
        var rng = RNG(seed: 112)
        let x = (0..<samples).map { _ in Double(rng.normal()) }
        let (mean, variance) = Self.moments(x)
        print("normal mean", mean, "variance", variance)
        XCTAssertEqual(mean, 0, accuracy: 5 / Double(samples).squareRoot())
        XCTAssertEqual(variance, 1, accuracy: 5 * (2 / Double(samples)).squareRoot())
        let withinOneSigma = Double(x.filter { abs($0) < 1 }.count) / Double(samples)
        XCTAssertEqual(withinOneSigma, 0.6827, accuracy: 5 * (0.6827 * 0.3173 / Double(samples)).squareRoot())
    }

    func testBelowCoversItsRangeEvenly() {
        var rng = RNG(seed: 113)
        let n = 7, draws = 70_000
        var counts = [Int](repeating: 0, count: n)
        for _ in 0..<draws {
            let k = rng.below(n)
            guard (0..<n).contains(k) else { return XCTFail("below(\(n)) gave \(k)") }
            counts[k] += 1
        }
        let expected = Double(draws) / Double(n)
        let spread = 5 * (expected * (1 - 1 / Double(n))).squareRoot()
        for (k, count) in counts.enumerated() {
            XCTAssertEqual(Double(count), expected, accuracy: spread, "value \(k) drawn \(count) times")
        }
    }

    static func moments(_ x: [Double]) -> (mean: Double, variance: Double) {
        let mean = x.reduce(0, +) / Double(x.count)
        return (mean, x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count))
    }
}
