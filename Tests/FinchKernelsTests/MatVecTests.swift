import XCTest
@testable import FinchKernels

/// The products of 1–4 rows (`matvec`, behind `matmulForward`) against Float64 loops, in both
/// weight layouts, with bias, accumulation and strided rows, on shapes with every remainder:
/// C = 23 leaves 3 input rows after the four `.inOut` streams and 7 inputs after the 8-lane
/// `.outIn` dot products; OC = 37 leaves 5 columns after 8-lane `.inOut` steps and 1 output
/// after the `.outIn` fours. Errors are relative to Σ|terms| of each output (what Float
/// rounding scales with), so outputs that cancel to near zero do not read as large errors, and
/// bounded by `floatSumBound` of the C products plus the bias and the accumulated value
/// (γ₂₅ ≈ 1.5e-6 at most); a lost remainder column or row costs ~0.1 of Σ|terms| or more.
final class MatVecTests: XCTestCase {
    override func tearDown() {
        KernelThreads.set(1)
        super.tearDown()
    }

    func testFewRowsMatchDoubleLoops() {
        var rng = RNG(seed: 51)
        let C = 23, OC = 37, ldInp = C + 2, ldOut = OC + 3
        var worst = 0.0
        for layout in [WeightLayout.outIn, .inOut] {
            let weight = rng.normals(OC * C)
            for N in 1...4 {
                for (hasBias, accumulate) in [(false, false), (true, false), (true, true)] {
                    let inp = rng.normals(N * C), bias: [Float]? = hasBias ? rng.normals(OC) : nil
                    let start = rng.normals(N * OC)
                    var out = MatmulTests.strided(start, rows: N, cols: OC, ld: ldOut, fill: 1234.5)
                    withOptionalPointer(bias) { b in
                        matmulForward(out: &out, inp: MatmulTests.strided(inp, rows: N, cols: C, ld: ldInp, fill: .nan),
                                      weight: weight, bias: b, N: N, C: C, OC: OC, layout: layout, ldInp: ldInp,
                                      ldOut: ldOut, accumulate: accumulate)
                    }
                    var expected = MatmulTests.reference(inp: doubles(inp), weight: doubles(weight),
                                                         bias: bias.map(doubles), N: N, C: C, OC: OC, layout: layout)
                    var scale = MatmulTests.reference(inp: inp.map { abs(Double($0)) }, weight: weight.map { abs(Double($0)) },
                                                      bias: bias.map { $0.map { abs(Double($0)) } }, N: N, C: C, OC: OC,
                                                      layout: layout)
                    if accumulate {
                        for i in expected.indices { expected[i] += Double(start[i]); scale[i] += abs(Double(start[i])) }
                    }
                    let got = MatmulTests.compact(out, rows: N, cols: OC, ld: ldOut)
                    let e = got.indices.map { abs(Double(got[$0]) - expected[$0]) / scale[$0] }.max()!
                    XCTAssertLessThan(e, floatSumBound(terms: C + (hasBias ? 1 : 0) + (accumulate ? 1 : 0)),
                                      "matvec \(layout) N=\(N) bias=\(hasBias) accumulate=\(accumulate)")
                    XCTAssertTrue(MatmulTests.gap(out, rows: N, cols: OC, ld: ldOut).allSatisfy { $0 == 1234.5 })
                    worst = max(worst, e.isNaN ? .infinity : e)
                }
            }
        }
        print("matvec (1-4 rows) vs double loops: max |Δ| / Σ|terms| \(worst)")
    }

    /// Threads take slices of the outputs; every output is summed the same way in any slice, so
    /// one and two threads give the same bits. Large enough for the second thread to run.
    func testTwoThreadsGiveTheSameBits() {
        var rng = RNG(seed: 52)
        let C = 515, OC = 2051
        for layout in [WeightLayout.outIn, .inOut] {
            let weight = rng.normals(OC * C), inp = rng.normals(C), bias = rng.normals(OC)
            var results: [[Float]] = []
            for threads in [1, 2] {
                KernelThreads.set(threads)
                var out = zeros(OC)
                matmulForward(out: &out, inp: inp, weight: weight, bias: bias, N: 1, C: C, OC: OC, layout: layout)
                results.append(out)
            }
            XCTAssertEqual(results[0], results[1], "\(layout)")
        }
    }
}
