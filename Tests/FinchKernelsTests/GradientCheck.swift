import Foundation
import XCTest
@testable import FinchKernels

// Shared tools for the kernel tests. Every backward kernel is checked the same way:
// a tiny Double reference of the forward pass, L = Σ dout ⊙ reference(x), central finite
// differences of L in Double, and the largest relative error against the kernel's Float gradient.
// Differencing a Double reference (rather than the Float kernel) keeps the numerical gradient
// accurate to ~1e-9, so what remains is the kernel's own Float rounding (~1e-6) and any real
// mistake (a sign, a missing term, a wrong index) shows up as an error of order 1.
//
// Two ways to measure that error. `assertClose` takes it relative to each element (with a
// floor), which is sound where outputs do not cancel (probabilities, norms, elementwise maps)
// or come from a few terms in code whose order is fixed (Finch's own loops sum the same way
// on every CPU). Products — OpenBLAS's sgemm, whose summation order differs by CPU — and
// other long sums that can cancel to near zero use `assertWithinRounding`: error over Σ|terms|,
// bounded by `floatSumBound`.

/// Tolerance for `assertClose`: Float kernels against Double references, forward or backward.
///
/// Float sums of a few terms carry relative errors of ~1e-7; with the 1e-3 floor in
/// `maxRelativeError` an absolute error of 1e-7 on a near-zero entry reads as 1e-4 at most.
/// That holds only while Σ|terms| stays of order one: a sum of n order-one terms that cancels
/// has an absolute error of up to n · 6e-8 · Σ|terms|, which the floor turns into anything —
/// hence `assertWithinRounding` for products and long sums.
/// A flipped sign, a dropped term or a misplaced index costs at least ~1e-1, far above this.
let kernelTolerance = 2e-4

extension RNG {
    /// `count` standard normals times `scale`: varied, order-one inputs for a gradient check.
    mutating func normals(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in normal() * scale }
    }

    /// `count` integers drawn uniformly from 0..<n, as Int32 like the kernels' token buffers.
    mutating func integers(_ count: Int, below n: Int) -> [Int32] {
        (0..<count).map { _ in Int32(below(n)) }
    }
}

func zeros(_ count: Int) -> [Float] { [Float](repeating: 0, count: count) }

func doubles(_ x: [Float]) -> [Double] { x.map(Double.init) }

/// |x| in Double: run a reference on these to get Σ|terms| of each of its sums.
func absolutes(_ x: [Float]) -> [Double] { x.map { abs(Double($0)) } }

/// Σ a ⊙ b in Double: the scalar loss whose gradient a backward kernel computes from upstream `b`.
func dot(_ a: [Double], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "dot: \(a.count) vs \(b.count) elements")
    var s = 0.0
    for i in a.indices { s += a[i] * Double(b[i]) }
    return s
}

/// Central differences of a scalar function of `x`. In Double with h = 1e-5 the truncation
/// error (~h²·f‴) and the rounding error (~1e-16·|f|/h) both stay below 1e-9.
func numericalGradient(at x: [Double], step h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    var x = x
    var g = [Double](repeating: 0, count: x.count)
    for i in x.indices {
        let xi = x[i]
        x[i] = xi + h
        let plus = f(x)
        x[i] = xi - h
        let minus = f(x)
        x[i] = xi
        g[i] = (plus - minus) / (2 * h)
    }
    return g
}

/// max over i of |a − b| / max(floor, |a| + |b|): relative where values are sizeable and
/// absolute (scaled by 1/floor) where both are near zero, so tiny entries do not dominate.
func maxRelativeError(_ a: [Float], _ b: [Double], floor: Double = 1e-3) -> Double {
    precondition(a.count == b.count, "maxRelativeError: \(a.count) vs \(b.count) elements")
    var worst = 0.0
    for i in a.indices {
        let x = Double(a[i]), y = b[i]
        let e = abs(x - y) / max(floor, abs(x) + abs(y))
        worst = max(worst, e.isNaN ? .infinity : e)
    }
    return worst
}

/// Float's unit roundoff u = 2⁻²⁴: one rounding moves a value by at most u of itself.
let floatUnitRoundoff = 0x1p-24

/// γₙ = n·u / (1 − n·u), the bound on a Float sum of n terms as a fraction of Σ|terms|.
///
/// Each term reaches the result through at most n roundings (at most n − 1 additions on its
/// path through any summation tree, plus its own product's rounding, or none with an FMA), so
/// |computed − exact| ≤ γₙ · Σ|terms| in every order of summation: sequential, pairwise,
/// blocked over K, split over threads (Higham, *Accuracy and Stability of Numerical
/// Algorithms*, §3.1). OpenBLAS's sgemm sums in an order that depends on the CPU's kernel, so
/// this, and not a relative error of each output, is what a product can promise everywhere.
/// Count as terms everything that is summed: the products, a bias, the value accumulated into.
/// Real errors grow like √n · u (rounding errors mostly cancel), so the bound has a margin of
/// about √n that no kernel exhausts; a wrong index or a dropped term costs far more.
func floatSumBound(terms n: Int) -> Double {
    let nu = Double(n) * floatUnitRoundoff
    precondition(nu < 0.5, "floatSumBound: \(n) terms")
    return nu / (1 - nu)
}

/// max over i of |actual − expected| / magnitude, where magnitude[i] is Σ|terms| of the sum that
/// makes expected[i] (the Float64 reference run on absolute values). Unlike |a − b|/|b| this
/// stays bounded where a sum cancels to near zero: it measures exactly what rounding scales with.
/// A zero magnitude means every term is zero, and then the result must be exactly zero.
func maxErrorOverMagnitude(_ actual: [Float], _ expected: [Double], magnitude: [Double]) -> Double {
    precondition(actual.count == expected.count && actual.count == magnitude.count,
                 "maxErrorOverMagnitude: \(actual.count), \(expected.count), \(magnitude.count) elements")
    var worst = 0.0
    for i in actual.indices {
        precondition(magnitude[i] >= 0, "a magnitude is a sum of absolute values")
        let e = abs(Double(actual[i]) - expected[i]) / max(magnitude[i], .leastNormalMagnitude)
        worst = max(worst, e.isNaN ? .infinity : e)
    }
    return worst
}

/// Fails when some |actual − expected| exceeds `bound` · Σ|terms| (see `floatSumBound`). Prints
/// that error next to the per-element relative error with a floor (`maxRelativeError`) that
/// such checks used before, which is not checked: near-zero sums make it depend on the order
/// OpenBLAS sums in, that is on the CPU.
func assertWithinRounding(_ name: String, _ actual: [Float], _ expected: [Double], magnitude: [Double],
                          bound: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(name): element count", file: file, line: line)
    // |expected| ≤ Σ|terms| always (up to the rounding of an expected value that was itself
    // computed in Float); if not, the magnitude was computed wrongly and could hide errors.
    let inconsistent = zip(expected, magnitude).filter { abs($0) > $1 * (1 + bound) }.count
    XCTAssertEqual(inconsistent, 0, "\(name): magnitudes smaller than |expected|", file: file, line: line)
    let e = maxErrorOverMagnitude(actual, expected, magnitude: magnitude)
    print("\(name): max |Δ|/Σ|terms| \(e) (bound \(bound), \(String(format: "%.0f", bound / e))× margin);",
          "per-element rel err (unchecked) \(maxRelativeError(actual, expected))")
    XCTAssertLessThan(e, bound, "\(name): max |Δ|/Σ|terms| \(e) exceeds \(bound)", file: file, line: line)
}

/// Prints `name max rel err e` (so a run shows how close each kernel is) and fails above `tolerance`.
func assertClose(_ name: String, _ actual: [Float], _ expected: [Double], tolerance: Double = kernelTolerance,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(name): element count", file: file, line: line)
    let e = maxRelativeError(actual, expected)
    print("\(name) max rel err", e)
    XCTAssertLessThan(e, tolerance, "\(name): max relative error \(e) exceeds \(tolerance)", file: file, line: line)
}

/// Backward kernels add into their gradient buffers, so running one twice must give twice the gradient.
func assertAccumulates(_ name: String, once: [Float], twice: [Float],
                       file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(once.contains { $0 != 0 }, "\(name): gradient is all zero", file: file, line: line)
    assertClose("\(name) accumulate", twice, once.map { 2 * Double($0) }, tolerance: 1e-5, file: file, line: line)
}

/// `assertAccumulates` for a kernel whose output is a sum (a product, a reduction): running it
/// twice adds a second copy of the same sum, rounded on top of the first, so the two differ from
/// 2 × once by rounding of Σ|terms| — not of |once|, which may have cancelled to near zero.
/// `magnitude` is Σ|terms| of one run and `bound` the fraction of it one run may be off
/// (`floatSumBound`): the first run is off by ≤ bound · magnitude, and adding the second onto it
/// rounds with at most one term more over twice the magnitude, so 2 × bound over 2 × magnitude
/// covers both. Not accumulating (twice = once) still costs |once| / (2 · magnitude), ~0.1 or more.
func assertAccumulates(_ name: String, once: [Float], twice: [Float], magnitude: [Double], bound: Double,
                       file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(once.contains { $0 != 0 }, "\(name): gradient is all zero", file: file, line: line)
    assertWithinRounding("\(name) accumulate", twice, once.map { 2 * Double($0) }, magnitude: magnitude.map { 2 * $0 },
                         bound: 2 * bound, file: file, line: line)
}

/// Hands `body` a pointer to `array`'s storage, or nil when there is no array (an optional kernel input).
func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Mutable counterpart of `withOptionalPointer`, for optional gradient outputs.
func withOptionalMutablePointer<R>(_ array: inout [Float]?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    guard array != nil else { return body(nil) }
    return array!.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}
