import CFinchAVX512

/// out[N, OC] = inp[N, C] · W + bias, with W given as BF16 panels (`BF16Panels.swift`);
/// `accumulate` adds into `out` instead of overwriting. inp, out and bias are FP32, and so is
/// the arithmetic: each weight is widened to FP32 in a register right after its load.
///
/// Meant for decoding's few rows (N ≲ 64), where OpenBLAS either streams FP32 weights through
/// sgemv or repacks the whole matrix on every call (sgemm). Each panel of 16 outputs is read
/// once from wherever it lives and then from L1/L2 for each further group of rows:
/// - 6 rows at a time: 12 accumulators, 12 FMAs per 32-byte weight load (the shape of
///   OpenBLAS's Haswell sgemm kernel);
/// - 4 rows for the remainder (2 or 3 rows repeat their last row: same time, one kernel fewer);
/// - 1 row (batch-1 decoding, bound by how fast weights arrive): four panels a quarter of the
///   matrix apart side by side, so that four streams are in flight (measured on a 21 MB matrix
///   that does not stay in L3: 21–28 GB/s against 13–15 GB/s for one panel at a time); their 8
///   accumulators are also enough independent FMA chains to hide FMA latency;
/// - a single row left over from a larger N: one panel, four inputs c side by side.
/// The four kernels stay separate functions: inlined into one large function, the compiler
/// stopped inlining their loads (a call per load, 3× slower). Threads split the panels;
/// products under ~1M multiply-adds stay on one thread.
///
/// On AVX-512 CPUs (`KernelISA.avx512`) the same panels run through `CFinchAVX512`'s 16-lane
/// kernel: a panel fills one register, and 12 rows share each widened weight.
public func matmulBF16Forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                              panels: UnsafePointer<UInt32>, bias: UnsafePointer<Float>?,
                              N: Int, C: Int, OC: Int, accumulate: Bool = false) {
    let count = (OC + 15) / 16
    let minPanels = max(1, (1 << 20) / max(1, N * C * 16))
    #if arch(x86_64)
    if KernelISA.current == .avx512 {
        parallelChunks(count, minPerThread: minPanels) { p0, p1 in
            finch_avx512_bf16_panels(out, inp, panels, bias, N, C, OC, p0, p1, accumulate ? 1 : 0)
        }
        return
    }
    #endif
    parallelChunks(count, minPerThread: minPanels) { p0, p1 in
        let w = BF16Matrix(base: panels, C: C, OC: OC, bias: bias, accumulate: accumulate)
        if N == 1 { return w.row1(out: out, inp: inp, panels: p0..<p1) }
        for p in p0..<p1 {
            let o0 = 16 * p, tile = w.tile(p)
            var n = 0
            while N - n >= 6 {
                panelRows6(w.panel(p), inp + n * C, ld: C, C: C, out: out + n * OC + o0, ldOut: OC, tile)
                n += 6
            }
            while n < N {
                let rows = min(4, N - n)
                if rows == 1 {
                    let (a, b) = panelRow1(w.panel(p), inp + n * C, C: C)
                    tile.store(out + n * OC + o0, a, b)
                } else {
                    panelRows4(w.panel(p), inp + n * C, ld: C, rows: rows, C: C, out: out + n * OC + o0, ldOut: OC, tile)
                }
                n += rows
            }
        }
    }
}

/// A whole matrix of panels and where its results go.
struct BF16Matrix {
    let base: UnsafePointer<UInt32>
    let C: Int, OC: Int
    let bias: UnsafePointer<Float>?
    let accumulate: Bool

    @inline(__always) func panel(_ p: Int) -> BF16Panel { BF16Panel(raw: UnsafeRawPointer(base + p * C * 8)) }

    @inline(__always) func tile(_ p: Int) -> OutputTile {
        OutputTile(cols: min(16, OC - 16 * p), bias: bias.map { $0 + 16 * p }, accumulate: accumulate)
    }

    /// N = 1 over `panels`: p, p + q, p + 2q, p + 3q together (each panel summed in the same
    /// order whichever it runs with, so results do not depend on the thread count).
    @inline(__always) func row1(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, panels: Range<Int>) {
        let p0 = panels.lowerBound, p1 = panels.upperBound, q = panels.count / 4, left = p0 + 4 * q
        for p in p0..<(p0 + q) {
            let r = fourPanelsRow1(panel(p), panel(p + q), panel(p + 2 * q), panel(p + 3 * q), inp, C: C)
            tile(p).store(out + 16 * p, r.0, r.1)
            tile(p + q).store(out + 16 * (p + q), r.2, r.3)
            tile(p + 2 * q).store(out + 16 * (p + 2 * q), r.4, r.5)
            tile(p + 3 * q).store(out + 16 * (p + 3 * q), r.6, r.7)
        }
        if left < p1 {  // up to 3 panels left: run them as a four with repeats
            let r = fourPanelsRow1(panel(left), panel(min(left + 1, p1 - 1)), panel(min(left + 2, p1 - 1)),
                                   panel(left), inp, C: C)
            tile(left).store(out + 16 * left, r.0, r.1)
            if left + 1 < p1 { tile(left + 1).store(out + 16 * (left + 1), r.2, r.3) }
            if left + 2 < p1 { tile(left + 2).store(out + 16 * (left + 2), r.4, r.5) }
        }
    }
}

/// One panel: 32 bytes per input c, outputs 0–7 in the low halves and 8–15 in the high halves.
struct BF16Panel {
    let raw: UnsafeRawPointer

    /// W(0..<8, c) and W(8..<16, c) of this panel, widened to FP32.
    @inline(__always) func load(_ c: Int) -> (Float8, Float8) {
        let w = raw.loadUnaligned(fromByteOffset: c * 32, as: SIMD8<UInt32>.self)
        return (unsafeBitCast(w &<< 16, to: Float8.self), unsafeBitCast(w & 0xFFFF_0000, to: Float8.self))
    }
}

/// Where a panel's 16 results go: `cols` ≤ 16 valid outputs (the last panel may be partial),
/// plus bias, overwriting or adding into `out`.
struct OutputTile {
    let cols: Int
    let bias: UnsafePointer<Float>?
    let accumulate: Bool

    @inline(__always) func store(_ out: UnsafeMutablePointer<Float>, _ a: Float8, _ b: Float8) {
        var a = a, b = b
        if cols == 16 {
            let o = UnsafeMutableRawPointer(out)
            if let bias {
                let r = UnsafeRawPointer(bias)
                a += r.loadUnaligned(as: Float8.self)
                b += r.loadUnaligned(fromByteOffset: 32, as: Float8.self)
            }
            if accumulate {
                a += o.loadUnaligned(as: Float8.self)
                b += o.loadUnaligned(fromByteOffset: 32, as: Float8.self)
            }
            o.storeBytes(of: a, as: Float8.self)
            o.storeBytes(of: b, toByteOffset: 32, as: Float8.self)
        } else {
            for j in 0..<cols {
                let v = (j < 8 ? a[j] : b[j - 8]) + (bias?[j] ?? 0)
                out[j] = accumulate ? out[j] + v : v
            }
        }
    }
}

/// One row x[C] against four panels at once; returns each panel's outputs 0–7 and 8–15.
@inline(never)
private func fourPanelsRow1(_ w0: BF16Panel, _ w1: BF16Panel, _ w2: BF16Panel, _ w3: BF16Panel,
                            _ x: UnsafePointer<Float>, C: Int)
    -> (Float8, Float8, Float8, Float8, Float8, Float8, Float8, Float8) {
    var a0 = Float8(), b0 = Float8(), a1 = Float8(), b1 = Float8()
    var a2 = Float8(), b2 = Float8(), a3 = Float8(), b3 = Float8()
    for c in 0..<C {
        let v = Float8(repeating: x[c])
        let (l0, h0) = w0.load(c); a0.addProduct(l0, v); b0.addProduct(h0, v)
        let (l1, h1) = w1.load(c); a1.addProduct(l1, v); b1.addProduct(h1, v)
        let (l2, h2) = w2.load(c); a2.addProduct(l2, v); b2.addProduct(h2, v)
        let (l3, h3) = w3.load(c); a3.addProduct(l3, v); b3.addProduct(h3, v)
    }
    return (a0, b0, a1, b1, a2, b2, a3, b3)
}

/// One row x[C] against a panel: four inputs per step into separate accumulators.
@inline(never)
private func panelRow1(_ w: BF16Panel, _ x: UnsafePointer<Float>, C: Int) -> (Float8, Float8) {
    var a0 = Float8(), b0 = Float8(), a1 = Float8(), b1 = Float8()
    var a2 = Float8(), b2 = Float8(), a3 = Float8(), b3 = Float8()
    var c = 0
    while c + 4 <= C {
        let (l0, h0) = w.load(c), (l1, h1) = w.load(c + 1), (l2, h2) = w.load(c + 2), (l3, h3) = w.load(c + 3)
        let x0 = Float8(repeating: x[c]), x1 = Float8(repeating: x[c + 1])
        let x2 = Float8(repeating: x[c + 2]), x3 = Float8(repeating: x[c + 3])
        a0.addProduct(l0, x0); b0.addProduct(h0, x0)
        a1.addProduct(l1, x1); b1.addProduct(h1, x1)
        a2.addProduct(l2, x2); b2.addProduct(h2, x2)
        a3.addProduct(l3, x3); b3.addProduct(h3, x3)
        c += 4
    }
    while c < C {
        let (l, h) = w.load(c), v = Float8(repeating: x[c])
        a0.addProduct(l, v); b0.addProduct(h, v)
        c += 1
    }
    return ((a0 + a1) + (a2 + a3), (b0 + b1) + (b2 + b3))
}

/// Two to four rows (x, x + ld, …) against a panel, stored into `rows` rows of `out`; missing
/// rows repeat the last one.
@inline(never)
private func panelRows4(_ w: BF16Panel, _ x: UnsafePointer<Float>, ld: Int, rows: Int, C: Int,
                        out: UnsafeMutablePointer<Float>, ldOut: Int, _ tile: OutputTile) {
    let x0 = x, x1 = x + ld, x2 = x + min(2, rows - 1) * ld, x3 = x + min(3, rows - 1) * ld
    var a0 = Float8(), b0 = Float8(), a1 = Float8(), b1 = Float8()
    var a2 = Float8(), b2 = Float8(), a3 = Float8(), b3 = Float8()
    for c in 0..<C {
        let (l, h) = w.load(c)
        let v0 = Float8(repeating: x0[c]); a0.addProduct(l, v0); b0.addProduct(h, v0)
        let v1 = Float8(repeating: x1[c]); a1.addProduct(l, v1); b1.addProduct(h, v1)
        let v2 = Float8(repeating: x2[c]); a2.addProduct(l, v2); b2.addProduct(h, v2)
        let v3 = Float8(repeating: x3[c]); a3.addProduct(l, v3); b3.addProduct(h, v3)
    }
    tile.store(out, a0, b0)
    tile.store(out + ldOut, a1, b1)
    if rows > 2 { tile.store(out + 2 * ldOut, a2, b2) }
    if rows > 3 { tile.store(out + 3 * ldOut, a3, b3) }
}

/// Six rows (x, x + ld, …) against a panel, stored straight into six rows of `out`.
@inline(never)
private func panelRows6(_ w: BF16Panel, _ x: UnsafePointer<Float>, ld: Int, C: Int,
                        out: UnsafeMutablePointer<Float>, ldOut: Int, _ tile: OutputTile) {
    let x0 = x, x1 = x + ld, x2 = x + 2 * ld, x3 = x + 3 * ld, x4 = x + 4 * ld, x5 = x + 5 * ld
    var a0 = Float8(), b0 = Float8(), a1 = Float8(), b1 = Float8(), a2 = Float8(), b2 = Float8()
    var a3 = Float8(), b3 = Float8(), a4 = Float8(), b4 = Float8(), a5 = Float8(), b5 = Float8()
    for c in 0..<C {
        let (l, h) = w.load(c)
        let v0 = Float8(repeating: x0[c]); a0.addProduct(l, v0); b0.addProduct(h, v0)
        let v1 = Float8(repeating: x1[c]); a1.addProduct(l, v1); b1.addProduct(h, v1)
        let v2 = Float8(repeating: x2[c]); a2.addProduct(l, v2); b2.addProduct(h, v2)
        let v3 = Float8(repeating: x3[c]); a3.addProduct(l, v3); b3.addProduct(h, v3)
        let v4 = Float8(repeating: x4[c]); a4.addProduct(l, v4); b4.addProduct(h, v4)
        let v5 = Float8(repeating: x5[c]); a5.addProduct(l, v5); b5.addProduct(h, v5)
    }
    tile.store(out, a0, b0)
    tile.store(out + ldOut, a1, b1)
    tile.store(out + 2 * ldOut, a2, b2)
    tile.store(out + 3 * ldOut, a3, b3)
    tile.store(out + 4 * ldOut, a4, b4)
    tile.store(out + 5 * ldOut, a5, b5)
}
