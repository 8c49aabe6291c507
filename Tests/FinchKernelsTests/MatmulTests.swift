import XCTest
@testable import FinchKernels

/// matmulForward/matmulBackward against naive Double loops, in both weight layouts,
/// with and without bias, and on column slices of wider rows (ldInp/ldOut).
///
/// Every output is a sum, computed by OpenBLAS's sgemm in an order that depends on the CPU's
/// kernel (SSE, AVX2, AVX-512...), so errors are measured against Σ|terms| of each output and
/// bounded by `floatSumBound(terms:)`, which holds in any order; a relative error per element
/// is not, where a sum cancels to near zero (see `assertWithinRounding`).
final class MatmulTests: XCTestCase {
    let N = 5, C = 7, OC = 6

    /// W(o, c) read from either layout: [OC, C] for `.outIn`, [C, OC] for `.inOut`.
    static func weightAt(_ w: [Double], o: Int, c: Int, C: Int, OC: Int, layout: WeightLayout) -> Double {
        layout == .outIn ? w[o * C + c] : w[c * OC + o]
    }

    /// out[n, o] = Σ_c inp[n, c] · W(o, c) + bias[o], as three plain loops.
    static func reference(inp: [Double], weight: [Double], bias: [Double]?, N: Int, C: Int, OC: Int,
                          layout: WeightLayout) -> [Double] {
        var out = [Double](repeating: 0, count: N * OC)
        for n in 0..<N {
            for o in 0..<OC {
                var s = bias?[o] ?? 0
                for c in 0..<C { s += inp[n * C + c] * weightAt(weight, o: o, c: c, C: C, OC: OC, layout: layout) }
                out[n * OC + o] = s
            }
        }
        return out
    }

    /// Σ|terms| of each output of `reference`: the same loops over |inp|, |W| and |bias|.
    static func magnitude(inp: [Float], weight: [Float], bias: [Float]?, N: Int, C: Int, OC: Int,
                          layout: WeightLayout) -> [Double] {
        reference(inp: absolutes(inp), weight: absolutes(weight), bias: bias.map(absolutes), N: N, C: C, OC: OC,
                  layout: layout)
    }

    /// The exact gradients of Σ dout ⊙ out, as plain loops: dinp[n, c] = Σ_o dout[n, o] · W(o, c),
    /// dW(o, c) = Σ_n dout[n, o] · inp[n, c] (in W's layout), dbias[o] = Σ_n dout[n, o].
    /// Run on absolute values, it gives Σ|terms| of each gradient entry.
    static func backwardReference(inp: [Double], weight: [Double], dout: [Double], N: Int, C: Int, OC: Int,
                                  layout: WeightLayout) -> (dinp: [Double], dweight: [Double], dbias: [Double]) {
        var dinp = [Double](repeating: 0, count: N * C), dweight = [Double](repeating: 0, count: OC * C)
        var dbias = [Double](repeating: 0, count: OC)
        for n in 0..<N {
            for o in 0..<OC {
                let d = dout[n * OC + o]
                dbias[o] += d
                for c in 0..<C {
                    let w = layout == .outIn ? o * C + c : c * OC + o
                    dinp[n * C + c] += d * weight[w]
                    dweight[w] += d * inp[n * C + c]
                }
            }
        }
        return (dinp, dweight, dbias)
    }

    /// C products, plus the bias when there is one: γ₈ ≈ 4.8e-7 of Σ|terms| at most. An error a
    /// bug would make (a wrong column, a dropped bias, a transposed weight) is ~0.1 or more of it.
    func testForwardMatchesNaiveLoops() {
        var rng = RNG(seed: 11)
        for layout in [WeightLayout.outIn, .inOut] {
            for hasBias in [true, false] {
                let inp = rng.normals(N * C), weight = rng.normals(OC * C)
                let bias: [Float]? = hasBias ? rng.normals(OC) : nil
                var out = rng.normals(N * OC)  // garbage: the forward must overwrite it
                withOptionalPointer(bias) { b in
                    matmulForward(out: &out, inp: inp, weight: weight, bias: b, N: N, C: C, OC: OC, layout: layout)
                }
                let expected = Self.reference(inp: doubles(inp), weight: doubles(weight), bias: bias.map(doubles),
                                              N: N, C: C, OC: OC, layout: layout)
                assertWithinRounding("matmul forward \(layout) bias=\(hasBias)", out, expected,
                                     magnitude: Self.magnitude(inp: inp, weight: weight, bias: bias, N: N, C: C, OC: OC,
                                                               layout: layout),
                                     bound: floatSumBound(terms: C + (hasBias ? 1 : 0)))
            }
        }
    }

    /// The previous value, the bias and C products: C + 2 terms.
    func testAccumulateAddsIntoOutput() {
        var rng = RNG(seed: 12)
        let inp = rng.normals(N * C), weight = rng.normals(OC * C), bias = rng.normals(OC)
        let previous = rng.normals(N * OC)
        var out = previous
        matmulForward(out: &out, inp: inp, weight: weight, bias: bias, N: N, C: C, OC: OC, accumulate: true)
        let product = Self.reference(inp: doubles(inp), weight: doubles(weight), bias: doubles(bias),
                                     N: N, C: C, OC: OC, layout: .outIn)
        let magnitude = Self.magnitude(inp: inp, weight: weight, bias: bias, N: N, C: C, OC: OC, layout: .outIn)
        assertWithinRounding("matmul forward accumulate", out, zip(product, previous).map { $0 + Double($1) },
                             magnitude: zip(magnitude, previous).map { $0 + abs(Double($1)) },
                             bound: floatSumBound(terms: C + 2))
    }

    /// dinp sums OC products, dW and dbias N, each into the buffer's previous value (+1 term).
    /// Finite differences of this loss, bilinear in each argument, have no truncation error; their
    /// Double rounding (≲ 1e-9 absolute) is ≲ 1e-8 of magnitudes that are all ≳ 0.1 here, well
    /// inside bounds of γ₆ ≈ 3.6e-7 and more. A wrong sign, a transposed dout or a gradient
    /// computed in the other layout costs ~0.1 or more of Σ|terms|.
    func testBackwardMatchesFiniteDifferences() {
        var rng = RNG(seed: 13)
        for layout in [WeightLayout.outIn, .inOut] {
            let inp = rng.normals(N * C), weight = rng.normals(OC * C), bias = rng.normals(OC)
            let dout = rng.normals(N * OC)
            var dinp = zeros(N * C), dweight = zeros(OC * C), dbias = zeros(OC)
            matmulBackward(dinp: &dinp, dweight: &dweight, dbias: &dbias, dout: dout, inp: inp, weight: weight,
                           N: N, C: C, OC: OC, layout: layout)

            let x = doubles(inp), w = doubles(weight), b = doubles(bias)
            func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
                dot(Self.reference(inp: x, weight: w, bias: b, N: N, C: C, OC: OC, layout: layout), dout)
            }
            let mag = Self.backwardReference(inp: absolutes(inp), weight: absolutes(weight), dout: absolutes(dout),
                                             N: N, C: C, OC: OC, layout: layout)
            let (inpBound, weightBound) = (floatSumBound(terms: OC + 1), floatSumBound(terms: N + 1))
            assertWithinRounding("matmul \(layout) dinp", dinp, numericalGradient(at: x) { loss($0, w, b) },
                                 magnitude: mag.dinp, bound: inpBound)
            assertWithinRounding("matmul \(layout) dweight", dweight, numericalGradient(at: w) { loss(x, $0, b) },
                                 magnitude: mag.dweight, bound: weightBound)
            assertWithinRounding("matmul \(layout) dbias", dbias, numericalGradient(at: b) { loss(x, w, $0) },
                                 magnitude: mag.dbias, bound: weightBound)

            var dinp2 = dinp, dweight2 = dweight, dbias2 = dbias
            matmulBackward(dinp: &dinp2, dweight: &dweight2, dbias: &dbias2, dout: dout, inp: inp, weight: weight,
                           N: N, C: C, OC: OC, layout: layout)
            assertAccumulates("matmul \(layout) dinp", once: dinp, twice: dinp2, magnitude: mag.dinp, bound: inpBound)
            assertAccumulates("matmul \(layout) dweight", once: dweight, twice: dweight2, magnitude: mag.dweight,
                              bound: weightBound)
            assertAccumulates("matmul \(layout) dbias", once: dbias, twice: dbias2, magnitude: mag.dbias,
                              bound: weightBound)
        }
    }

    /// Only the needed gradients are computed: nil outputs are skipped, the others unchanged.
    /// With many tokens and several threads, weight gradients are summed over per-thread token
    /// shares (`weightGradientSplitByTokens`); they must equal the naive dW += doutᵀ·inp and
    /// accumulate into what dweight held.
    ///
    /// Each entry sums n = 1100 products onto its start value; Σ of ~1100 order-one products
    /// of either sign is ~33 in size but lands within 0.1 of zero for some of the 960 entries,
    /// where a relative error per element only measures the order OpenBLAS happened to sum in
    /// (it read 2.1e-4 and 5.0e-4 on an AVX-512 Xeon). Against Σ|terms| (~700 per entry) the
    /// bound is γ₁₁₀₁ ≈ 6.6e-5, for one thread or two (the second thread's share summed apart,
    /// then added: still 1101 terms). A token counted twice or skipped (|dout·inp| ~ 0.6, ~1e-3
    /// of Σ|terms|), a share left out (~3e-2), or start overwritten instead of added (~1e-3) all
    /// exceed it; so does a 1e-2 relative error in a typical entry (~5e-4).
    func testWeightGradientOverManyTokensOnTwoThreads() {
        var rng = RNG(seed: 15)
        let (n, c, oc) = (1100, 24, 40)
        defer { KernelThreads.set(1) }
        for layout in [WeightLayout.outIn, .inOut] {
            let inp = rng.normals(n * c), dout = rng.normals(n * oc), weight = rng.normals(c * oc)
            let start = rng.normals(c * oc)
            var expected = doubles(start), magnitude = absolutes(start)
            for t in 0..<n {
                for o in 0..<oc {
                    for k in 0..<c {
                        let i = layout == .outIn ? o * c + k : k * oc + o
                        let term = Double(dout[t * oc + o]) * Double(inp[t * c + k])
                        expected[i] += term
                        magnitude[i] += abs(term)
                    }
                }
            }
            for threads in [1, 2] {
                KernelThreads.set(threads)
                var dweight = start
                matmulBackward(dinp: nil, dweight: &dweight, dbias: nil, dout: dout, inp: inp, weight: weight,
                               N: n, C: c, OC: oc, layout: layout)
                assertWithinRounding("matmul dweight over \(n) tokens, \(threads) threads, \(layout)", dweight, expected,
                                     magnitude: magnitude, bound: floatSumBound(terms: n + 1))
            }
        }
    }

    func testBackwardSkipsNilGradients() {
        var rng = RNG(seed: 14)
        let inp = rng.normals(N * C), weight = rng.normals(OC * C), dout = rng.normals(N * OC)
        var full = zeros(N * C), onlyInput = zeros(N * C), dweight = zeros(OC * C)
        matmulBackward(dinp: &full, dweight: &dweight, dbias: nil, dout: dout, inp: inp, weight: weight,
                       N: N, C: C, OC: OC)
        matmulBackward(dinp: &onlyInput, dweight: nil, dbias: nil, dout: dout, inp: inp, weight: weight,
                       N: N, C: C, OC: OC)
        XCTAssertEqual(full, onlyInput)
    }

    /// Lays `rows` rows of `cols` values out with `ld` floats per row; the gap holds `fill`.
    static func strided(_ x: [Float], rows: Int, cols: Int, ld: Int, fill: Float) -> [Float] {
        var out = [Float](repeating: fill, count: rows * ld)
        for r in 0..<rows { for c in 0..<cols { out[r * ld + c] = x[r * cols + c] } }
        return out
    }

    static func compact(_ x: [Float], rows: Int, cols: Int, ld: Int) -> [Float] {
        (0..<rows * cols).map { x[($0 / cols) * ld + $0 % cols] }
    }

    static func gap(_ x: [Float], rows: Int, cols: Int, ld: Int) -> [Float] {
        (0..<rows).flatMap { r in x[(r * ld + cols)..<((r + 1) * ld)] }
    }

    /// A column slice of a wider row (one head of a fused buffer): the kernels read and write
    /// only the slice, and the gap columns keep their sentinel values. Results are checked
    /// against the Double loops with the bounds of the compact tests above (reading a gap
    /// column would bring in a NaN; writing into one would break a sentinel).
    func testStridedRowsTouchOnlyTheirSlice() {
        var rng = RNG(seed: 15)
        let ldInp = C + 3, ldOut = OC + 2, sentinel: Float = 1234.5
        for layout in [WeightLayout.outIn, .inOut] {
            let inp = rng.normals(N * C), weight = rng.normals(OC * C), bias = rng.normals(OC)
            let dout = rng.normals(N * OC)
            let wideInp = Self.strided(inp, rows: N, cols: C, ld: ldInp, fill: .nan)
            var wideOut = Self.strided(zeros(N * OC), rows: N, cols: OC, ld: ldOut, fill: sentinel)
            matmulForward(out: &wideOut, inp: wideInp, weight: weight, bias: bias, N: N, C: C, OC: OC,
                          layout: layout, ldInp: ldInp, ldOut: ldOut)
            let expected = Self.reference(inp: doubles(inp), weight: doubles(weight), bias: doubles(bias),
                                          N: N, C: C, OC: OC, layout: layout)
            assertWithinRounding("matmul strided forward \(layout)", Self.compact(wideOut, rows: N, cols: OC, ld: ldOut),
                                 expected, magnitude: Self.magnitude(inp: inp, weight: weight, bias: bias, N: N, C: C,
                                                                     OC: OC, layout: layout),
                                 bound: floatSumBound(terms: C + 1))
            XCTAssertTrue(Self.gap(wideOut, rows: N, cols: OC, ld: ldOut).allSatisfy { $0 == sentinel })

            let wideDout = Self.strided(dout, rows: N, cols: OC, ld: ldOut, fill: .nan)
            var wideDinp = Self.strided(zeros(N * C), rows: N, cols: C, ld: ldInp, fill: sentinel)
            var dweight = zeros(OC * C), dbias = zeros(OC)
            matmulBackward(dinp: &wideDinp, dweight: &dweight, dbias: &dbias, dout: wideDout, inp: wideInp,
                           weight: weight, N: N, C: C, OC: OC, layout: layout, ldInp: ldInp, ldOut: ldOut)
            let exact = Self.backwardReference(inp: doubles(inp), weight: doubles(weight), dout: doubles(dout),
                                               N: N, C: C, OC: OC, layout: layout)
            let mag = Self.backwardReference(inp: absolutes(inp), weight: absolutes(weight), dout: absolutes(dout),
                                             N: N, C: C, OC: OC, layout: layout)
            assertWithinRounding("matmul strided dinp \(layout)", Self.compact(wideDinp, rows: N, cols: C, ld: ldInp),
                                 exact.dinp, magnitude: mag.dinp, bound: floatSumBound(terms: OC + 1))
            assertWithinRounding("matmul strided dweight \(layout)", dweight, exact.dweight, magnitude: mag.dweight,
                                 bound: floatSumBound(terms: N + 1))
            assertWithinRounding("matmul strided dbias \(layout)", dbias, exact.dbias, magnitude: mag.dbias,
                                 bound: floatSumBound(terms: N + 1))
            XCTAssertTrue(Self.gap(wideDinp, rows: N, cols: C, ld: ldInp).allSatisfy { $0 == sentinel })
        }
    }
}
