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
    /// Floats between consecutive key tokens in `k`/`v`, and between rows.
    public var kvTokenStride: Int
    public var kvBatchStride: Int

    public init(batch: Int, queries: Int, keyCapacity: Int, numHeads: Int, numKVHeads: Int, headDim: Int,
                qTokenStride: Int, qBatchStride: Int, kvTokenStride: Int, kvBatchStride: Int) {
        self.batch = batch; self.queries = queries; self.keyCapacity = keyCapacity
        self.numHeads = numHeads; self.numKVHeads = numKVHeads; self.headDim = headDim
        self.qTokenStride = qTokenStride; self.qBatchStride = qBatchStride
        self.kvTokenStride = kvTokenStride; self.kvBatchStride = kvBatchStride
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

/// out[B, Tq, nh·hd] = softmax(q·kᵀ/√hd + causal mask) · v, per head.
///
/// Query i of row b sits at absolute position past[b] + i and sees keys 0...past[b] + i.
/// probs: [B, nh, Tq, keyCapacity], kept for the backward pass (pass scratch when decoding).
public func attentionForward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                             q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                             past: [Int]? = nil, shape s: AttentionShape) {
    let Tq = s.queries, L = s.keyCapacity, hd = s.headDim
    for b in 0..<s.batch {
        let p0 = past?[b] ?? 0
        let keys = p0 + Tq
        precondition(keys <= L, "attention: \(keys) keys exceed capacity \(L)")
        for h in 0..<s.numHeads {
            let kvh = h / s.groupSize
            let qh = q + b * s.qBatchStride + h * hd
            let kh = k + b * s.kvBatchStride + kvh * hd
            let vh = v + b * s.kvBatchStride + kvh * hd
            let P = probs + ((b * s.numHeads + h) * Tq) * L
            // S[Tq, keys] = scale · Q · Kᵀ
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(Tq), Int32(keys), Int32(hd),
                        s.scale, qh, Int32(s.qTokenStride), kh, Int32(s.kvTokenStride), 0, P, Int32(L))
            parallelFor(Tq, minPerThread: 32) { i in
                softmaxCausalRow(P + i * L, visible: p0 + i + 1, width: keys)
            }
            // out[Tq, hd] = P · V
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(Tq), Int32(hd), Int32(keys),
                        1, P, Int32(L), vh, Int32(s.kvTokenStride), 0,
                        out + b * Tq * s.outRow + h * hd, Int32(s.outRow))
        }
    }
}

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
/// scratch: [Tq, keyCapacity] floats.
public func attentionBackward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
                              dv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                              dout: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                              q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                              shape s: AttentionShape) {
    let T = s.queries, L = s.keyCapacity, hd = s.headDim
    for b in 0..<s.batch {
        for h in 0..<s.numHeads {
            let kvh = h / s.groupSize
            let qOff = b * s.qBatchStride + h * hd
            let kvOff = b * s.kvBatchStride + kvh * hd
            let P = probs + ((b * s.numHeads + h) * T) * L
            let dO = dout + b * T * s.outRow + h * hd
            let dP = scratch
            // dP[T, T] = dO · Vᵀ
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hd),
                        1, dO, Int32(s.outRow), v + kvOff, Int32(s.kvTokenStride), 0, dP, Int32(L))
            // dV[T, hd] += Pᵀ · dO
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hd), Int32(T),
                        1, P, Int32(L), dO, Int32(s.outRow), 1, dv + kvOff, Int32(s.kvTokenStride))
            // dS = P ⊙ (dP − rowsum(P ⊙ dP)), in place in dP
            parallelFor(T, minPerThread: 32) { i in
                let p = P + i * L, d = dP + i * L
                var dot: Float = 0
                for j in 0...i { dot += p[j] * d[j] }
                for j in 0...i { d[j] = p[j] * (d[j] - dot) }
                for j in (i + 1)..<max(i + 1, T) { d[j] = 0 }
            }
            // dQ += scale · dS · K ;  dK += scale · dSᵀ · Q
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hd), Int32(T),
                        s.scale, dP, Int32(L), k + kvOff, Int32(s.kvTokenStride), 1, dq + qOff, Int32(s.qTokenStride))
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hd), Int32(T),
                        s.scale, dP, Int32(L), q + qOff, Int32(s.qTokenStride), 1, dk + kvOff, Int32(s.kvTokenStride))
        }
    }
}
