/// out[cols] = x[C] · W (or += with `accumulate`) for one row x: the product of batch-1
/// decoding, which reads every weight once per token and so runs at the speed weights arrive.
///
/// W is `cols` outputs of a weight matrix: for `.inOut` rows of `cols` floats `ldw` apart
/// (W[c, 0..<cols]); for `.outIn` `cols` rows of C floats `ldw` apart (W[o, 0..<C]).
///
/// Why not sgemv: it streams the matrix front to back, one stream; this reads four parts of it a
/// quarter apart at once (rows c, c + q, c + 2q, c + 3q of an `.inOut` matrix, or outputs o,
/// o + q, o + 2q, o + 3q of an `.outIn` one), and four streams in flight arrive faster. Measured
/// on `char6`'s layer matrices (42 MB, beyond L3): 24–27 GB/s against sgemv's 17.5–18; on
/// `tiny`'s (13 MB): 44–53 against 29–44.
func matvec(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
            C: Int, cols: Int, ldw: Int, layout: WeightLayout, accumulate: Bool) {
    switch layout {
    case .inOut: matvecInOut(out: out, x: x, w: w, C: C, cols: cols, ldw: ldw, accumulate: accumulate)
    case .outIn: matvecOutIn(out: out, x: x, w: w, C: C, cols: cols, ldw: ldw, accumulate: accumulate)
    }
}

/// out[j] (+)= Σ_c x[c] · W[c, j]: out stays in L1 and takes four weight rows per pass.
@inline(never)
private func matvecInOut(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                         C: Int, cols: Int, ldw: Int, accumulate: Bool) {
    if !accumulate { out.update(repeating: 0, count: cols) }
    let q = C / 4, o = UnsafeMutableRawPointer(out)
    for c in 0..<q {
        let r0 = w + c * ldw, r1 = w + (c + q) * ldw, r2 = w + (c + 2 * q) * ldw, r3 = w + (c + 3 * q) * ldw
        let x0 = x[c], x1 = x[c + q], x2 = x[c + 2 * q], x3 = x[c + 3 * q]
        let v0 = Float8(repeating: x0), v1 = Float8(repeating: x1), v2 = Float8(repeating: x2), v3 = Float8(repeating: x3)
        var j = 0
        while j + 8 <= cols {
            var a = o.loadUnaligned(fromByteOffset: j * 4, as: Float8.self)
            a.addProduct(v0, UnsafeRawPointer(r0 + j).loadUnaligned(as: Float8.self))
            a.addProduct(v1, UnsafeRawPointer(r1 + j).loadUnaligned(as: Float8.self))
            a.addProduct(v2, UnsafeRawPointer(r2 + j).loadUnaligned(as: Float8.self))
            a.addProduct(v3, UnsafeRawPointer(r3 + j).loadUnaligned(as: Float8.self))
            o.storeBytes(of: a, toByteOffset: j * 4, as: Float8.self)
            j += 8
        }
        while j < cols {
            out[j] += x0 * r0[j] + x1 * r1[j] + x2 * r2[j] + x3 * r3[j]
            j += 1
        }
    }
    for c in (4 * q)..<C {
        for j in 0..<cols { out[j] += x[c] * w[c * ldw + j] }
    }
}

/// out[o] (+)= Σ_c W[o, c] · x[c]: four outputs' rows at once, one 8-lane accumulator each.
/// Up to three outputs left over run as a four with repeats, so every output is summed the
/// same way whichever slice of the matrix (thread) it falls in.
@inline(never)
private func matvecOutIn(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                         C: Int, cols: Int, ldw: Int, accumulate: Bool) {
    let q = cols / 4, left = 4 * q
    @inline(__always) func put(_ o: Int, _ v: Float) { out[o] = accumulate ? out[o] + v : v }
    for o in 0..<q {
        let s = dot4(x, w + o * ldw, w + (o + q) * ldw, w + (o + 2 * q) * ldw, w + (o + 3 * q) * ldw, C)
        put(o, s[0]); put(o + q, s[1]); put(o + 2 * q, s[2]); put(o + 3 * q, s[3])
    }
    if left < cols {
        let last = cols - 1
        let s = dot4(x, w + left * ldw, w + min(left + 1, last) * ldw, w + min(left + 2, last) * ldw, w + left * ldw, C)
        for i in 0..<(cols - left) { put(left + i, s[i]) }
    }
}

/// (x·a, x·b, x·c, x·d) over C floats.
@inline(__always)
private func dot4(_ x: UnsafePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                  _ c: UnsafePointer<Float>, _ d: UnsafePointer<Float>, _ C: Int) -> SIMD4<Float> {
    let rx = UnsafeRawPointer(x)
    var sa = Float8(), sb = Float8(), sc = Float8(), sd = Float8()
    var i = 0
    while i + 8 <= C {
        let v = rx.loadUnaligned(fromByteOffset: i * 4, as: Float8.self)
        sa.addProduct(v, UnsafeRawPointer(a + i).loadUnaligned(as: Float8.self))
        sb.addProduct(v, UnsafeRawPointer(b + i).loadUnaligned(as: Float8.self))
        sc.addProduct(v, UnsafeRawPointer(c + i).loadUnaligned(as: Float8.self))
        sd.addProduct(v, UnsafeRawPointer(d + i).loadUnaligned(as: Float8.self))
        i += 8
    }
    var s = SIMD4(sa.sum(), sb.sum(), sc.sum(), sd.sum())
    while i < C { s += x[i] * SIMD4(a[i], b[i], c[i], d[i]); i += 1 }
    return s
}
