/// One query of one head against its n cached keys (a decoding step):
///
///     probs[n] = softmax(scale · q[hd] · k[j]ᵀ for j < n),   out[hd] = Σⱼ probs[j] · v[j]
///
/// keys and values are rows `kvStride` elements apart. Why not two sgemv calls: at decoding
/// sizes (a few dozen keys, hd = 64) the calls themselves cost more than the arithmetic, and a
/// batch of 16 makes 16 · heads · 2 of them per layer (measured: a quarter of a `tiny` batch-16
/// step). Scores take four keys at a time (four independent FMA chains, one load of q per four
/// keys); the weighted sum keeps 32 output columns in registers per pass over the keys.
public func singleQueryAttention(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                                 q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                 n: Int, headDim hd: Int, kvStride: Int, scale: Float) {
    singleQuery(out: out, probs: probs, q: q, k: FP32Rows(base: k, stride: kvStride),
                v: FP32Rows(base: v, stride: kvStride), n: n, hd: hd, scale: scale)
}

/// `singleQueryAttention` with BF16 keys and values (a BF16 KV cache), widened in registers.
public func singleQueryAttentionBF16(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                                     q: UnsafePointer<Float>, k: UnsafePointer<UInt16>, v: UnsafePointer<UInt16>,
                                     n: Int, headDim hd: Int, kvStride: Int, scale: Float) {
    singleQuery(out: out, probs: probs, q: q, k: BF16Rows(base: k, stride: kvStride),
                v: BF16Rows(base: v, stride: kvStride), n: n, hd: hd, scale: scale)
}

/// Rows of keys or values as the kernel reads them: 8 columns at a time, or one.
protocol KeyValueRows {
    func load8(_ row: Int, _ col: Int) -> Float8
    func value(_ row: Int, _ col: Int) -> Float
}

struct FP32Rows: KeyValueRows {
    let base: UnsafePointer<Float>
    let stride: Int
    @inline(__always) func load8(_ row: Int, _ col: Int) -> Float8 {
        UnsafeRawPointer(base + row * stride + col).loadUnaligned(as: Float8.self)
    }
    @inline(__always) func value(_ row: Int, _ col: Int) -> Float { base[row * stride + col] }
}

struct BF16Rows: KeyValueRows {
    let base: UnsafePointer<UInt16>
    let stride: Int
    @inline(__always) func load8(_ row: Int, _ col: Int) -> Float8 {
        let h = UnsafeRawPointer(base + row * stride + col).loadUnaligned(as: SIMD8<UInt16>.self)
        return unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: h) &<< 16, to: Float8.self)
    }
    @inline(__always) func value(_ row: Int, _ col: Int) -> Float { bf16Value(UInt32(base[row * stride + col])) }
}

@inline(__always)
private func singleQuery<R: KeyValueRows>(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                                          q: UnsafePointer<Float>, k: R, v: R, n: Int, hd: Int, scale: Float) {
    var j = 0
    while j + 4 <= n {
        let s = dot4(q, k, j, j + 1, j + 2, j + 3, hd)
        for t in 0..<4 { probs[j + t] = s[t] * scale }
        j += 4
    }
    while j < n {
        probs[j] = dot4(q, k, j, j, j, j, hd)[0] * scale
        j += 1
    }
    softmaxCausalRow(probs, visible: n, width: n)
    weightedRowSum(out, probs, v, n: n, width: hd)
}

/// (q·k[a], q·k[b], q·k[c], q·k[d]) over hd columns.
@inline(__always)
private func dot4<R: KeyValueRows>(_ q: UnsafePointer<Float>, _ k: R, _ a: Int, _ b: Int, _ c: Int, _ d: Int,
                                   _ hd: Int) -> SIMD4<Float> {
    let rq = UnsafeRawPointer(q)
    var sa = Float8(), sb = Float8(), sc = Float8(), sd = Float8()
    var i = 0
    while i + 8 <= hd {
        let x = rq.loadUnaligned(fromByteOffset: i * 4, as: Float8.self)
        sa.addProduct(x, k.load8(a, i))
        sb.addProduct(x, k.load8(b, i))
        sc.addProduct(x, k.load8(c, i))
        sd.addProduct(x, k.load8(d, i))
        i += 8
    }
    var s = SIMD4(sa.sum(), sb.sum(), sc.sum(), sd.sum())
    while i < hd { s += q[i] * SIMD4(k.value(a, i), k.value(b, i), k.value(c, i), k.value(d, i)); i += 1 }
    return s
}

/// out[width] = Σ_{j<n} w[j] · rows[j][0..<width]; 32 columns per pass, then 16, then 8.
@inline(__always)
private func weightedRowSum<R: KeyValueRows>(_ out: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>,
                                             _ rows: R, n: Int, width: Int) {
    let o = UnsafeMutableRawPointer(out)
    var c = 0
    while c + 32 <= width {
        var a0 = Float8(), a1 = Float8(), a2 = Float8(), a3 = Float8()
        for j in 0..<n {
            let p = Float8(repeating: w[j])
            a0.addProduct(p, rows.load8(j, c))
            a1.addProduct(p, rows.load8(j, c + 8))
            a2.addProduct(p, rows.load8(j, c + 16))
            a3.addProduct(p, rows.load8(j, c + 24))
        }
        o.storeBytes(of: a0, toByteOffset: c * 4, as: Float8.self)
        o.storeBytes(of: a1, toByteOffset: c * 4 + 32, as: Float8.self)
        o.storeBytes(of: a2, toByteOffset: c * 4 + 64, as: Float8.self)
        o.storeBytes(of: a3, toByteOffset: c * 4 + 96, as: Float8.self)
        c += 32
    }
    if c + 16 <= width {  // hd = 48 and 80 end with 16 columns: one pass, not two
        var a0 = Float8(), a1 = Float8()
        for j in 0..<n {
            let p = Float8(repeating: w[j])
            a0.addProduct(p, rows.load8(j, c))
            a1.addProduct(p, rows.load8(j, c + 8))
        }
        o.storeBytes(of: a0, toByteOffset: c * 4, as: Float8.self)
        o.storeBytes(of: a1, toByteOffset: c * 4 + 32, as: Float8.self)
        c += 16
    }
    while c + 8 <= width {
        var a = Float8()
        for j in 0..<n { a.addProduct(Float8(repeating: w[j]), rows.load8(j, c)) }
        o.storeBytes(of: a, toByteOffset: c * 4, as: Float8.self)
        c += 8
    }
    while c < width {
        var a: Float = 0
        for j in 0..<n { a += w[j] * rows.value(j, c) }
        out[c] = a
        c += 1
    }
}
