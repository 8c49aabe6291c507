import FinchKernels

/// Incremental forward with a KV cache: feeds a few new tokens per row and returns the
/// next-token logits of each row. Prefill (a whole prompt) and decoding (one token) are the
/// same call with a different number of new tokens.
///
/// In FP32 (the default) it runs the same block code as training, with every layer writing
/// into one shared scratch, since nothing is kept for a backward pass. In BF16 it takes a BF16
/// copy of the matrices when it is made (`DecodePrecision`), so it does not see later updates
/// to the model's weights, and keeps keys and values in BF16.
public final class IncrementalForward {
    public let model: Transformer
    public let precision: DecodePrecision
    private let bf16: BF16DecodeWeights?
    private var scratch: FlatBuffer?

    public init(model: Transformer, precision: DecodePrecision = .fp32) {
        self.model = model
        self.precision = precision
        // The BF16 copy holds the base matrices only; adapters would be silently dropped.
        precondition(precision == .fp32 || model.lora == nil, "IncrementalForward: BF16 decoding of a model with LoRA adapters (merge them first)")
        bf16 = precision == .bf16 ? BF16DecodeWeights(model: model) : nil
    }

    /// A KV cache in the format this decoder's block writes (BF16 for a BF16 decoder).
    public func makeCache(batch: Int, capacity: Int) -> KVCache {
        KVCache(config: model.config, batch: batch, capacity: capacity, bf16: bf16 != nil)
    }

    /// tokens: [B, Tq], right-padded; counts[b] (1...Tq) of row b are real and get positions
    /// cache.lengths[b] ..< cache.lengths[b] + counts[b]. Returns logits [B, V] after the last
    /// real token of each row, and advances the cache.
    public func step(tokens: [Int32], counts: [Int], cache: KVCache) -> [Float] {
        let d = model.dims, B = cache.batch, Tq = tokens.count / B, N = B * Tq, cap = cache.capacity
        precondition(tokens.count == B * Tq && counts.count == B, "step: tokens must be [B, Tq] and counts [B]")
        precondition(cache.bf16 == (bf16 != nil), "step: KV cache format does not match the decoder (use makeCache)")
        for b in 0..<B {
            precondition(counts[b] >= 1 && counts[b] <= Tq, "step: row \(b) has \(counts[b]) new tokens of \(Tq)")
            precondition(cache.lengths[b] + Tq <= cap, "step: row \(b) would overflow the KV cache (\(cache.lengths[b]) + \(Tq) > \(cap))")
        }
        let (a, x0, x1, lnf, logits) = buffers(B: B, Tq: Tq, cap: cap)
        let p = model.params.pointer
        var positions = [Int32](repeating: 0, count: N)
        for b in 0..<B { for i in 0..<Tq { positions[b * Tq + i] = Int32(cache.lengths[b] + i) } }
        let past = cache.lengths
        positions.withUnsafeBufferPointer { pos in
            tokens.withUnsafeBufferPointer { tok in
                embeddingForward(out: x0, tokens: tok.baseAddress!, positions: pos.baseAddress!, wte: p + model.wte,
                                 wpe: model.wpe.map { UnsafePointer(p + $0) }, N: N, C: d.C)
            }
            var (inp, out) = (x0, x1)
            for l in 0..<d.L {
                if let bf16 {
                    let (k, v) = cache.bf16(layer: l)
                    model.bf16BlockForward(model.layers[l], bf16.layers[l], bf16: bf16, inp: inp, out: out, a: a,
                                           positions: pos.baseAddress!, k: k, v: v, past: past, B: B, Tq: Tq, cap: cap)
                } else {
                    let (k, v) = cache.fp32(layer: l)
                    model.blockForward(model.layers[l], inp: inp, out: out, a: a, positions: pos.baseAddress!,
                                       kv: .cache(k: k, v: v, past: past, batch: B, queries: Tq, capacity: cap), N: N)
                }
                swap(&inp, &out)
            }
            for b in 0..<B { (x1 + b * d.C).update(from: inp + (b * Tq + counts[b] - 1) * d.C, count: d.C) }
        }
        model.norm(out: lnf, mean: nil, rstd: nil, inp: x1, w: model.lnfW, b: model.lnfB, N: B)
        if let bf16 {
            matmulBF16Forward(out: logits, inp: lnf, panels: bf16.words + bf16.lmHead, bias: nil, N: B, C: d.C, OC: d.V)
        } else {
            matmulForward(out: logits, inp: lnf, weight: p + model.lmHead, bias: nil, N: B, C: d.C, OC: d.V)
        }
        for b in 0..<B { cache.lengths[b] += counts[b] }
        return Array(UnsafeBufferPointer(start: logits, count: B * d.V))
    }

    /// Scratch for one block at N = B·Tq tokens, two residual buffers, and the head. Grown on
    /// demand and kept when a step needs less (a batch that shrinks as its rows finish).
    private func buffers(B: Int, Tq: Int, cap: Int) -> (BlockActivations, UnsafeMutablePointer<Float>,
                                                        UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                                                        UnsafeMutablePointer<Float>) {
        let d = model.dims, N = B * Tq
        let sizes = [N * d.C, N, N, N * d.qkv, B * d.nh * Tq * cap, N * d.attn, N * d.C, N * d.C, N, N,
                     N * d.fc, N * d.I, N * d.C, N * d.C, B * d.C, B * d.V,
                     N * (model.lora.map { $0.slotsPerLayer * $0.config.r } ?? 0)]
        let total = sizes.reduce(0, +)
        if scratch == nil || scratch!.count < total { scratch = FlatBuffer(count: total) }
        var ptrs: [UnsafeMutablePointer<Float>] = []
        var o = 0
        for s in sizes { ptrs.append(scratch!.pointer + o); o += s }
        let a = BlockActivations(ln1: ptrs[0], ln1Mean: ptrs[1], ln1Rstd: ptrs[2], qkv: ptrs[3], probs: ptrs[4],
                                 atty: ptrs[5], res2: ptrs[6], ln2: ptrs[7], ln2Mean: ptrs[8], ln2Rstd: ptrs[9],
                                 fc: ptrs[10], act: ptrs[11], lora: LoRAActivations(saved: ptrs[16]))
        return (a, ptrs[12], ptrs[13], ptrs[14], ptrs[15])
    }
}
