import COpenBLAS
import Foundation

/// Shapes and strides of one causal attention call, shared by training (queries and keys are
/// the same T tokens) and KV-cache decoding (Tq new queries against a longer key cache).
///
/// Grouped-query attention: query head h reads key/value head h / (numHeads / numKVHeads).
public struct AttentionShape: Sendable {
    public var batch: Int
    /// Query tokens per row.
    public var queries: Int
    /// Key slots per row in the k/v buffers (≥ past + queries); also the probs row length.
    public var keyCapacity: Int
    public var numHeads: Int
    public var numKVHeads: Int
    public var headDim: Int
    /// Floats between consecutive query tokens in `q`, and between rows (batch entries).
    public var qTokenStride: Int
    public var qBatchStride: Int
    /// Floats between consecutive key tokens in `k`/`v`, between rows, and between key/value
    /// heads: headDim when a token's heads sit side by side (the fused training buffer), the
    /// cache capacity · headDim when each head's keys are one contiguous run (the BF16 KV cache).
    public var kvTokenStride: Int
    public var kvBatchStride: Int
    public var kvHeadStride: Int

    public init(batch: Int, queries: Int, keyCapacity: Int, numHeads: Int, numKVHeads: Int, headDim: Int,
                qTokenStride: Int, qBatchStride: Int, kvTokenStride: Int, kvBatchStride: Int,
                kvHeadStride: Int? = nil) {
        self.batch = batch; self.queries = queries; self.keyCapacity = keyCapacity
        self.numHeads = numHeads; self.numKVHeads = numKVHeads; self.headDim = headDim
        self.qTokenStride = qTokenStride; self.qBatchStride = qBatchStride
        self.kvTokenStride = kvTokenStride; self.kvBatchStride = kvBatchStride
        self.kvHeadStride = kvHeadStride ?? headDim
    }

    /// Training layout: one fused qkv buffer [B, T, (nh + 2·nkv)·hd] with q heads, then k, then v.
    public static func fused(batch: Int, seqLen: Int, numHeads: Int, numKVHeads: Int, headDim: Int) -> AttentionShape {
        let row = (numHeads + 2 * numKVHeads) * headDim
        return AttentionShape(batch: batch, queries: seqLen, keyCapacity: seqLen, numHeads: numHeads,
                              numKVHeads: numKVHeads, headDim: headDim, qTokenStride: row,
                              qBatchStride: seqLen * row, kvTokenStride: row, kvBatchStride: seqLen * row)
    }

    var groupSize: Int { numHeads / numKVHeads }
    var scale: Float { 1 / Float(headDim).squareRoot() }
    var outRow: Int { numHeads * headDim }
}

/// Rows that pack several sequences behind one shared prefix (the answers to one prompt):
/// query i of row b does not see keys in [prefix[b], segmentStart[b·T + i]), the earlier
/// segments, so each segment attends to the prefix and to itself, exactly as if it followed
/// the prefix alone. The backward pass needs nothing more: hidden keys get probability 0.
public struct SegmentMask: Sendable {
    /// Per row: where the shared prefix ends. [B]
    public var prefix: [Int]
    /// Per query: where its own segment starts (≤ prefix for prefix tokens and padding). [B·T]
    public var segmentStart: [Int32]

    public init(prefix: [Int], segmentStart: [Int32]) {
        self.prefix = prefix
        self.segmentStart = segmentStart
    }
}

/// out[B, Tq, nh·hd] = softmax(q·kᵀ/√hd + causal mask) · v, per head.
///
/// Query i of row b sits at absolute position past[b] + i and sees keys 0...past[b] + i, less
/// those a `mask` hides (training only, past = 0).
/// probs: [B, nh, Tq, keyCapacity], kept for the backward pass (pass scratch when decoding).
public func attentionForward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                             q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                             past: [Int]? = nil, mask: SegmentMask? = nil, shape s: AttentionShape) {
    precondition(mask == nil || past == nil, "attention: segment masks are for training rows")
    let Tq = s.queries, L = s.keyCapacity, hd = s.headDim
    for b in 0..<s.batch { precondition((past?[b] ?? 0) + Tq <= L, "attention: row \(b) needs more than \(L) key slots") }
    parallelFor(s.batch * s.numKVHeads) { unit in
        let b = unit / s.numKVHeads, kvh = unit % s.numKVHeads
        let p0 = past?[b] ?? 0
        let keys = p0 + Tq
        for h in (kvh * s.groupSize)..<((kvh + 1) * s.groupSize) {
            let qh = q + b * s.qBatchStride + h * hd
            let kh = k + b * s.kvBatchStride + kvh * s.kvHeadStride
            let vh = v + b * s.kvBatchStride + kvh * s.kvHeadStride
            let P = probs + ((b * s.numHeads + h) * Tq) * L
            let o = out + b * Tq * s.outRow + h * hd
            if Tq == 1 {  // one new token (decoding)
                singleQueryAttention(out: o, probs: P, q: qh, k: kh, v: vh, n: keys, headDim: hd,
                                     kvStride: s.kvTokenStride, scale: s.scale)
                continue
            }
            // Row blocks of queries see only keys up to their last row: the masked upper
            // triangle is skipped block by block instead of computed and zeroed.
            for i0 in stride(from: 0, to: Tq, by: causalBlock) {
                let i1 = min(Tq, i0 + causalBlock), visible = p0 + i1
                // S[i0..<i1, 0..<visible] = scale · Q · Kᵀ
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(i1 - i0), Int32(visible), Int32(hd),
                            s.scale, qh + i0 * s.qTokenStride, Int32(s.qTokenStride), kh, Int32(s.kvTokenStride),
                            0, P + i0 * L, Int32(L))
                for i in i0..<i1 {
                    guard let mask else {
                        softmaxCausalRow(P + i * L, visible: p0 + i + 1, width: keys)
                        continue
                    }
                    let from = mask.prefix[b], hidden = max(0, Int(mask.segmentStart[b * Tq + i]) - from)
                    (P + i * L + from).update(repeating: -.infinity, count: hidden)
                    softmaxCausalRow(P + i * L, visible: p0 + i + 1, width: keys)
                    (P + i * L + from).update(repeating: 0, count: hidden)  // exactly 0, not e^-87
                }
                // out[i0..<i1] = P · V
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(i1 - i0), Int32(hd), Int32(visible),
                            1, P + i0 * L, Int32(L), vh, Int32(s.kvTokenStride), 0, o + i0 * s.outRow, Int32(s.outRow))
            }
        }
    }
}

/// Query rows per block when skipping the causal mask's upper triangle: smaller blocks skip
/// more but make smaller, less efficient products.
private let causalBlock = 64

/// Softmax over the first `visible` entries of a row; entries up to `width` are zeroed.
@inline(__always)
func softmaxCausalRow(_ row: UnsafeMutablePointer<Float>, visible: Int, width: Int) {
    let m = rowMax(row, visible)
    let inv = 1 / expShiftedSum(row, visible, shift: m)
    for j in 0..<visible { row[j] *= inv }
    if width > visible { (row + visible).update(repeating: 0, count: width - visible) }
}

/// Backward of `attentionForward` for the training layout (past = 0).
/// Accumulates into dq, dk, dv (same layout and strides as q, k, v).
/// scratch: [KernelThreads.count, T, keyCapacity] floats, one slab per thread.
/// Work is split over (row, kv head) so that no two threads add into the same dk/dv.
public func attentionBackward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
                              dv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                              dout: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                              q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                              shape s: AttentionShape) {
    let T = s.queries, L = s.keyCapacity, hd = s.headDim
    let units = s.batch * s.numKVHeads, threads = min(KernelThreads.count, units)
    parallelFor(threads) { t in
        let dP = scratch + t * T * L
        for unit in (units * t / threads)..<(units * (t + 1) / threads) {
            let b = unit / s.numKVHeads, kvh = unit % s.numKVHeads
            let kvOff = b * s.kvBatchStride + kvh * s.kvHeadStride
            for h in (kvh * s.groupSize)..<((kvh + 1) * s.groupSize) {
                let qOff = b * s.qBatchStride + h * hd
                headBackward(dq: dq + qOff, dk: dk + kvOff, dv: dv + kvOff, dP: dP,
                             dO: dout + b * T * s.outRow + h * hd, P: probs + ((b * s.numHeads + h) * T) * L,
                             q: q + qOff, k: k + kvOff, v: v + kvOff, shape: s)
            }
        }
    }
}

/// One head's backward: dP[T, T] is scratch; dq/dk/dv, q/k/v point at the head's first column.
/// Works in the forward pass's row blocks, so the masked upper triangle costs nothing.
@inline(__always)
private func headBackward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
                          dv: UnsafeMutablePointer<Float>, dP: UnsafeMutablePointer<Float>,
                          dO: UnsafePointer<Float>, P: UnsafePointer<Float>,
                          q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                          shape s: AttentionShape) {
    let T = s.queries, L = Int32(s.keyCapacity), hd = Int32(s.headDim)
    let ldq = Int32(s.qTokenStride), ldkv = Int32(s.kvTokenStride), ldo = Int32(s.outRow)
    for i0 in stride(from: 0, to: T, by: causalBlock) {
        let i1 = min(T, i0 + causalBlock), rows = Int32(i1 - i0), keys = Int32(i1)
        let Pb = P + i0 * s.keyCapacity, dPb = dP + i0 * s.keyCapacity, dOb = dO + i0 * s.outRow
        // dP[i0..<i1, 0..<i1] = dO · Vᵀ
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, keys, hd, 1, dOb, ldo, v, ldkv, 0, dPb, L)
        // dV[0..<i1] += Pᵀ · dO
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, keys, hd, rows, 1, Pb, L, dOb, ldo, 1, dv, ldkv)
        // dS = P ⊙ (dP − rowsum(P ⊙ dP)), in place; entries right of the diagonal are zero
        for i in i0..<i1 {
            let p = P + i * s.keyCapacity, d = dP + i * s.keyCapacity
            var dot: Float = 0
            for j in 0...i { dot += p[j] * d[j] }
            for j in 0...i { d[j] = p[j] * (d[j] - dot) }
            if i + 1 < i1 { (d + i + 1).update(repeating: 0, count: i1 - i - 1) }
        }
        // dQ[i0..<i1] += scale · dS · K ;  dK[0..<i1] += scale · dSᵀ · Q
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, hd, keys, s.scale, dPb, L, k, ldkv,
                    1, dq + i0 * s.qTokenStride, ldq)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, keys, hd, rows, s.scale, dPb, L,
                    q + i0 * s.qTokenStride, ldq, 1, dk, ldkv)
    }
}
