import XCTest
@testable import FinchKernels

/// loraForward/loraBackward against a Float64 reference whose gradients are themselves checked
/// by finite differences, on a column slice of a wider output row (an adapter on Llama's v_proj
/// inside the fused q|k|v product).
final class LoRATests: XCTestCase {
    let N = 5, C = 7, r = 3, cols = 4, ld = 10, column = 5
    let scale: Float = 0.75

    /// out[n, column + j] += s · Σ_k B[j, k] · Σ_c A[k, c] · x[n, c] over a [N, ld] base.
    func reference(x: [Double], a: [Double], b: [Double], base: [Double], s: Double) -> [Double] {
        var out = base
        for n in 0..<N {
            for j in 0..<cols {
                var sum = 0.0
                for k in 0..<r {
                    var t = 0.0
                    for c in 0..<C { t += a[k * C + c] * x[n * C + c] }
                    sum += b[j * r + k] * t
                }
                out[n * ld + column + j] += s * sum
            }
        }
        return out
    }

    /// The exact gradients of Σ dout ⊙ out with respect to x, A and B.
    func gradients(x: [Double], a: [Double], b: [Double], dout: [Double], s: Double)
        -> (dx: [Double], da: [Double], db: [Double]) {
        var t = [Double](repeating: 0, count: N * r), g = [Double](repeating: 0, count: N * r)
        for n in 0..<N {
            for k in 0..<r {
                for c in 0..<C { t[n * r + k] += a[k * C + c] * x[n * C + c] }
                for j in 0..<cols { g[n * r + k] += s * dout[n * ld + column + j] * b[j * r + k] }
            }
        }
        var dx = [Double](repeating: 0, count: N * C), da = [Double](repeating: 0, count: r * C)
        var db = [Double](repeating: 0, count: cols * r)
        for n in 0..<N {
            for k in 0..<r {
                for c in 0..<C { da[k * C + c] += g[n * r + k] * x[n * C + c]; dx[n * C + c] += g[n * r + k] * a[k * C + c] }
                for j in 0..<cols { db[j * r + k] += s * dout[n * ld + column + j] * t[n * r + k] }
            }
        }
        return (dx, da, db)
    }

    func testForwardAddsTheLowRankProductIntoItsColumnsOnly() {
        var rng = RNG(seed: 71)
        let x = rng.normals(N * C), a = rng.normals(r * C), b = rng.normals(cols * r), base = rng.normals(N * ld)
        var out = base, u = zeros(N * r)
        out.withUnsafeMutableBufferPointer { o in
            loraForward(out: o.baseAddress! + column, ldOut: ld, saved: &u, inp: x, a: a, b: b, scale: scale, N: N, C: C, r: r, cols: cols)
        }
        let expected = reference(x: doubles(x), a: doubles(a), b: doubles(b), base: doubles(base), s: Double(scale))
        let magnitude = reference(x: absolutes(x), a: absolutes(a), b: absolutes(b), base: absolutes(base), s: Double(scale))
        assertWithinRounding("lora forward", out, expected, magnitude: magnitude, bound: floatSumBound(terms: C + r + 2))
        for n in 0..<N { for j in 0..<ld where !(column..<column + cols).contains(j) { XCTAssertEqual(out[n * ld + j], base[n * ld + j]) } }
    }

    func testBackwardMatchesFiniteDifferencesAndAccumulates() {
        var rng = RNG(seed: 72)
        let x = rng.normals(N * C), a = rng.normals(r * C), b = rng.normals(cols * r), dout = rng.normals(N * ld)
        var out = zeros(N * ld), u = zeros(N * r)
        out.withUnsafeMutableBufferPointer { o in
            loraForward(out: o.baseAddress! + column, ldOut: ld, saved: &u, inp: x, a: a, b: b, scale: scale, N: N, C: C, r: r, cols: cols)
        }
        var dx = zeros(N * C), da = zeros(r * C), db = zeros(cols * r), du = zeros(N * r)
        let run = {
            loraBackward(dinp: &dx, da: &da, db: &db, du: &du, dout: dout.withUnsafeBufferPointer { $0.baseAddress! + self.column },
                         ldOut: self.ld, saved: u, inp: x, a: a, b: b, scale: self.scale, N: self.N, C: self.C, r: self.r, cols: self.cols)
        }
        run()
        let s = Double(scale), xd = doubles(x), ad = doubles(a), bd = doubles(b), zero = [Double](repeating: 0, count: N * ld)
        let exact = gradients(x: xd, a: ad, b: bd, dout: doubles(dout), s: s)
        // The Float64 gradients are those of the Float64 forward: finite differences agree to ~1e-9.
        let loss = { (x: [Double], a: [Double], b: [Double]) in dot(self.reference(x: x, a: a, b: b, base: zero, s: s), dout) }
        for (name, analytic, numeric) in [("dx", exact.dx, numericalGradient(at: xd) { loss($0, ad, bd) }),
                                          ("dA", exact.da, numericalGradient(at: ad) { loss(xd, $0, bd) }),
                                          ("dB", exact.db, numericalGradient(at: bd) { loss(xd, ad, $0) })] {
            let worst = zip(analytic, numeric).map { abs($0 - $1) }.max()!
            print("lora \(name): Float64 gradient against finite differences max |Δ| \(worst)")
            XCTAssertLessThan(worst, 1e-7, name)
        }
        let magnitude = gradients(x: absolutes(x), a: absolutes(a), b: absolutes(b), dout: absolutes(dout), s: s)
        let bound = floatSumBound(terms: N + C + r + cols)
        assertWithinRounding("lora dinp", dx, exact.dx, magnitude: magnitude.dx, bound: bound)
        assertWithinRounding("lora dA", da, exact.da, magnitude: magnitude.da, bound: bound)
        assertWithinRounding("lora dB", db, exact.db, magnitude: magnitude.db, bound: bound)
        let (dx1, da1, db1) = (dx, da, db)
        run()
        assertAccumulates("lora dinp", once: dx1, twice: dx, magnitude: magnitude.dx, bound: bound)
        assertAccumulates("lora dA", once: da1, twice: da, magnitude: magnitude.da, bound: bound)
        assertAccumulates("lora dB", once: db1, twice: db, magnitude: magnitude.db, bound: bound)
    }
}
