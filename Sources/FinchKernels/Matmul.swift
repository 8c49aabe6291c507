import COpenBLAS

/// How a weight matrix is stored. Hugging Face Llama/Qwen2 `nn.Linear` weights are
/// `[out, in]`; GPT-2's `Conv1D` weights are `[in, out]`. Finch keeps each family's
/// layout so safetensors load without copies; sgemm's transpose flags absorb the difference.
public enum WeightLayout: Sendable {
    case outIn
    case inOut
}

/// out[N, OC] = inp[N, C] · Wᵀ + bias   (W is [OC, C] for `.outIn`, [C, OC] for `.inOut`)
///
/// `ldOut`/`ldInp` let callers read or write a column slice of a wider row
/// (e.g. one head of a fused qkv buffer). `accumulate` adds into `out` instead of overwriting.
public func matmulForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          N: Int, C: Int, OC: Int, layout: WeightLayout = .outIn,
                          ldInp: Int? = nil, ldOut: Int? = nil, accumulate: Bool = false) {
    let ldo = ldOut ?? OC
    var beta: Float = accumulate ? 1 : 0
    if let bias {
        for n in 0..<N {
            let row = out + n * ldo
            if accumulate { for o in 0..<OC { row[o] += bias[o] } } else { row.update(from: bias, count: OC) }
        }
        beta = 1
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, layout == .outIn ? CblasTrans : CblasNoTrans,
                Int32(N), Int32(OC), Int32(C), 1, inp, Int32(ldInp ?? C),
                weight, Int32(layout == .outIn ? C : OC), beta, out, Int32(ldo))
}

/// Backward of `matmulForward`. Accumulates into every gradient it is given:
/// dinp[N, C] += dout · W,  dweight += doutᵀ · inp (in W's layout),  dbias[OC] += Σₙ dout.
public func matmulBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
                           dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                           inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           N: Int, C: Int, OC: Int, layout: WeightLayout = .outIn,
                           ldInp: Int? = nil, ldOut: Int? = nil) {
    let ldi = Int32(ldInp ?? C), ldo = Int32(ldOut ?? OC)
    if let dinp {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, layout == .outIn ? CblasNoTrans : CblasTrans,
                    Int32(N), Int32(C), Int32(OC), 1, dout, ldo,
                    weight, Int32(layout == .outIn ? C : OC), 1, dinp, ldi)
    }
    if let dweight {
        switch layout {
        case .outIn:  // dW[OC, C] += doutᵀ[OC, N] · inp[N, C]
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(OC), Int32(C), Int32(N),
                        1, dout, ldo, inp, ldi, 1, dweight, Int32(C))
        case .inOut:  // dW[C, OC] += inpᵀ[C, N] · dout[N, OC]
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(C), Int32(OC), Int32(N),
                        1, inp, ldi, dout, ldo, 1, dweight, Int32(OC))
        }
    }
    if let dbias {
        for n in 0..<N {
            let row = dout + n * Int(ldo)
            for o in 0..<OC { dbias[o] += row[o] }
        }
    }
}
