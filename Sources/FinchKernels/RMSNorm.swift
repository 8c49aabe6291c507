/// RMSNorm over the last axis (Llama, Qwen2).
/// out[N, C] = inp · rstd · weight with rstd = 1/√(mean(inp²) + eps); saves rstd[N].
public func rmsNormForward(out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>?,
                           inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           N: Int, C: Int, eps: Float) {
    parallelFor(N, minPerThread: 16) { n in
        let x = inp + n * C, o = out + n * C
        var ss: Float = 0
        for c in 0..<C { ss += x[c] * x[c] }
        let s = 1 / (ss / Float(C) + eps).squareRoot()
        for c in 0..<C { o[c] = x[c] * s * weight[c] }
        rstd?[n] = s
    }
}

/// Accumulates dinp and dweight from dout and the saved rstd; a nil dweight (a frozen base) is skipped.
public func rmsNormBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?,
                            dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                            weight: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int) {
    if let dweight { parallelChunks(C, minPerThread: 64) { c0, c1 in  // by column: no two threads share a dweight entry
        for n in 0..<N {
            let d = dout + n * C, x = inp + n * C, s = rstd[n]
            for c in c0..<c1 { dweight[c] += x[c] * s * d[c] }
        }
    } }
    parallelFor(N, minPerThread: 16) { n in
        let d = dout + n * C, x = inp + n * C, dx = dinp + n * C, s = rstd[n]
        var dot: Float = 0
        for c in 0..<C { dot += weight[c] * d[c] * x[c] }
        let k = dot * s * s / Float(C)
        for c in 0..<C { dx[c] += (weight[c] * d[c] - x[c] * k) * s }
    }
}
