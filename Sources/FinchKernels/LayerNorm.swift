/// LayerNorm over the last axis (GPT-2).
/// out[N, C] = (inp − mean) · rstd · weight + bias;  saves mean[N] and rstd[N] for the backward pass.
public func layerNormForward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?,
                             rstd: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>,
                             weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                             N: Int, C: Int, eps: Float) {
    parallelFor(N, minPerThread: 16) { n in
        let x = inp + n * C, o = out + n * C
        var m: Float = 0
        for c in 0..<C { m += x[c] }
        m /= Float(C)
        var v: Float = 0
        for c in 0..<C { let d = x[c] - m; v += d * d }
        let s = 1 / (v / Float(C) + eps).squareRoot()
        if let bias {
            for c in 0..<C { o[c] = (x[c] - m) * s * weight[c] + bias[c] }
        } else {
            for c in 0..<C { o[c] = (x[c] - m) * s * weight[c] }
        }
        mean?[n] = m
        rstd?[n] = s
    }
}

/// Accumulates dinp, dweight and dbias from dout, using the mean and rstd saved by the forward pass;
/// nil weight gradients (a frozen base under LoRA) are skipped.
/// Weight gradients are split over threads by column, so each sums its columns over every row
/// without scratch space or a race.
public func layerNormBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?,
                              dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                              inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int) {
    if let dweight { parallelChunks(C, minPerThread: 64) { c0, c1 in
        for n in 0..<N {
            let d = dout + n * C, x = inp + n * C, m = mean[n], s = rstd[n]
            for c in c0..<c1 { dweight[c] += (x[c] - m) * s * d[c] }
            if let dbias { for c in c0..<c1 { dbias[c] += d[c] } }
        }
    } }
    parallelFor(N, minPerThread: 16) { n in
        let d = dout + n * C, x = inp + n * C, dx = dinp + n * C, m = mean[n], s = rstd[n]
        var dnormMean: Float = 0, dnormNormMean: Float = 0
        for c in 0..<C {
            let dn = weight[c] * d[c]
            dnormMean += dn
            dnormNormMean += dn * (x[c] - m) * s
        }
        dnormMean /= Float(C)
        dnormNormMean /= Float(C)
        for c in 0..<C {
            let dn = weight[c] * d[c]
            dx[c] += (dn - dnormMean - (x[c] - m) * s * dnormNormMean) * s
        }
    }
}
