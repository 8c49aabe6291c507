import COpenBLAS

/// How a weight matrix is stored. Hugging Face Llama/Qwen2 `nn.Linear` weights are
/// `[out, in]`; GPT-2's `Conv1D` weights are `[in, out]`. Finch keeps each family's
/// layout so safetensors load without copies; sgemm's transpose flags absorb the difference.
public enum WeightLayout: Sendable {
    case outIn
    case inOut
}

/// Below this many multiply-adds a product runs on one thread: a hand-off costs ~10 µs.
private let parallelMatmulWork = 1 << 20

/// out[N, OC] = inp[N, C] · Wᵀ + bias   (W is [OC, C] for `.outIn`, [C, OC] for `.inOut`)
///
/// `ldOut`/`ldInp` let callers read or write a column slice of a wider row
/// (e.g. one head of a fused qkv buffer). `accumulate` adds into `out` instead of overwriting.
/// Threads split the rows of `out`, or its columns when there are few rows (decoding).
public func matmulForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          N: Int, C: Int, OC: Int, layout: WeightLayout = .outIn,
                          ldInp: Int? = nil, ldOut: Int? = nil, accumulate: Bool = false) {
    let ldi = ldInp ?? C, ldo = ldOut ?? OC
    let byRows = N >= 32 * KernelThreads.count
    splitWork(byRows ? N : OC, work: N * C * OC, grain: byRows ? 8 : 64) { lo, hi in
        let (n0, rows, o0, cols) = byRows ? (lo, hi - lo, 0, OC) : (0, N, lo, hi - lo)
        let o = out + n0 * ldo + o0
        var beta: Float = accumulate ? 1 : 0
        if let bias {
            for n in 0..<rows {
                let row = o + n * ldo
                if accumulate { for j in 0..<cols { row[j] += bias[o0 + j] } } else { row.update(from: bias + o0, count: cols) }
            }
            beta = 1
        }
        let w = layout == .outIn ? weight + o0 * C : weight + o0
        if rows <= matvecRows {
            // Decoding: sgemm would repack the whole weight matrix for a handful of rows
            // (measured: 50% of a batch-1 decode step in OpenBLAS's packing routines).
            for n in 0..<rows {
                matvec(out: o + n * ldo, x: inp + (n0 + n) * ldi, weight: w, C: C, cols: cols,
                       ldw: layout == .outIn ? C : OC, layout: layout, accumulate: beta == 1)
            }
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, layout == .outIn ? CblasTrans : CblasNoTrans,
                        Int32(rows), Int32(cols), Int32(C), 1, inp + n0 * ldi, Int32(ldi),
                        w, Int32(layout == .outIn ? C : OC), beta, o, Int32(ldo))
        }
    }
}

/// Up to this many rows a product runs as one matrix–vector product per row.
private let matvecRows = 4

/// Backward of `matmulForward`. Accumulates into every gradient it is given:
/// dinp[N, C] += dout · W,  dweight += doutᵀ · inp (in W's layout),  dbias[OC] += Σₙ dout.
/// Threads split dinp by rows and dweight by its rows, so no two threads add into one element.
public func matmulBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
                           dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                           inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           N: Int, C: Int, OC: Int, layout: WeightLayout = .outIn,
                           ldInp: Int? = nil, ldOut: Int? = nil) {
    let ldi = ldInp ?? C, ldo = ldOut ?? OC
    if let dinp {
        splitWork(N, work: N * C * OC, grain: 8) { lo, hi in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, layout == .outIn ? CblasNoTrans : CblasTrans,
                        Int32(hi - lo), Int32(C), Int32(OC), 1, dout + lo * ldo, Int32(ldo),
                        weight, Int32(layout == .outIn ? C : OC), 1, dinp + lo * ldi, Int32(ldi))
        }
    }
    if let dweight {
        if N >= tokenSplitRows && KernelThreads.count > 1 {
            weightGradientSplitByTokens(dweight, dout: dout, inp: inp, N: N, C: C, OC: OC, layout: layout, ldi: ldi, ldo: ldo)
        } else {
            weightGradientSplitByRows(dweight, dout: dout, inp: inp, N: N, C: C, OC: OC, layout: layout, ldi: ldi, ldo: ldo)
        }
    }
    if let dbias {
        splitWork(OC, work: N * OC, grain: 64) { lo, hi in
            for n in 0..<N {
                let row = dout + n * ldo
                for o in lo..<hi { dbias[o] += row[o] }
            }
        }
    }
}

/// From this many tokens on, weight gradients are split over the tokens rather than over dW's rows.
private let tokenSplitRows = 1024

/// dW += doutᵀ·inp with threads taking shares of the tokens (the reduction): each reads only its
/// share of `inp` and `dout`, where splitting dW's rows makes every thread pack the whole of one
/// of them. Thread 0 adds into dW, the others into scratch that is summed in afterwards, which
/// pays off when there are many tokens per weight (a training batch), not when decoding.
private func weightGradientSplitByTokens(_ dweight: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                         inp: UnsafePointer<Float>, N: Int, C: Int, OC: Int, layout: WeightLayout,
                                         ldi: Int, ldo: Int) {
    let wCount = C * OC, threads = KernelThreads.count
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (threads - 1) * wCount)
    defer { scratch.deallocate() }
    parallelFor(threads) { t in
        let lo = N * t / threads, hi = N * (t + 1) / threads
        let target = t == 0 ? dweight : scratch + (t - 1) * wCount
        weightGradient(target, beta: t == 0 ? 1 : 0, dout: dout + lo * ldo, inp: inp + lo * ldi, rows: 0..<C,
                       cols: 0..<OC, N: hi - lo, C: C, OC: OC, layout: layout, ldi: ldi, ldo: ldo)
    }
    parallelChunks(wCount, minPerThread: 1 << 14) { a, b in
        for t in 0..<(threads - 1) {
            let part = scratch + t * wCount
            for i in a..<b { dweight[i] += part[i] }
        }
    }
}

/// dW += doutᵀ·inp with threads taking shares of dW's rows (OC for `.outIn`, C for `.inOut`).
private func weightGradientSplitByRows(_ dweight: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                       inp: UnsafePointer<Float>, N: Int, C: Int, OC: Int, layout: WeightLayout,
                                       ldi: Int, ldo: Int) {
    splitWork(layout == .outIn ? OC : C, work: N * C * OC, grain: 16) { lo, hi in
        weightGradient(dweight, beta: 1, dout: dout, inp: inp, rows: layout == .outIn ? 0..<C : lo..<hi,
                       cols: layout == .outIn ? lo..<hi : 0..<OC, N: N, C: C, OC: OC, layout: layout, ldi: ldi, ldo: ldo)
    }
}

/// The part of dW = beta·dW + doutᵀ·inp over input features `rows` and outputs `cols`.
@inline(__always)
private func weightGradient(_ dW: UnsafeMutablePointer<Float>, beta: Float, dout: UnsafePointer<Float>,
                            inp: UnsafePointer<Float>, rows: Range<Int>, cols: Range<Int>, N: Int, C: Int, OC: Int,
                            layout: WeightLayout, ldi: Int, ldo: Int) {
    switch layout {
    case .outIn:  // dW[OC, C]: rows of dW are outputs
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(cols.count), Int32(rows.count), Int32(N),
                    1, dout + cols.lowerBound, Int32(ldo), inp + rows.lowerBound, Int32(ldi), beta,
                    dW + cols.lowerBound * C + rows.lowerBound, Int32(C))
    case .inOut:  // dW[C, OC]: rows of dW are input features
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(rows.count), Int32(cols.count), Int32(N),
                    1, inp + rows.lowerBound, Int32(ldi), dout + cols.lowerBound, Int32(ldo), beta,
                    dW + rows.lowerBound * OC + cols.lowerBound, Int32(OC))
    }
}

/// Splits 0..<count into one contiguous range per thread (multiples of `grain`, so sgemm
/// panels stay aligned), or runs it whole when `work` is too small to be worth a hand-off.
@inline(__always)
private func splitWork(_ count: Int, work: Int, grain: Int, _ body: (Int, Int) -> Void) {
    let threads = work < parallelMatmulWork ? 1 : min(KernelThreads.count, max(1, count / grain))
    if threads == 1 { body(0, count); return }
    let blocks = (count + grain - 1) / grain
    parallelFor(threads) { t in
        let lo = min(count, blocks * t / threads * grain), hi = min(count, blocks * (t + 1) / threads * grain)
        if lo < hi { body(lo, hi) }
    }
}
