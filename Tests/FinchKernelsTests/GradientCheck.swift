import XCTest
@testable import FinchKernels

// Shared tools for the kernel tests. Every backward kernel is checked the same way:
// a tiny Double reference of the forward pass, L = Σ dout ⊙ reference(x), central finite
// differences of L in Double, and the largest relative error against the kernel's Float gradient.
// Differencing a Double reference (rather than the Float kernel) keeps the numerical gradient
// accurate to ~1e-9, so what remains is the kernel's own Float rounding (~1e-6) and any real
// mistake (a sign, a missing term, a wrong index) shows up as an error of order 1.

/// Tolerance for Float kernels against Double references, forward or backward.
///
/// Float sums of a few dozen terms carry relative errors of ~1e-6; with the 1e-3 floor in
/// `maxRelativeError` an absolute error of 1e-7 on a near-zero entry reads as 1e-4 at most.
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
