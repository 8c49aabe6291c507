import FinchKernels

extension Transformer {
    /// out[N, C] = block(inp[N, C]) for decoding with BF16 matrices: the `.cache` path of
    /// `blockForward` (Block.swift) step for step, except that its four products read the
    /// layer's panels in `bf16` instead of the FP32 parameters, and that the cache is BF16 and
    /// head-major. N = B · Tq tokens at `positions`; their keys and values are rounded to BF16 and
    /// appended to the layer's cache slices `k`, `v` [B, nkv, cap, hd].
    func bf16BlockForward(_ w: LayerWeights, _ m: BF16DecodeWeights.Layer, bf16: BF16DecodeWeights,
                          inp: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, a: BlockActivations,
                          positions: UnsafePointer<Int32>, k: UnsafeMutablePointer<UInt16>,
                          v: UnsafeMutablePointer<UInt16>, past: [Int], B: Int, Tq: Int, cap: Int) {
        let d = dims, p = params.pointer, N = B * Tq, W = bf16.words
        func bias(_ o: Int?) -> UnsafePointer<Float>? { o.map { UnsafePointer(p + $0) } }
        norm(out: a.ln1, mean: a.ln1Mean, rstd: a.ln1Rstd, inp: inp, w: w.ln1W, b: w.ln1B, N: N)
        matmulBF16Forward(out: a.qkv, inp: a.ln1, panels: W + m.qkv, bias: bias(w.qkvB), N: N, C: d.C, OC: d.qkv)
        if let rope {
            ropeApply(a.qkv, positions: positions, N: N, heads: d.nh + d.nkv, rowStride: d.qkv, table: rope)
        }
        let kvDim = d.nkv * d.hd
        for b in 0..<B {
            for i in 0..<Tq {
                let src = a.qkv + (b * Tq + i) * d.qkv + d.attn
                for h in 0..<d.nkv {
                    let slot = b * cap * kvDim + (h * cap + past[b] + i) * d.hd
                    roundToBF16(k + slot, src + h * d.hd, count: d.hd)
                    roundToBF16(v + slot, src + kvDim + h * d.hd, count: d.hd)
                }
            }
        }
        let shape = AttentionShape(batch: B, queries: Tq, keyCapacity: cap, numHeads: d.nh, numKVHeads: d.nkv,
                                   headDim: d.hd, qTokenStride: d.qkv, qBatchStride: Tq * d.qkv,
                                   kvTokenStride: d.hd, kvBatchStride: cap * kvDim, kvHeadStride: cap * d.hd)
        cachedAttentionBF16(out: a.atty, probs: a.probs, q: a.qkv, k: k, v: v, past: past, shape: shape)
        a.res2.update(from: inp, count: N * d.C)
        matmulBF16Forward(out: a.res2, inp: a.atty, panels: W + m.proj, bias: bias(w.projB), N: N, C: d.attn,
                          OC: d.C, accumulate: true)
        norm(out: a.ln2, mean: a.ln2Mean, rstd: a.ln2Rstd, inp: a.res2, w: w.ln2W, b: w.ln2B, N: N)
        matmulBF16Forward(out: a.fc, inp: a.ln2, panels: W + m.fc, bias: bias(w.fcB), N: N, C: d.C, OC: d.fc)
        if config.isGPT2 {
            geluForward(out: a.act, inp: a.fc, N: N * d.I)
        } else {
            swigluForward(out: a.act, inp: a.fc, N: N, H: d.I)
        }
        out.update(from: a.res2, count: N * d.C)
        matmulBF16Forward(out: out, inp: a.act, panels: W + m.fcProj, bias: bias(w.fcProjB), N: N, C: d.I,
                          OC: d.C, accumulate: true)
    }
}
