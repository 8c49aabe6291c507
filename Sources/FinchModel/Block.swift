import FinchKernels

/// Where one block reads and writes in a forward pass. Training points these at the
/// layer's own saved slots; decoding points every layer at the same scratch.
struct BlockActivations {
    var ln1: UnsafeMutablePointer<Float>       // [N, C]
    var ln1Mean: UnsafeMutablePointer<Float>   // [N] (unused by RMSNorm)
    var ln1Rstd: UnsafeMutablePointer<Float>   // [N]
    var qkv: UnsafeMutablePointer<Float>       // [N, qkv], q and k after RoPE
    var probs: UnsafeMutablePointer<Float>     // [B, nh, Tq, keyCapacity]
    var atty: UnsafeMutablePointer<Float>      // [N, nh·hd]
    var res2: UnsafeMutablePointer<Float>      // [N, C] residual after attention
    var ln2: UnsafeMutablePointer<Float>       // [N, C]
    var ln2Mean: UnsafeMutablePointer<Float>   // [N]
    var ln2Rstd: UnsafeMutablePointer<Float>   // [N]
    var fc: UnsafeMutablePointer<Float>        // [N, fc] (gate|up for SwiGLU)
    var act: UnsafeMutablePointer<Float>       // [N, I]
    /// With LoRA: what the layer's adapters keep for their backward; nil without adapters.
    var lora: LoRAActivations? = nil
}

/// Where attention finds its keys and values.
enum KeyValueSource {
    /// Training: the block's own fused qkv buffer, T queries over the same T keys (less those a
    /// segment mask hides, in rows that pack several answers behind their shared prompt).
    case fused(batch: Int, seqLen: Int, mask: SegmentMask?)
    /// Decoding: new keys/values are appended to a cache of `capacity` slots per row,
    /// row b holding `past[b]` tokens before this call.
    case cache(k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, past: [Int], batch: Int,
               queries: Int, capacity: Int)
}

extension Transformer {
    /// out[N, C] = block(inp[N, C]); N = batch · queries tokens at `positions`.
    func blockForward(_ w: LayerWeights, inp: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                      a: BlockActivations, positions: UnsafePointer<Int32>, kv: KeyValueSource, N: Int) {
        let d = dims, p = params.pointer
        norm(out: a.ln1, mean: a.ln1Mean, rstd: a.ln1Rstd, inp: inp, w: w.ln1W, b: w.ln1B, N: N)
        matmulForward(out: a.qkv, inp: a.ln1, weight: p + w.qkvW, bias: w.qkvB.map { UnsafePointer(p + $0) },
                      N: N, C: d.C, OC: d.qkv, layout: d.layout)
        lora?.forward(.attentionInput, layer: w.index, inp: a.ln1, out: a.qkv, ldOut: d.qkv, activations: a.lora!, N: N)
        if let rope {  // q and k heads are contiguous at the start of each qkv row
            ropeApply(a.qkv, positions: positions, N: N, heads: d.nh + d.nkv, rowStride: d.qkv, table: rope)
        }
        switch kv {
        case let .fused(B, T, mask):
            let shape = AttentionShape.fused(batch: B, seqLen: T, numHeads: d.nh, numKVHeads: d.nkv, headDim: d.hd)
            attentionForward(out: a.atty, probs: a.probs, q: a.qkv, k: a.qkv + d.attn,
                             v: a.qkv + d.attn + d.nkv * d.hd, mask: mask, shape: shape)
        case let .cache(kc, vc, past, B, Tq, cap):
            let kvDim = d.nkv * d.hd
            for b in 0..<B {
                for i in 0..<Tq {
                    let src = a.qkv + (b * Tq + i) * d.qkv + d.attn
                    let slot = (b * cap + past[b] + i) * kvDim
                    (kc + slot).update(from: src, count: kvDim)
                    (vc + slot).update(from: src + kvDim, count: kvDim)
                }
            }
            let shape = AttentionShape(batch: B, queries: Tq, keyCapacity: cap, numHeads: d.nh, numKVHeads: d.nkv,
                                       headDim: d.hd, qTokenStride: d.qkv, qBatchStride: Tq * d.qkv,
                                       kvTokenStride: kvDim, kvBatchStride: cap * kvDim)
            attentionForward(out: a.atty, probs: a.probs, q: a.qkv, k: kc, v: vc, past: past, shape: shape)
        }
        a.res2.update(from: inp, count: N * d.C)
        matmulForward(out: a.res2, inp: a.atty, weight: p + w.projW, bias: w.projB.map { UnsafePointer(p + $0) },
                      N: N, C: d.attn, OC: d.C, layout: d.layout, accumulate: true)
        lora?.forward(.attentionOutput, layer: w.index, inp: a.atty, out: a.res2, ldOut: d.C, activations: a.lora!, N: N)
        norm(out: a.ln2, mean: a.ln2Mean, rstd: a.ln2Rstd, inp: a.res2, w: w.ln2W, b: w.ln2B, N: N)
        matmulForward(out: a.fc, inp: a.ln2, weight: p + w.fcW, bias: w.fcB.map { UnsafePointer(p + $0) },
                      N: N, C: d.C, OC: d.fc, layout: d.layout)
        lora?.forward(.mlpInput, layer: w.index, inp: a.ln2, out: a.fc, ldOut: d.fc, activations: a.lora!, N: N)
        if config.isGPT2 {
            geluForward(out: a.act, inp: a.fc, N: N * d.I)
        } else {
            swigluForward(out: a.act, inp: a.fc, N: N, H: d.I)
        }
        out.update(from: a.res2, count: N * d.C)
        matmulForward(out: out, inp: a.act, weight: p + w.fcProjW, bias: w.fcProjB.map { UnsafePointer(p + $0) },
                      N: N, C: d.I, OC: d.C, layout: d.layout, accumulate: true)
        lora?.forward(.mlpOutput, layer: w.index, inp: a.act, out: out, ldOut: d.C, activations: a.lora!, N: N)
    }

    /// Backward of a training-mode block. `dres` [N, C] holds d(out) on entry and d(inp) on exit;
    /// parameter gradients accumulate into `grads`.
    func blockBackward(_ w: LayerWeights, inp: UnsafePointer<Float>, a: BlockActivations,
                       positions: UnsafePointer<Int32>, B: Int, T: Int, dres: UnsafeMutablePointer<Float>,
                       s: BackwardScratch) {
        let d = dims, p = params.pointer, N = B * T
        /// The base's own gradients, or nil when LoRA freezes it.
        let base = baseGradients
        let g: (Int?) -> UnsafeMutablePointer<Float>? = { offset in base.flatMap { b in offset.map { b + $0 } } }
        // MLP: out = res2 + act · Wproj
        parallelZero(s.dact, N * d.I)
        matmulBackward(dinp: s.dact, dweight: g(w.fcProjW), dbias: g(w.fcProjB), dout: dres,
                       inp: a.act, weight: p + w.fcProjW, N: N, C: d.I, OC: d.C, layout: d.layout)
        lora?.backward(.mlpOutput, layer: w.index, inp: a.act, dout: dres, ldOut: d.C, dinp: s.dact, activations: a.lora!, scratch: s.loraScratch, N: N)
        parallelZero(s.dfc, N * d.fc)
        if config.isGPT2 {
            geluBackward(dinp: s.dfc, inp: a.fc, dout: s.dact, N: N * d.I)
        } else {
            swigluBackward(dinp: s.dfc, inp: a.fc, dout: s.dact, N: N, H: d.I)
        }
        parallelZero(s.dln, N * d.C)
        matmulBackward(dinp: s.dln, dweight: g(w.fcW), dbias: g(w.fcB), dout: s.dfc,
                       inp: a.ln2, weight: p + w.fcW, N: N, C: d.C, OC: d.fc, layout: d.layout)
        lora?.backward(.mlpInput, layer: w.index, inp: a.ln2, dout: s.dfc, ldOut: d.fc, dinp: s.dln, activations: a.lora!, scratch: s.loraScratch, N: N)
        normBackward(dinp: dres, dout: s.dln, inp: a.res2, mean: a.ln2Mean, rstd: a.ln2Rstd,
                     w: w.ln2W, b: w.ln2B, N: N)
        // Attention: res2 = inp + atty · Wo
        parallelZero(s.datty, N * d.attn)
        matmulBackward(dinp: s.datty, dweight: g(w.projW), dbias: g(w.projB), dout: dres,
                       inp: a.atty, weight: p + w.projW, N: N, C: d.attn, OC: d.C, layout: d.layout)
        lora?.backward(.attentionOutput, layer: w.index, inp: a.atty, dout: dres, ldOut: d.C, dinp: s.datty, activations: a.lora!, scratch: s.loraScratch, N: N)
        parallelZero(s.dqkv, N * d.qkv)
        let shape = AttentionShape.fused(batch: B, seqLen: T, numHeads: d.nh, numKVHeads: d.nkv, headDim: d.hd)
        let kOff = d.attn, vOff = d.attn + d.nkv * d.hd
        attentionBackward(dq: s.dqkv, dk: s.dqkv + kOff, dv: s.dqkv + vOff, scratch: s.attention,
                          dout: s.datty, probs: a.probs, q: a.qkv, k: a.qkv + kOff, v: a.qkv + vOff, shape: shape)
        if let rope {
            ropeApply(s.dqkv, positions: positions, N: N, heads: d.nh + d.nkv, rowStride: d.qkv,
                      table: rope, inverse: true)
        }
        parallelZero(s.dln, N * d.C)
        matmulBackward(dinp: s.dln, dweight: g(w.qkvW), dbias: g(w.qkvB), dout: s.dqkv,
                       inp: a.ln1, weight: p + w.qkvW, N: N, C: d.C, OC: d.qkv, layout: d.layout)
        lora?.backward(.attentionInput, layer: w.index, inp: a.ln1, dout: s.dqkv, ldOut: d.qkv, dinp: s.dln, activations: a.lora!, scratch: s.loraScratch, N: N)
        normBackward(dinp: dres, dout: s.dln, inp: inp, mean: a.ln1Mean, rstd: a.ln1Rstd,
                     w: w.ln1W, b: w.ln1B, N: N)
    }
}
