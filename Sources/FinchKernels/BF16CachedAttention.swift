/// out[B, Tq, nh·hd] = softmax(q·kᵀ/√hd + causal mask) · v per head, for Tq new queries per row
/// against a BF16 KV cache; query i of row b sits at position past[b] + i and sees keys
/// 0...past[b] + i. k, v: BF16 with the shape's strides (in elements); probs:
/// [B, nh, Tq, keyCapacity] scratch.
///
/// Why BF16 keys and values: at batch 16 a decoding step reads the whole cache once (more bytes
/// than `tiny`'s BF16 weights), and the reads run at memory speed, so half the bytes is most of
/// what there is to gain. Every query, prefill included, is one `singleQueryAttentionBF16` call:
/// prompts are short next to the generated text, and it needs no FP32 copy of the cache.
public func cachedAttentionBF16(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                                q: UnsafePointer<Float>, k: UnsafePointer<UInt16>, v: UnsafePointer<UInt16>,
                                past: [Int], shape s: AttentionShape) {
    let Tq = s.queries, L = s.keyCapacity, hd = s.headDim
    for b in 0..<s.batch { precondition(past[b] + Tq <= L, "attention: row \(b) needs more than \(L) key slots") }
    parallelFor(s.batch * s.numKVHeads) { unit in
        let b = unit / s.numKVHeads, kvh = unit % s.numKVHeads
        let kh = k + b * s.kvBatchStride + kvh * s.kvHeadStride
        let vh = v + b * s.kvBatchStride + kvh * s.kvHeadStride
        for h in (kvh * s.groupSize)..<((kvh + 1) * s.groupSize) {
            for i in 0..<Tq {
                singleQueryAttentionBF16(out: out + (b * Tq + i) * s.outRow + h * hd,
                                         probs: probs + ((b * s.numHeads + h) * Tq + i) * L,
                                         q: q + b * s.qBatchStride + i * s.qTokenStride + h * hd, k: kh, v: vh,
                                         n: past[b] + i + 1, headDim: hd, kvStride: s.kvTokenStride, scale: s.scale)
            }
        }
    }
}
