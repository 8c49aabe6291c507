import Foundation
import XCTest
@testable import FinchKernels

/// GELU (tanh form) and SwiGLU, forward against Double formulas and backward against finite differences.
final class ActivationTests: XCTestCase {
    /// GELU's tolerance is looser than `kernelTolerance` because the tanh form itself cancels in
    /// Float: for x ≲ −3, 1 + tanh(u) is ~1e-4 computed from values near 1, so the kernel's
    /// absolute error (~1e-7·|x|) reads as up to ~5e-4 against the 1e-3 floor. A wrong sign or
    /// factor in GELU′ still costs an error of order 1.
    let geluTolerance = 2e-3

    /// GPT-2's gelu_new: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    static func gelu(_ x: Double) -> Double {
        0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    }

    /// silu(gate) · up on rows laid out [gate (H) | up (H)].
    static func swiglu(_ inp: [Double], N: Int, H: Int) -> [Double] {
        (0..<N * H).map { i in
            let n = i / H, h = i % H
            let g = inp[n * 2 * H + h], u = inp[n * 2 * H + H + h]
            return g / (1 + exp(-g)) * u
        }
    }

    func testGeluForwardMatchesFormula() { forEachKernelPath { isa in
        var rng = RNG(seed: 51)
        let N = 37
        let inp = rng.normals(N, scale: 3)
        var out = zeros(N)
        geluForward(out: &out, inp: inp, N: N)
        assertClose("gelu forward (\(isa))", out, doubles(inp).map(Self.gelu), tolerance: geluTolerance)
    } }

    func testGeluBackwardMatchesFiniteDifferences() { forEachKernelPath { isa in
        var rng = RNG(seed: 52)
        let N = 37
        let inp = rng.normals(N, scale: 3), dout = rng.normals(N)
        var dinp = zeros(N)
        geluBackward(dinp: &dinp, inp: inp, dout: dout, N: N)
        assertClose("gelu dinp (\(isa))", dinp, numericalGradient(at: doubles(inp)) { dot($0.map(Self.gelu), dout) },
                    tolerance: geluTolerance)

        var dinp2 = dinp
        geluBackward(dinp: &dinp2, inp: inp, dout: dout, N: N)
        assertAccumulates("gelu dinp (\(isa))", once: dinp, twice: dinp2)
    } }

    func testSwigluForwardMatchesFormula() {
        var rng = RNG(seed: 53)
        let N = 5, H = 7
        let inp = rng.normals(N * 2 * H, scale: 2)
        var out = zeros(N * H)
        swigluForward(out: &out, inp: inp, N: N, H: H)
        assertClose("swiglu forward", out, Self.swiglu(doubles(inp), N: N, H: H))
    }

    func testSwigluBackwardMatchesFiniteDifferences() {
        var rng = RNG(seed: 54)
        let N = 5, H = 7
        let inp = rng.normals(N * 2 * H, scale: 2), dout = rng.normals(N * H)
        var dinp = zeros(N * 2 * H)
        swigluBackward(dinp: &dinp, inp: inp, dout: dout, N: N, H: H)
        assertClose("swiglu dinp", dinp,
                    numericalGradient(at: doubles(inp)) { dot(Self.swiglu($0, N: N, H: H), dout) })

        var dinp2 = dinp
        swigluBackward(dinp: &dinp2, inp: inp, dout: dout, N: N, H: H)
        assertAccumulates("swiglu dinp", once: dinp, twice: dinp2)
    }
}
