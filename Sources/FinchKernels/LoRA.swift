/// A low-rank adapter on a linear map (Hu et al. 2021, as PEFT computes it):
/// out[N, cols] += scale · (inp[N, C] · Aᵀ) · Bᵀ, with A [r, C] and B [cols, r] in `Linear`'s
/// [out, in] orientation whatever the base layer's (GPT-2's `Conv1D` included).
///
/// `out` may be a column range of a wider output (`ldOut` its row stride): an adapter on
/// Llama's `q_proj` writes the first columns of the fused q|k|v product. The forward saves
/// u[N, r] = scale · inp · Aᵀ, which the backward needs; it is small (r ≪ C).
public func loraForward(out: UnsafeMutablePointer<Float>, ldOut: Int, saved u: UnsafeMutablePointer<Float>,
                        inp: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                        scale: Float, N: Int, C: Int, r: Int, cols: Int) {
    matmulForward(out: u, inp: inp, weight: a, bias: nil, N: N, C: C, OC: r)
    parallelChunks(N * r, minPerThread: 1 << 14) { lo, hi in
        for i in lo..<hi { u[i] *= scale }
    }
    matmulForward(out: out, inp: u, weight: b, bias: nil, N: N, C: r, OC: cols, ldOut: ldOut, accumulate: true)
}

/// Backward of `loraForward`, accumulating: dB += doutᵀ · u, dA += scale · (dout · B)ᵀ · inp,
/// dinp[N, C] += scale · (dout · B) · A. `du` [N, r] is scratch. dout has row stride `ldOut`.
public func loraBackward(dinp: UnsafeMutablePointer<Float>, da: UnsafeMutablePointer<Float>,
                         db: UnsafeMutablePointer<Float>, du: UnsafeMutablePointer<Float>,
                         dout: UnsafePointer<Float>, ldOut: Int, saved u: UnsafePointer<Float>,
                         inp: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                         scale: Float, N: Int, C: Int, r: Int, cols: Int) {
    parallelZero(du, N * r)
    matmulBackward(dinp: du, dweight: db, dbias: nil, dout: dout, inp: u, weight: b, N: N, C: r, OC: cols, ldOut: ldOut)
    parallelChunks(N * r, minPerThread: 1 << 14) { lo, hi in
        for i in lo..<hi { du[i] *= scale }
    }
    matmulBackward(dinp: dinp, dweight: da, dbias: nil, dout: du, inp: inp, weight: a, N: N, C: C, OC: r)
}
