import Foundation
import XCTest
@testable import FinchKernels

/// Causal grouped-query attention: forward against a naive Double loop, backward against finite
/// differences, grouping against explicitly repeated key/value heads, and the KV-cache form
/// against the full causal forward.
final class AttentionTests: XCTestCase {
    var B = 2, T = 5, headDim = 4
    /// (query heads, key/value heads): grouped, plain multi-head, and multi-query.
    let headCounts = [(4, 2), (4, 4), (4, 1)]

    /// Naive causal attention in Double on the fused layout [B, T, (nh + 2·nkv)·hd]; query head h
    /// reads key/value head h / (nh / nkv). Returns out [B, T, nh·hd] and probs [B, nh, T, T].
    static func reference(qkv: [Double], B: Int, T: Int, nh: Int, nkv: Int, hd: Int)
        -> (out: [Double], probs: [Double]) {
        let row = (nh + 2 * nkv) * hd, group = nh / nkv, scale = 1 / Double(hd).squareRoot()
        var out = [Double](repeating: 0, count: B * T * nh * hd)
        var probs = [Double](repeating: 0, count: B * nh * T * T)
        for b in 0..<B {
            for h in 0..<nh {
                let q = h * hd, k = (nh + h / group) * hd, v = (nh + nkv + h / group) * hd
                for i in 0..<T {
                    var scores = [Double](repeating: 0, count: i + 1)
                    for j in 0...i {
                        for d in 0..<hd { scores[j] += qkv[(b * T + i) * row + q + d] * qkv[(b * T + j) * row + k + d] }
                        scores[j] *= scale
                    }
                    let m = scores.max()!
                    let e = scores.map { exp($0 - m) }
                    let sum = e.reduce(0, +)
                    for j in 0...i {
                        let p = e[j] / sum
                        probs[((b * nh + h) * T + i) * T + j] = p
                        for d in 0..<hd {
                            out[(b * T + i) * nh * hd + h * hd + d] += p * qkv[(b * T + j) * row + v + d]
                        }
                    }
                }
            }
        }
        return (out, probs)
    }

    func runForward(_ qkv: [Float], nh: Int, nkv: Int) -> (out: [Float], probs: [Float]) {
        let shape = AttentionShape.fused(batch: B, seqLen: T, numHeads: nh, numKVHeads: nkv, headDim: headDim)
        var out = zeros(B * T * nh * headDim)
        var probs = [Float](repeating: .nan, count: B * nh * T * T)  // every entry must be written
        qkv.withUnsafeBufferPointer { p in
            let q = p.baseAddress!
            attentionForward(out: &out, probs: &probs, q: q, k: q + nh * headDim, v: q + (nh + nkv) * headDim,
                             shape: shape)
        }
        return (out, probs)
    }

    /// Adds the gradient of Σ dout ⊙ out with respect to the fused qkv buffer into `dqkv`.
    func runBackward(_ qkv: [Float], probs: [Float], dout: [Float], nh: Int, nkv: Int, into dqkv: inout [Float]) {
        let shape = AttentionShape.fused(batch: B, seqLen: T, numHeads: nh, numKVHeads: nkv, headDim: headDim)
        var scratch = [Float](repeating: .nan, count: T * T)  // scratch content must not matter
        dqkv.withUnsafeMutableBufferPointer { d in
            qkv.withUnsafeBufferPointer { p in
                let dq = d.baseAddress!, q = p.baseAddress!
                attentionBackward(dq: dq, dk: dq + nh * headDim, dv: dq + (nh + nkv) * headDim, scratch: &scratch,
                                  dout: dout, probs: probs, q: q, k: q + nh * headDim, v: q + (nh + nkv) * headDim,
                                  shape: shape)
            }
        }
    }

    func testForwardMatchesNaiveAttention() {
        var rng = RNG(seed: 71)
        for (nh, nkv) in headCounts {
            let qkv = rng.normals(B * T * (nh + 2 * nkv) * headDim)
            let (out, probs) = runForward(qkv, nh: nh, nkv: nkv)
            let expected = Self.reference(qkv: doubles(qkv), B: B, T: T, nh: nh, nkv: nkv, hd: headDim)
            assertClose("attention forward nh=\(nh) nkv=\(nkv)", out, expected.out)
            assertClose("attention probs nh=\(nh) nkv=\(nkv)", probs, expected.probs)
            for r in 0..<(B * nh * T) {
                let i = r % T
                let rowSum = probs[(r * T)...(r * T + i)].reduce(0, +)
                XCTAssertEqual(rowSum, 1, accuracy: 1e-6, "probs row \(r) must sum to 1")
                XCTAssertTrue(probs[(r * T + i + 1)..<((r + 1) * T)].allSatisfy { $0 == 0 },
                              "probs row \(r): future keys must be masked to 0")
            }
        }
    }

    /// Sequences longer than the kernels' causal row block (64), so the blocked skipping of the
    /// masked triangle is exercised across block boundaries, forward and backward.
    func testLongSequencesAcrossCausalBlocks() {
        (B, T, headDim) = (1, 70, 2)
        var rng = RNG(seed: 74)
        let (nh, nkv) = (2, 1)
        let qkv = rng.normals(B * T * (nh + 2 * nkv) * headDim), dout = rng.normals(B * T * nh * headDim)
        let (out, probs) = runForward(qkv, nh: nh, nkv: nkv)
        let expected = Self.reference(qkv: doubles(qkv), B: B, T: T, nh: nh, nkv: nkv, hd: headDim)
        assertClose("attention T=70 forward", out, expected.out)
        assertClose("attention T=70 probs", probs, expected.probs)
        var dqkv = zeros(qkv.count)
        runBackward(qkv, probs: probs, dout: dout, nh: nh, nkv: nkv, into: &dqkv)
        let numerical = numericalGradient(at: doubles(qkv)) {
            dot(Self.reference(qkv: $0, B: B, T: T, nh: nh, nkv: nkv, hd: headDim).out, dout)
        }
        assertClose("attention T=70 dqkv", dqkv, numerical)
    }

    func testBackwardMatchesFiniteDifferences() {
        var rng = RNG(seed: 72)
        for (nh, nkv) in headCounts {
            let qkv = rng.normals(B * T * (nh + 2 * nkv) * headDim), dout = rng.normals(B * T * nh * headDim)
            let probs = runForward(qkv, nh: nh, nkv: nkv).probs
            var dqkv = zeros(qkv.count)
            runBackward(qkv, probs: probs, dout: dout, nh: nh, nkv: nkv, into: &dqkv)
            let numerical = numericalGradient(at: doubles(qkv)) {
                dot(Self.reference(qkv: $0, B: B, T: T, nh: nh, nkv: nkv, hd: headDim).out, dout)
            }
            assertClose("attention dqkv nh=\(nh) nkv=\(nkv)", dqkv, numerical)

            var dqkv2 = dqkv
            runBackward(qkv, probs: probs, dout: dout, nh: nh, nkv: nkv, into: &dqkv2)
            assertAccumulates("attention dqkv nh=\(nh) nkv=\(nkv)", once: dqkv, twice: dqkv2)
        }
    }

    /// Grouped-query attention is multi-head attention with each key/value head repeated for its
    /// group of consecutive query heads (HF's repeat_kv); the gradient of a shared head is the
    /// sum over its copies.
    func testGroupedQueryEqualsRepeatedKeyValueHeads() {
        var rng = RNG(seed: 73)
        let nh = 4, nkv = 2, group = nh / nkv, hd = headDim
        let gqaRow = (nh + 2 * nkv) * hd, mhaRow = 3 * nh * hd
        let gqa = rng.normals(B * T * gqaRow), dout = rng.normals(B * T * nh * hd)
        var mha = zeros(B * T * mhaRow)
        for token in 0..<(B * T) {
            for c in 0..<(nh * hd) { mha[token * mhaRow + c] = gqa[token * gqaRow + c] }
            for h in 0..<nh {
                for d in 0..<hd {
                    let kvh = h / group
                    mha[token * mhaRow + (nh + h) * hd + d] = gqa[token * gqaRow + (nh + kvh) * hd + d]
                    mha[token * mhaRow + (2 * nh + h) * hd + d] = gqa[token * gqaRow + (nh + nkv + kvh) * hd + d]
                }
            }
        }
        let (gqaOut, gqaProbs) = runForward(gqa, nh: nh, nkv: nkv)
        let (mhaOut, mhaProbs) = runForward(mha, nh: nh, nkv: nh)
        assertClose("attention GQA vs repeated heads forward", gqaOut, doubles(mhaOut), tolerance: 1e-6)

        var dgqa = zeros(gqa.count), dmha = zeros(mha.count)
        runBackward(gqa, probs: gqaProbs, dout: dout, nh: nh, nkv: nkv, into: &dgqa)
        runBackward(mha, probs: mhaProbs, dout: dout, nh: nh, nkv: nh, into: &dmha)
        var summed = [Double](repeating: 0, count: gqa.count)
        for token in 0..<(B * T) {
            for c in 0..<(nh * hd) { summed[token * gqaRow + c] = Double(dmha[token * mhaRow + c]) }
            for h in 0..<nh {
                for d in 0..<hd {
                    let kvh = h / group
                    summed[token * gqaRow + (nh + kvh) * hd + d] += Double(dmha[token * mhaRow + (nh + h) * hd + d])
                    summed[token * gqaRow + (nh + nkv + kvh) * hd + d] +=
                        Double(dmha[token * mhaRow + (2 * nh + h) * hd + d])
                }
            }
        }
        assertClose("attention GQA vs repeated heads backward", dgqa, summed, tolerance: 1e-5)
    }

    /// Decoding: Tq new queries per row at positions past[b]..., against a key cache longer than
    /// needed (unused slots hold NaN, which must never be read), token-major or head-major. Each
    /// output row must equal the full causal forward's row at the same absolute position.
    func testKVCacheMatchesFullCausalForward() {
        var rng = RNG(seed: 74)
        let nh = 4, nkv = 2, hd = headDim, capacity = T + 2
        let row = (nh + 2 * nkv) * hd, kvRow = nkv * hd
        let qkv = rng.normals(B * T * row)
        let full = runForward(qkv, nh: nh, nkv: nkv)
        for headMajor in [false, true] {
        // float offset of (token slot j, key/value column c) inside a row of the cache
        func at(_ j: Int, _ c: Int) -> Int { headMajor ? (c / hd * capacity + j) * hd + c % hd : j * kvRow + c }
        for (Tq, past) in [(2, [3, 1]), (1, [4, 0]), (T, [0, 0])] {
            var q = zeros(B * Tq * nh * hd)
            var kCache = [Float](repeating: .nan, count: B * capacity * kvRow), vCache = kCache
            for b in 0..<B {
                for i in 0..<Tq {
                    for c in 0..<(nh * hd) { q[(b * Tq + i) * nh * hd + c] = qkv[(b * T + past[b] + i) * row + c] }
                }
                for j in 0..<(past[b] + Tq) {
                    for c in 0..<kvRow {
                        kCache[b * capacity * kvRow + at(j, c)] = qkv[(b * T + j) * row + nh * hd + c]
                        vCache[b * capacity * kvRow + at(j, c)] = qkv[(b * T + j) * row + (nh + nkv) * hd + c]
                    }
                }
            }
            let shape = AttentionShape(batch: B, queries: Tq, keyCapacity: capacity, numHeads: nh, numKVHeads: nkv,
                                       headDim: hd, qTokenStride: nh * hd, qBatchStride: Tq * nh * hd,
                                       kvTokenStride: headMajor ? hd : kvRow, kvBatchStride: capacity * kvRow,
                                       kvHeadStride: headMajor ? capacity * hd : hd)
            var out = zeros(B * Tq * nh * hd)
            var probs = [Float](repeating: .nan, count: B * nh * Tq * capacity)
            attentionForward(out: &out, probs: &probs, q: q, k: kCache, v: vCache, past: past, shape: shape)

            var expectedOut = [Double](), expectedProbs = [Double](), cachedProbs = [Float]()
            for b in 0..<B {
                for i in 0..<Tq {
                    let t = past[b] + i
                    expectedOut += doubles(Array(full.out[((b * T + t) * nh * hd)..<((b * T + t + 1) * nh * hd)]))
                }
                for h in 0..<nh {
                    for i in 0..<Tq {
                        let t = past[b] + i, keys = past[b] + Tq
                        let fullRow = ((b * nh + h) * T + t) * T
                        expectedProbs += doubles(Array(full.probs[fullRow..<(fullRow + keys)]))
                        let cacheRow = ((b * nh + h) * Tq + i) * capacity
                        cachedProbs += probs[cacheRow..<(cacheRow + keys)]
                    }
                }
            }
            let name = "attention KV cache \(headMajor ? "head-major" : "token-major") Tq=\(Tq) past=\(past)"
            assertClose("\(name) out", out, expectedOut, tolerance: 1e-5)
            assertClose("\(name) probs", cachedProbs, expectedProbs, tolerance: 1e-5)
        }
        }
    }
}

/// The decoding kernel for one query (`singleQueryAttention`) at real head sizes, against a
/// Double loop: head widths with and without 32- and 8-float tails, key counts with and
/// without a tail of the four-key score loop, keys strided inside a wider cache row.
final class SingleQueryAttentionTests: XCTestCase {
    func testMatchesDoubleLoops() {
        var rng = RNG(seed: 75)
        for hd in [64, 47, 4] {
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
                assertClose("single-query attention hd=\(hd) n=\(n) out", out, expected)
                assertClose("single-query attention hd=\(hd) n=\(n) probs", probs, p)
            }
        }
    }
}

/// Attention over a BF16, head-major KV cache (`cachedAttentionBF16`), prefill and decoding,
/// against Double loops over the same BF16-rounded keys and values: what is left is FP32
/// arithmetic. Head width 40 covers the 32-column pass and an 8-column tail.
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

            var expected = [Double](repeating: 0, count: out.count)
            for b in 0..<B {
                for h in 0..<nh {
                    let base = b * capacity * kvRow + (h / group) * capacity * hd
                    for i in 0..<Tq {
                        let n = past[b] + i + 1, qo = (b * Tq + i) * nh * hd + h * hd
                        let s = (0..<n).map { j in
                            (0..<hd).reduce(0.0) { $0 + Double(q[qo + $1]) * kd[base + j * hd + $1] } / Double(hd).squareRoot()
                        }
                        let m = s.max()!, e = s.map { exp($0 - m) }, z = e.reduce(0, +)
                        for c in 0..<hd { expected[qo + c] = (0..<n).reduce(0.0) { $0 + e[$1] / z * vd[base + $1 * hd + c] } }
                    }
                }
            }
            assertClose("bf16 cached attention Tq=\(Tq) past=\(past)", out, expected)
        }
    }
}
