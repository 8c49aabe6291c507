import XCTest
@testable import FinchKernels

/// matmulForward/matmulBackward against naive Double loops, in both weight layouts,
/// with and without bias, and on column slices of wider rows (ldInp/ldOut).
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
                assertClose("matmul forward \(layout) bias=\(hasBias)", out, expected)
            }
        }
    }

    func testAccumulateAddsIntoOutput() {
        var rng = RNG(seed: 12)
        let inp = rng.normals(N * C), weight = rng.normals(OC * C), bias = rng.normals(OC)
        let previous = rng.normals(N * OC)
        var out = previous
        matmulForward(out: &out, inp: inp, weight: weight, bias: bias, N: N, C: C, OC: OC, accumulate: true)
        let product = Self.reference(inp: doubles(inp), weight: doubles(weight), bias: doubles(bias),
                                     N: N, C: C, OC: OC, layout: .outIn)
        assertClose("matmul forward accumulate", out, zip(product, previous).map { $0 + Double($1) })
    }

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
            assertClose("matmul \(layout) dinp", dinp, numericalGradient(at: x) { loss($0, w, b) })
            assertClose("matmul \(layout) dweight", dweight, numericalGradient(at: w) { loss(x, $0, b) })
            assertClose("matmul \(layout) dbias", dbias, numericalGradient(at: b) { loss(x, w, $0) })

            var dinp2 = dinp, dweight2 = dweight, dbias2 = dbias
            matmulBackward(dinp: &dinp2, dweight: &dweight2, dbias: &dbias2, dout: dout, inp: inp, weight: weight,
                           N: N, C: C, OC: OC, layout: layout)
            assertAccumulates("matmul \(layout) dinp", once: dinp, twice: dinp2)
            assertAccumulates("matmul \(layout) dweight", once: dweight, twice: dweight2)
            assertAccumulates("matmul \(layout) dbias", once: dbias, twice: dbias2)
        }
    }

    /// Only the needed gradients are computed: nil outputs are skipped, the others unchanged.
    /// With many tokens and several threads, weight gradients are summed over per-thread token
    /// shares (`weightGradientSplitByTokens`); they must equal the naive dW += doutᵀ·inp and
    /// accumulate into what dweight held.
    func testWeightGradientOverManyTokensOnTwoThreads() {
        var rng = RNG(seed: 15)
        let (n, c, oc) = (1100, 24, 40)
        defer { KernelThreads.set(1) }
        for layout in [WeightLayout.outIn, .inOut] {
            let inp = rng.normals(n * c), dout = rng.normals(n * oc), weight = rng.normals(c * oc)
            let start = rng.normals(c * oc)
            var expected = doubles(start)
            for t in 0..<n {
                for o in 0..<oc {
                    for k in 0..<c {
                        let i = layout == .outIn ? o * c + k : k * oc + o
                        expected[i] += Double(dout[t * oc + o]) * Double(inp[t * c + k])
                    }
                }
            }
            for threads in [1, 2] {
                KernelThreads.set(threads)
                var dweight = start
                matmulBackward(dinp: nil, dweight: &dweight, dbias: nil, dout: dout, inp: inp, weight: weight,
                               N: n, C: c, OC: oc, layout: layout)
                assertClose("matmul dweight over \(n) tokens, \(threads) threads, \(layout)", dweight, expected)
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
    /// only the slice, and the gap columns keep their sentinel values.
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
            assertClose("matmul strided forward \(layout)", Self.compact(wideOut, rows: N, cols: OC, ld: ldOut),
                        expected)
            XCTAssertTrue(Self.gap(wideOut, rows: N, cols: OC, ld: ldOut).allSatisfy { $0 == sentinel })

            let wideDout = Self.strided(dout, rows: N, cols: OC, ld: ldOut, fill: .nan)
            var wideDinp = Self.strided(zeros(N * C), rows: N, cols: C, ld: ldInp, fill: sentinel)
            var dweight = zeros(OC * C), dbias = zeros(OC)
            matmulBackward(dinp: &wideDinp, dweight: &dweight, dbias: &dbias, dout: wideDout, inp: wideInp,
                           weight: weight, N: N, C: C, OC: OC, layout: layout, ldInp: ldInp, ldOut: ldOut)
            var dinp = zeros(N * C), compactDweight = zeros(OC * C), compactDbias = zeros(OC)
            matmulBackward(dinp: &dinp, dweight: &compactDweight, dbias: &compactDbias, dout: dout, inp: inp,
                           weight: weight, N: N, C: C, OC: OC, layout: layout)
            assertClose("matmul strided dinp \(layout)", Self.compact(wideDinp, rows: N, cols: C, ld: ldInp),
                        doubles(dinp))
            assertClose("matmul strided dweight \(layout)", dweight, doubles(compactDweight))
            assertClose("matmul strided dbias \(layout)", dbias, doubles(compactDbias))
            XCTAssertTrue(Self.gap(wideDinp, rows: N, cols: C, ld: ldInp).allSatisfy { $0 == sentinel })
        }
    }
}
