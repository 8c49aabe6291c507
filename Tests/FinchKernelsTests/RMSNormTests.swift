import XCTest
@testable import FinchKernels

/// rmsNormForward/rmsNormBackward (Llama, Qwen2).
final class RMSNormTests: XCTestCase {
    let N = 5, C = 7
    let eps: Float = 1e-6

    /// x / √(mean(x²) + eps) · weight per row.
    func reference(_ x: [Double], weight: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: N * C)
        for n in 0..<N {
            let ms = x[n * C..<(n + 1) * C].map { $0 * $0 }.reduce(0, +) / Double(C)
            let rstd = 1 / (ms + Double(eps)).squareRoot()
            for c in 0..<C { out[n * C + c] = x[n * C + c] * rstd * weight[c] }
        }
        return out
    }

    func testForwardMatchesReferenceAndSavesRstd() {
        var rng = RNG(seed: 41)
        let inp = rng.normals(N * C, scale: 2), weight = rng.normals(C)
        var out = zeros(N * C), rstd = zeros(N)
        rmsNormForward(out: &out, rstd: &rstd, inp: inp, weight: weight, N: N, C: C, eps: eps)
        let x = doubles(inp)
        assertClose("rmsnorm forward", out, reference(x, weight: doubles(weight)))
        let rstds = (0..<N).map { n in
            1 / (x[n * C..<(n + 1) * C].map { $0 * $0 }.reduce(0, +) / Double(C) + Double(eps)).squareRoot()
        }
        assertClose("rmsnorm saved rstd", rstd, rstds)

        var withoutSaving = zeros(N * C)
        rmsNormForward(out: &withoutSaving, rstd: nil, inp: inp, weight: weight, N: N, C: C, eps: eps)
        XCTAssertEqual(withoutSaving, out)
    }

    func testBackwardMatchesFiniteDifferences() {
        var rng = RNG(seed: 42)
        let inp = rng.normals(N * C, scale: 2), weight = rng.normals(C), dout = rng.normals(N * C)
        var out = zeros(N * C), rstd = zeros(N)
        rmsNormForward(out: &out, rstd: &rstd, inp: inp, weight: weight, N: N, C: C, eps: eps)
        var dinp = zeros(N * C), dweight = zeros(C)
        rmsNormBackward(dinp: &dinp, dweight: &dweight, dout: dout, inp: inp, weight: weight, rstd: rstd, N: N, C: C)

        let x = doubles(inp), w = doubles(weight)
        assertClose("rmsnorm dinp", dinp, numericalGradient(at: x) { dot(reference($0, weight: w), dout) })
        assertClose("rmsnorm dweight", dweight, numericalGradient(at: w) { dot(reference(x, weight: $0), dout) })

        var dinp2 = dinp, dweight2 = dweight
        rmsNormBackward(dinp: &dinp2, dweight: &dweight2, dout: dout, inp: inp, weight: weight, rstd: rstd, N: N, C: C)
        assertAccumulates("rmsnorm dinp", once: dinp, twice: dinp2)
        assertAccumulates("rmsnorm dweight", once: dweight, twice: dweight2)
    }
}
