import Foundation
import XCTest
@testable import FinchKernels

/// The decoding kernel for one query (`singleQueryAttention`) at real head sizes, against a
/// Double loop: head widths with and without 32- and 8-float tails, key counts with and
/// without a tail of the four-key score loop, keys strided inside a wider cache row. The output
/// sums up to 70 weighted values of either sign, so it is measured against Σ p|v|.
final class SingleQueryAttentionTests: XCTestCase {
    func testMatchesDoubleLoops() {
        var rng = RNG(seed: 75)
        for hd in [64, 48, 47, 4] {
            for n in [1, 3, 4, 9, 70] {
                let stride = hd + 5
                let q = rng.normals(hd), k = rng.normals(n * stride), v = rng.normals(n * stride)
                var out = [Float](repeating: .nan, count: hd), probs = [Float](repeating: .nan, count: n)
                let scale = 1 / Float(hd).squareRoot()
                singleQueryAttention(out: &out, probs: &probs, q: q, k: k, v: v, n: n, headDim: hd, kvStride: stride,
                                     scale: scale)
                var scores = (0..<n).map { j in (0..<hd).reduce(0.0) { $0 + Double(q[$1]) * Double(k[j * stride + $1]) } }
                scores = scores.map { $0 * Double(scale) }
                let m = scores.max()!, e = scores.map { exp($0 - m) }, z = e.reduce(0, +)
                let p = e.map { $0 / z }
                let expected = (0..<hd).map { c in (0..<n).reduce(0.0) { $0 + p[$1] * Double(v[$1 * stride + c]) } }
                let magnitude = (0..<hd).map { c in (0..<n).reduce(0.0) { $0 + p[$1] * abs(Double(v[$1 * stride + c])) } }
                assertClose("single-query attention hd=\(hd) n=\(n) probs", probs, p)
                assertWithinRounding("single-query attention hd=\(hd) n=\(n) out", out, expected, magnitude: magnitude,
                                     bound: attentionOutputBound(keys: n, probabilityError: probabilityError(probs, p)))
            }
        }
    }
}

/// Attention over a BF16, head-major KV cache (`cachedAttentionBF16`), prefill and decoding,
/// against Double loops over the same BF16-rounded keys and values: what is left is FP32
/// arithmetic, bounded as for the FP32 kernels (probabilities relative, outputs against Σ p|v|).
/// Head width 40 covers the 32-column pass and an 8-column tail.
final class BF16CachedAttentionTests: XCTestCase {
    func testMatchesDoubleLoopsOverRoundedKeys() {
        var rng = RNG(seed: 76)
        let B = 2, nh = 4, nkv = 2, hd = 40, capacity = 9, group = nh / nkv
        let kvRow = nkv * hd
        for (Tq, past) in [(3, [2, 0]), (1, [7, 4]), (6, [0, 1])] {
            let q = rng.normals(B * Tq * nh * hd)
            var k = [UInt16](repeating: 0xFFC0, count: B * capacity * kvRow), v = k  // NaN in unused slots
            var kd = [Double](repeating: .nan, count: k.count), vd = kd
            for b in 0..<B {
                for j in 0..<(past[b] + Tq) {
                    for h in 0..<nkv {
                        for c in 0..<hd {
                            let at = b * capacity * kvRow + (h * capacity + j) * hd + c
                            k[at] = UInt16(bf16Bits(rng.normal())); v[at] = UInt16(bf16Bits(rng.normal()))
                            kd[at] = Double(bf16Value(UInt32(k[at]))); vd[at] = Double(bf16Value(UInt32(v[at])))
                        }
                    }
                }
            }
            let shape = AttentionShape(batch: B, queries: Tq, keyCapacity: capacity, numHeads: nh, numKVHeads: nkv,
                                       headDim: hd, qTokenStride: nh * hd, qBatchStride: Tq * nh * hd,
                                       kvTokenStride: hd, kvBatchStride: capacity * kvRow, kvHeadStride: capacity * hd)
            var out = [Float](repeating: .nan, count: B * Tq * nh * hd)
            var probs = [Float](repeating: .nan, count: B * nh * Tq * capacity)
            cachedAttentionBF16(out: &out, probs: &probs, q: q, k: k, v: v, past: past, shape: shape)

            var expected = [Double](repeating: 0, count: out.count), magnitude = expected
            var expectedProbs = [Double](), kernelProbs = [Float]()
            for b in 0..<B {
                for h in 0..<nh {
                    let base = b * capacity * kvRow + (h / group) * capacity * hd
                    for i in 0..<Tq {
                        let n = past[b] + i + 1, qo = (b * Tq + i) * nh * hd + h * hd
                        let s = (0..<n).map { j in
                            (0..<hd).reduce(0.0) { $0 + Double(q[qo + $1]) * kd[base + j * hd + $1] } / Double(hd).squareRoot()
                        }
                        let m = s.max()!, e = s.map { exp($0 - m) }, z = e.reduce(0, +)
                        for c in 0..<hd {
                            expected[qo + c] = (0..<n).reduce(0.0) { $0 + e[$1] / z * vd[base + $1 * hd + c] }
                            magnitude[qo + c] = (0..<n).reduce(0.0) { $0 + e[$1] / z * abs(vd[base + $1 * hd + c]) }
                        }
                        let p = ((b * nh + h) * Tq + i) * capacity
                        expectedProbs += e.map { $0 / z }
                        kernelProbs += probs[p..<(p + n)]
                    }
                }
            }
            assertClose("bf16 cached attention Tq=\(Tq) past=\(past) probs", kernelProbs, expectedProbs)
            assertWithinRounding("bf16 cached attention Tq=\(Tq) past=\(past)", out, expected, magnitude: magnitude,
                                 bound: attentionOutputBound(keys: capacity,
                                                             probabilityError: probabilityError(kernelProbs, expectedProbs)))
        }
    }
}
