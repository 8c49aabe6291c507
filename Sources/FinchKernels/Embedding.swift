/// out[B·T, C] = wte[token] (+ wpe[position])
///
/// `positions` gives each token's absolute position (it differs from t when decoding
/// with a KV cache); `wpe` is nil for rotary models, which have no learned positions.
public func embeddingForward(out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
                             positions: UnsafePointer<Int32>?, wte: UnsafePointer<Float>,
                             wpe: UnsafePointer<Float>?, N: Int, C: Int) {
    for n in 0..<N {
        let o = out + n * C
        o.update(from: wte + Int(tokens[n]) * C, count: C)
        if let wpe, let positions {
            let p = wpe + Int(positions[n]) * C
            for c in 0..<C { o[c] += p[c] }
        }
    }
}

/// Scatter-adds dout[N, C] into the embedding rows that were read.
public func embeddingBackward(dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>?,
                              dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>,
                              positions: UnsafePointer<Int32>?, N: Int, C: Int) {
    for n in 0..<N {
        let d = dout + n * C
        let w = dwte + Int(tokens[n]) * C
        for c in 0..<C { w[c] += d[c] }
        if let dwpe, let positions {
            let p = dwpe + Int(positions[n]) * C
            for c in 0..<C { p[c] += d[c] }
        }
    }
}
