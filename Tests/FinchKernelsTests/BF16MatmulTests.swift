import XCTest
@testable import FinchKernels

/// BF16 rounding, panel packing and `matmulBF16Forward` against Float64 loops, on every
/// kernel path the CPU has (the 16-lane AVX-512 kernel too, where it runs).
///
/// The product is checked against the naive loop over the *BF16-rounded* weights, so the only
/// difference left is the kernel's FP32 accumulation (~1e-6): a wrong panel, a lost tail column
/// or a row read twice shows up as an error of order 1. A second check against the unrounded
/// weights bounds what BF16 itself costs.
final class BF16MatmulTests: XCTestCase {
    override func tearDown() {
        KernelThreads.set(1)
        super.tearDown()
    }

    func testRoundingIsToNearestEven() {
        let one: UInt32 = 0x3F80  // 1.0
        XCTAssertEqual(bf16Bits(1), one)
        XCTAssertEqual(bf16Bits(1 + 0x1p-8), one)                    // tie: stays on the even 1.0
        XCTAssertEqual(bf16Bits(1 + 3 * 0x1p-8), one + 2)            // tie: up to the even neighbour
        XCTAssertEqual(bf16Bits(1 + 0x1p-8 + 0x1p-20), one + 1)      // just past the tie: up
        XCTAssertEqual(bf16Bits(-2.5), 0xC020)
        XCTAssertEqual(bf16Bits(.infinity), 0x7F80)
        XCTAssertTrue(bf16Value(bf16Bits(.nan)).isNaN)
        XCTAssertEqual(bf16Value(bf16Bits(Float.greatestFiniteMagnitude)), .infinity)  // rounds past BF16's max

        var rng = RNG(seed: 41)
        var worst = 0.0
        for x in rng.normals(10_000, scale: 3) {
            worst = max(worst, abs(Double(bf16Value(bf16Bits(x))) - Double(x)) / abs(Double(x)))
        }
        print("bf16 rounding max rel err", worst)
        XCTAssertLessThanOrEqual(worst, 0x1p-8)
    }

    /// Shapes cover every row path of both kernels (8 lanes: 6-row groups, 4-row groups with
    /// 2–4 real rows, 1 row; 16 lanes: groups of 12 and every remainder up to 11; for N = 1 four
    /// panels at once plus two left over, run as a four with repeats), a last panel with 5 of 16
    /// outputs, and C odd and not a multiple of the 1-row kernel's step of 4.
    /// Errors are measured against Σ|terms| of each output (what FP32 rounding scales with), so
    /// outputs that cancel to near zero do not read as large relative errors, and bounded by
    /// `floatSumBound` of the C products (exact inputs: the weights are the BF16-rounded ones),
    /// the bias and the accumulated value, γ₂₅ ≈ 1.5e-6 at most.
    func testProductMatchesDoubleLoopsOverRoundedWeights() { forEachKernelPath { isa in
        var rng = RNG(seed: 42)
        let C = 23, OC = 85
        var worst = 0.0
        for layout in [WeightLayout.outIn, .inOut] {
            let weight = rng.normals(OC * C)
            var panels = [UInt32](repeating: 0xFFFF_FFFF, count: bf16PanelWords(C: C, OC: OC))
            packBF16Panels(&panels, weight: weight, C: C, OC: OC, layout: layout)
            let rounded = weight.map { Double(bf16Value(bf16Bits($0))) }
            for N in [1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 16, 25] {
                for hasBias in [false, true] {
                    for accumulate in [false, true] {
                        let inp = rng.normals(N * C), bias: [Float]? = hasBias ? rng.normals(OC) : nil
                        let start = rng.normals(N * OC)
                        var out = start
                        withOptionalPointer(bias) { b in
                            matmulBF16Forward(out: &out, inp: inp, panels: panels, bias: b, N: N, C: C, OC: OC,
                                              accumulate: accumulate)
                        }
                        var expected = MatmulTests.reference(inp: doubles(inp), weight: rounded, bias: bias.map(doubles),
                                                             N: N, C: C, OC: OC, layout: layout)
                        var scale = MatmulTests.reference(inp: inp.map { abs(Double($0)) }, weight: rounded.map(abs),
                                                          bias: bias.map { $0.map { abs(Double($0)) } },
                                                          N: N, C: C, OC: OC, layout: layout)
                        if accumulate {
                            for i in expected.indices { expected[i] += Double(start[i]); scale[i] += abs(Double(start[i])) }
                        }
                        let e = (0..<out.count).map { abs(Double(out[$0]) - expected[$0]) / scale[$0] }.max()!
                        XCTAssertLessThan(e, floatSumBound(terms: C + (hasBias ? 1 : 0) + (accumulate ? 1 : 0)),
                                          "bf16 matmul \(isa) \(layout) N=\(N) bias=\(hasBias) accumulate=\(accumulate)")
                        worst = max(worst, e.isNaN ? .infinity : e)
                    }
                }
            }
        }
        print("bf16 matmul (\(isa)) vs double loops over bf16 weights: max |Δ| / Σ|terms| \(worst)")
    } }

    /// Against the FP32 weights themselves the difference is BF16's rounding: each weight is off
    /// by ≤ 2⁻⁸ relative, so a sum of C products is off by ≤ 2⁻⁸ · Σ|inp · W|.
    func testProductStaysWithinBF16RoundingOfFP32Weights() { forEachKernelPath { isa in
        var rng = RNG(seed: 43)
        let N = 5, C = 64, OC = 48
        let weight = rng.normals(OC * C), inp = rng.normals(N * C)
        var panels = [UInt32](repeating: 0, count: bf16PanelWords(C: C, OC: OC))
        packBF16Panels(&panels, weight: weight, C: C, OC: OC, layout: .inOut)
        var out = zeros(N * OC)
        matmulBF16Forward(out: &out, inp: inp, panels: panels, bias: nil, N: N, C: C, OC: OC)
        let exact = MatmulTests.reference(inp: doubles(inp), weight: doubles(weight), bias: nil, N: N, C: C, OC: OC,
                                          layout: .inOut)
        let magnitude = MatmulTests.reference(inp: inp.map { abs(Double($0)) }, weight: weight.map { abs(Double($0)) },
                                              bias: nil, N: N, C: C, OC: OC, layout: .inOut)
        var worst = 0.0
        for i in out.indices { worst = max(worst, abs(Double(out[i]) - exact[i]) / magnitude[i]) }
        print("bf16 matmul (\(isa)) vs fp32 weights: max |Δ| / Σ|x·w| \(worst)")
        XCTAssertLessThan(worst, 0x1p-8)
        XCTAssertGreaterThan(worst, 0, "BF16 rounding should show")
    } }

    /// Threads split the panels and each panel is computed whole by one thread, in the same
    /// order whichever thread (for N = 1, which panels run together changes, not their sums):
    /// results are bit-identical. Shapes are large enough for the second thread to run; 130
    /// panels leave 2 over on one thread and 1 on each of two.
    func testTwoThreadsGiveTheSameBits() { forEachKernelPath { isa in
        var rng = RNG(seed: 44)
        for (N, C, OC) in [(16, 256, 520), (1, 1024, 2080)] {
            let weight = rng.normals(OC * C), inp = rng.normals(N * C), bias = rng.normals(OC)
            var panels = [UInt32](repeating: 0, count: bf16PanelWords(C: C, OC: OC))
            packBF16Panels(&panels, weight: weight, C: C, OC: OC, layout: .outIn)
            var results: [[Float]] = []
            for threads in [1, 2] {
                KernelThreads.set(threads)
                var again = [UInt32](repeating: 0, count: panels.count)
                packBF16Panels(&again, weight: weight, C: C, OC: OC, layout: .outIn)
                XCTAssertEqual(again, panels, "packing on \(threads) threads")
                var out = zeros(N * OC)
                matmulBF16Forward(out: &out, inp: inp, panels: panels, bias: bias, N: N, C: C, OC: OC)
                results.append(out)
            }
            XCTAssertEqual(results[0], results[1], "\(isa) N=\(N)")
        }
    } }
}
