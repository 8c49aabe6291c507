import Foundation
import XCTest
@testable import FinchKernels

/// The largest relative error |p̂ − p| / p of a kernel's probabilities over the entries the
/// reference gives weight; entries the reference masks (p = 0) must be exactly 0. Probabilities
/// are positive, so this is well defined wherever they are: it carries the rounding of the
/// scores (≤ γ_hd · scale · Σ|q·k|) through exp and the normalisation.
func probabilityError(_ probs: [Float], _ expected: [Double]) -> Double {
    precondition(probs.count == expected.count, "probabilityError: \(probs.count) vs \(expected.count)")
    var worst = 0.0
    for (p, e) in zip(probs, expected) {
        let err = e > 0 ? abs(Double(p) - e) / e : (p == 0 ? 0 : .infinity)
        worst = max(worst, err.isNaN ? .infinity : err)
    }
    return worst
}

/// Bound on P̂·V over `keys` keys against the exact P·V, as a fraction of Σⱼ pⱼ|vⱼ| (what
/// `outputMagnitude` computes). P̂'s relative error ρ (`probabilityError`, checked on its own)
/// carries through |v| as ρ · Σ p|v|, and the product of `keys` terms rounds by
/// γ_keys · Σ p̂|v| ≤ γ_keys · (1 + ρ) · Σ p|v| (`floatSumBound`). A value read from the wrong
/// row or head is off by ~|v|, ~0.1 or more of Σ p|v|.
func attentionOutputBound(keys: Int, probabilityError rho: Double) -> Double {
    let gamma = floatSumBound(terms: keys)
    return rho + gamma * (1 + rho)
}

/// Causal grouped-query attention: forward against a naive Double loop, backward against finite
/// differences, grouping against explicitly repeated key/value heads, and the KV-cache form
/// against the full causal forward.
///
/// Outputs and gradients are sums over keys or queries that can cancel to near zero, computed
/// by sgemm (whose order depends on the CPU), so they are measured against Σ|terms|
/// (`outputMagnitude`, `gradientMagnitude`) with bounds derived from `floatSumBound`;
/// probabilities, positive and normalised, keep the per-element relative check.
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

    /// Σⱼ pᵢⱼ|vⱼ| for every output of `reference`: the reference with v replaced by |v| (q and k,
    /// so the probabilities, unchanged).
    static func outputMagnitude(qkv: [Float], B: Int, T: Int, nh: Int, nkv: Int, hd: Int) -> [Double] {
        let row = (nh + 2 * nkv) * hd
        var x = doubles(qkv)
        for i in x.indices where i % row >= (nh + nkv) * hd { x[i] = abs(x[i]) }
        return reference(qkv: x, B: B, T: T, nh: nh, nkv: nkv, hd: hd).out
    }

    /// Σ|terms| of each entry of the gradient of Σ dout ⊙ out with respect to the fused qkv, along
    /// the backward's own sums (dP = dO·Vᵀ, r = rowsum(P ⊙ dP), dS = P ⊙ (dP − r), dQ = scale·dS·K,
    /// dK = scale·dSᵀ·Q, dV = Pᵀ·dO) with every value replaced by a bound on its magnitude:
    /// |dP|ᵢⱼ = Σ_d |dOᵢ_d||vⱼ_d|, Rᵢ = Σⱼ pᵢⱼ|dP|ᵢⱼ, |dS|ᵢⱼ = pᵢⱼ(|dP|ᵢⱼ + Rᵢ), and so on.
    /// Key/value heads shared by a group add their query heads' magnitudes, as their gradients add.
    static func gradientMagnitude(qkv: [Float], dout: [Float], B: Int, T: Int, nh: Int, nkv: Int, hd: Int) -> [Double] {
        let row = (nh + 2 * nkv) * hd, group = nh / nkv, scale = 1 / Double(hd).squareRoot()
        let probs = reference(qkv: doubles(qkv), B: B, T: T, nh: nh, nkv: nkv, hd: hd).probs
        let x = absolutes(qkv), dO = absolutes(dout)
        var mag = [Double](repeating: 0, count: qkv.count)
        for b in 0..<B {
            for h in 0..<nh {
                let q = h * hd, k = (nh + h / group) * hd, v = (nh + nkv + h / group) * hd
                func at(_ t: Int, _ col: Int) -> Int { (b * T + t) * row + col }
                func dOut(_ t: Int, _ d: Int) -> Double { dO[(b * T + t) * nh * hd + h * hd + d] }
                for i in 0..<T {
                    let p = (0...i).map { probs[((b * nh + h) * T + i) * T + $0] }
                    let dP = (0...i).map { j in (0..<hd).reduce(0.0) { $0 + dOut(i, $1) * x[at(j, v + $1)] } }
                    let R = (0...i).reduce(0.0) { $0 + p[$1] * dP[$1] }
                    for j in 0...i {
                        let dS = p[j] * (dP[j] + R)
                        for d in 0..<hd {
                            mag[at(i, q + d)] += scale * dS * x[at(j, k + d)]
                            mag[at(j, k + d)] += scale * dS * x[at(i, q + d)]
                            mag[at(j, v + d)] += p[j] * dOut(i, d)
                        }
                    }
                }
            }
        }
        return mag
    }

    /// Bound on the backward against the exact gradient, as a fraction of `gradientMagnitude`.
    /// The longest chain of roundings an entry goes through: dP's hd products, r's T terms, the
    /// subtraction and product of dS, the final sum over T keys (dQ) or over the T queries of each
    /// of the `group` heads sharing a key/value head (dK, dV), the scale, and the value it is
    /// accumulated into: hd + (group + 1)·T + 4 roundings, `floatSumBound` of that many terms.
    /// The probabilities' relative error ρ enters dS twice (through p and through r) and dV once.
    func attentionGradientBound(T: Int, group: Int, probabilityError rho: Double) -> Double {
        floatSumBound(terms: headDim + (group + 1) * T + 4) + 2 * rho
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
            assertClose("attention probs nh=\(nh) nkv=\(nkv)", probs, expected.probs)
            assertWithinRounding("attention forward nh=\(nh) nkv=\(nkv)", out, expected.out,
                                 magnitude: Self.outputMagnitude(qkv: qkv, B: B, T: T, nh: nh, nkv: nkv, hd: headDim),
                                 bound: attentionOutputBound(keys: T, probabilityError: probabilityError(probs, expected.probs)))
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
    /// masked triangle is exercised across block boundaries, forward and backward. Outputs and
    /// gradients sum up to 70 terms of either sign here, so some land near zero: hence the
    /// bounds on Σ|terms| (γ₇₀ + ρ forward, see `attentionGradientBound` backward).
    func testLongSequencesAcrossCausalBlocks() {
        (B, T, headDim) = (1, 70, 2)
        var rng = RNG(seed: 74)
        let (nh, nkv) = (2, 1)
        let qkv = rng.normals(B * T * (nh + 2 * nkv) * headDim), dout = rng.normals(B * T * nh * headDim)
        let (out, probs) = runForward(qkv, nh: nh, nkv: nkv)
        let expected = Self.reference(qkv: doubles(qkv), B: B, T: T, nh: nh, nkv: nkv, hd: headDim)
        assertClose("attention T=70 probs", probs, expected.probs)
        let rho = probabilityError(probs, expected.probs)
        assertWithinRounding("attention T=70 forward", out, expected.out,
                             magnitude: Self.outputMagnitude(qkv: qkv, B: B, T: T, nh: nh, nkv: nkv, hd: headDim),
                             bound: attentionOutputBound(keys: T, probabilityError: rho))
        var dqkv = zeros(qkv.count)
        runBackward(qkv, probs: probs, dout: dout, nh: nh, nkv: nkv, into: &dqkv)
        let numerical = numericalGradient(at: doubles(qkv)) {
            dot(Self.reference(qkv: $0, B: B, T: T, nh: nh, nkv: nkv, hd: headDim).out, dout)
        }
        assertWithinRounding("attention T=70 dqkv", dqkv, numerical,
                             magnitude: Self.gradientMagnitude(qkv: qkv, dout: dout, B: B, T: T, nh: nh, nkv: nkv,
                                                               hd: headDim),
                             bound: attentionGradientBound(T: T, group: nh / nkv, probabilityError: rho))
    }

    /// Finite differences of the Double reference with h = 1e-5 are off by ≲ 1e-9 (truncation
    /// h²·f‴/6 and rounding), ≲ 1e-7 of the smallest magnitudes here, inside bounds of ~1e-6.
    /// Running the backward twice adds the same Float terms again onto the first result: only
    /// the final sums (over T keys, or over the group's T queries per head) round differently.
    func testBackwardMatchesFiniteDifferences() {
        var rng = RNG(seed: 72)
        for (nh, nkv) in headCounts {
            let qkv = rng.normals(B * T * (nh + 2 * nkv) * headDim), dout = rng.normals(B * T * nh * headDim)
            let probs = runForward(qkv, nh: nh, nkv: nkv).probs
            let rho = probabilityError(probs, Self.reference(qkv: doubles(qkv), B: B, T: T, nh: nh, nkv: nkv,
                                                             hd: headDim).probs)
            var dqkv = zeros(qkv.count)
            runBackward(qkv, probs: probs, dout: dout, nh: nh, nkv: nkv, into: &dqkv)
            let numerical = numericalGradient(at: doubles(qkv)) {
                dot(Self.reference(qkv: $0, B: B, T: T, nh: nh, nkv: nkv, hd: headDim).out, dout)
            }
            let magnitude = Self.gradientMagnitude(qkv: qkv, dout: dout, B: B, T: T, nh: nh, nkv: nkv, hd: headDim)
            assertWithinRounding("attention dqkv nh=\(nh) nkv=\(nkv)", dqkv, numerical, magnitude: magnitude,
                                 bound: attentionGradientBound(T: T, group: nh / nkv, probabilityError: rho))

            var dqkv2 = dqkv
            runBackward(qkv, probs: probs, dout: dout, nh: nh, nkv: nkv, into: &dqkv2)
            assertAccumulates("attention dqkv nh=\(nh) nkv=\(nkv)", once: dqkv, twice: dqkv2, magnitude: magnitude,
                              bound: floatSumBound(terms: (nh / nkv) * T + 2))
        }
    }

    /// Grouped-query attention is multi-head attention with each key/value head repeated for its
    /// group of consecutive query heads (HF's repeat_kv); the gradient of a shared head is the
    /// sum over its copies. Both forms are within their bounds of the same exact result, so
    /// they may differ by the sum of the two (they sum over keys in the same order on this
    /// machine's sgemm, but nothing promises that); a head read from the wrong group is off by
    /// order one.
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
        let exactProbs = Self.reference(qkv: doubles(gqa), B: B, T: T, nh: nh, nkv: nkv, hd: hd).probs
        let (rhoGQA, rhoMHA) = (probabilityError(gqaProbs, exactProbs), probabilityError(mhaProbs, exactProbs))
        assertWithinRounding("attention GQA vs repeated heads forward", gqaOut, doubles(mhaOut),
                             magnitude: Self.outputMagnitude(qkv: gqa, B: B, T: T, nh: nh, nkv: nkv, hd: hd),
                             bound: attentionOutputBound(keys: T, probabilityError: rhoGQA)
                                 + attentionOutputBound(keys: T, probabilityError: rhoMHA))

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
        assertWithinRounding("attention GQA vs repeated heads backward", dgqa, summed,
                             magnitude: Self.gradientMagnitude(qkv: gqa, dout: dout, B: B, T: T, nh: nh, nkv: nkv, hd: hd),
                             bound: attentionGradientBound(T: T, group: group, probabilityError: rhoGQA)
                                 + attentionGradientBound(T: T, group: 1, probabilityError: rhoMHA))
    }

    /// Decoding: Tq new queries per row at positions past[b]..., against a key cache longer than
    /// needed (unused slots hold NaN, which must never be read), token-major or head-major. Each
    /// output row must equal the full causal forward's row at the same absolute position: both
    /// are checked against the Double reference's row (the full forward in the tests above), as
    /// the cached form sums in another order (other sgemm shapes, or `singleQueryAttention`).
    func testKVCacheMatchesFullCausalForward() {
        var rng = RNG(seed: 74)
        let nh = 4, nkv = 2, hd = headDim, capacity = T + 2
        let row = (nh + 2 * nkv) * hd, kvRow = nkv * hd
        let qkv = rng.normals(B * T * row)
        let full = Self.reference(qkv: doubles(qkv), B: B, T: T, nh: nh, nkv: nkv, hd: hd)
        let fullMagnitude = Self.outputMagnitude(qkv: qkv, B: B, T: T, nh: nh, nkv: nkv, hd: hd)
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

            var expectedOut = [Double](), magnitude = [Double](), expectedProbs = [Double](), cachedProbs = [Float]()
            for b in 0..<B {
                for i in 0..<Tq {
                    let rows = ((b * T + past[b] + i) * nh * hd)..<((b * T + past[b] + i + 1) * nh * hd)
                    expectedOut += full.out[rows]
                    magnitude += fullMagnitude[rows]
                }
                for h in 0..<nh {
                    for i in 0..<Tq {
                        let t = past[b] + i, keys = past[b] + Tq
                        let fullRow = ((b * nh + h) * T + t) * T
                        expectedProbs += full.probs[fullRow..<(fullRow + keys)]
                        let cacheRow = ((b * nh + h) * Tq + i) * capacity
                        cachedProbs += probs[cacheRow..<(cacheRow + keys)]
                    }
                }
            }
            let name = "attention KV cache \(headMajor ? "head-major" : "token-major") Tq=\(Tq) past=\(past)"
            assertClose("\(name) probs", cachedProbs, expectedProbs)
            assertWithinRounding("\(name) out", out, expectedOut, magnitude: magnitude,
                                 bound: attentionOutputBound(keys: T, probabilityError: probabilityError(cachedProbs,
                                                                                                          expectedProbs)))
        }
        }
    }
}
