/// One query of one head against its n cached keys (a decoding step):
///
///     probs[n] = softmax(scale · q[hd] · k[j]ᵀ for j < n),   out[hd] = Σⱼ probs[j] · v[j]
///
/// keys and values are rows `kvStride` floats apart. Why not two sgemv calls: at decoding sizes
/// (a few dozen keys, hd = 64) the calls themselves cost more than the arithmetic, and a batch of
/// 16 makes 16 · heads · 2 of them per layer (measured: a quarter of a `tiny` batch-16 step).
/// Scores take four keys at a time (four independent FMA chains, one load of q per four keys);
/// the weighted sum keeps 32 output columns in registers per pass over the keys.
public func singleQueryAttention(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                                 q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                 n: Int, headDim hd: Int, kvStride: Int, scale: Float) {
    var j = 0
    while j + 4 <= n {
        let s = dot4(q, k + j * kvStride, k + (j + 1) * kvStride, k + (j + 2) * kvStride, k + (j + 3) * kvStride, hd)
        for t in 0..<4 { probs[j + t] = s[t] * scale }
        j += 4
    }
    while j < n {
        probs[j] = dot4(q, k + j * kvStride, k + j * kvStride, k + j * kvStride, k + j * kvStride, hd)[0] * scale
        j += 1
    }
    softmaxCausalRow(probs, visible: n, width: n)
    weightedRowSum(out, probs, v, n: n, width: hd, stride: kvStride)
}

/// (q·a, q·b, q·c, q·d) over hd floats.
@inline(__always)
private func dot4(_ q: UnsafePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                  _ c: UnsafePointer<Float>, _ d: UnsafePointer<Float>, _ hd: Int) -> SIMD4<Float> {
    let rq = UnsafeRawPointer(q), ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    let rc = UnsafeRawPointer(c), rd = UnsafeRawPointer(d)
    var sa = Float8(), sb = Float8(), sc = Float8(), sd = Float8()
    var i = 0
    while i + 8 <= hd {
        let x = rq.loadUnaligned(fromByteOffset: i * 4, as: Float8.self)
        sa.addProduct(x, ra.loadUnaligned(fromByteOffset: i * 4, as: Float8.self))
        sb.addProduct(x, rb.loadUnaligned(fromByteOffset: i * 4, as: Float8.self))
        sc.addProduct(x, rc.loadUnaligned(fromByteOffset: i * 4, as: Float8.self))
        sd.addProduct(x, rd.loadUnaligned(fromByteOffset: i * 4, as: Float8.self))
        i += 8
    }
    var s = SIMD4(sa.sum(), sb.sum(), sc.sum(), sd.sum())
    while i < hd { s += q[i] * SIMD4(a[i], b[i], c[i], d[i]); i += 1 }
    return s
}

/// out[width] = Σ_{j<n} w[j] · rows[j][width], rows `stride` floats apart; 32 columns per pass.
@inline(__always)
private func weightedRowSum(_ out: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>,
                            _ rows: UnsafePointer<Float>, n: Int, width: Int, stride: Int) {
    let o = UnsafeMutableRawPointer(out)
    var c = 0
    while c + 32 <= width {
        var a0 = Float8(), a1 = Float8(), a2 = Float8(), a3 = Float8()
        for j in 0..<n {
            let r = UnsafeRawPointer(rows + j * stride + c), p = Float8(repeating: w[j])
            a0.addProduct(p, r.loadUnaligned(as: Float8.self))
            a1.addProduct(p, r.loadUnaligned(fromByteOffset: 32, as: Float8.self))
            a2.addProduct(p, r.loadUnaligned(fromByteOffset: 64, as: Float8.self))
            a3.addProduct(p, r.loadUnaligned(fromByteOffset: 96, as: Float8.self))
        }
        o.storeBytes(of: a0, toByteOffset: c * 4, as: Float8.self)
        o.storeBytes(of: a1, toByteOffset: c * 4 + 32, as: Float8.self)
        o.storeBytes(of: a2, toByteOffset: c * 4 + 64, as: Float8.self)
        o.storeBytes(of: a3, toByteOffset: c * 4 + 96, as: Float8.self)
        c += 32
    }
    while c + 8 <= width {
        var a = Float8()
        for j in 0..<n { a.addProduct(Float8(repeating: w[j]), UnsafeRawPointer(rows + j * stride + c).loadUnaligned(as: Float8.self)) }
        o.storeBytes(of: a, toByteOffset: c * 4, as: Float8.self)
        c += 8
    }
    while c < width {
        var a: Float = 0
        for j in 0..<n { a += w[j] * rows[j * stride + c] }
        out[c] = a
        c += 1
    }
}
