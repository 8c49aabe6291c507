/// BF16 weight panels: an inference copy of a weight matrix at half the bytes, laid out for
/// `matmulBF16Forward`.
///
/// Why: decoding a few rows reads every weight once per token, so its speed is the speed at
/// which weights arrive. `char6`'s 42 MB of FP32 weights do not fit a 32 MiB L3 and stream from
/// memory; in BF16 half as many bytes stream (21 MB, which fits L3 when little else is using
/// it). BF16 keeps FP32's exponent and the top 7 mantissa bits (relative rounding error
/// ≤ 2⁻⁸), so it needs no scaling, and widening it back to FP32 is a 16-bit shift, cheap enough
/// to do in registers inside the product.
///
/// Layout, for W with OC outputs and C inputs (either `WeightLayout`), outputs taken 16 at a time:
///
///     panels[⌈OC/16⌉][C][8] UInt32    word j of (panel p, input c) = bf16(W(16p + j, c))
///                                                                  | bf16(W(16p + 8 + j, c)) << 16
///
/// so one 32-byte load per input c brings a panel's 16 weights, and `w << 16` and
/// `w & 0xFFFF0000` are outputs 0–7 and 8–15 as floats. Outputs past OC are zero. A panel is
/// contiguous (C · 32 bytes), so a product streams it front to back whatever W's layout was.

/// UInt32 words of the panels of a C × OC matrix.
public func bf16PanelWords(C: Int, OC: Int) -> Int { (OC + 15) / 16 * C * 8 }

/// panels ← BF16 panels of weight (W is [OC, C] for `.outIn`, [C, OC] for `.inOut`).
/// panels: `bf16PanelWords(C:OC:)` words. Panels are packed in parallel over the kernel threads.
public func packBF16Panels(_ panels: UnsafeMutablePointer<UInt32>, weight: UnsafePointer<Float>,
                           C: Int, OC: Int, layout: WeightLayout) {
    // W(o, c) as (stride between outputs, stride between inputs)
    let (so, sc) = layout == .outIn ? (C, 1) : (1, OC)
    parallelFor((OC + 15) / 16, minPerThread: 4) { p in
        for c in 0..<C {
            let dst = panels + (p * C + c) * 8
            for j in 0..<8 {
                let lo = 16 * p + j, hi = lo + 8
                let a = lo < OC ? bf16Bits(weight[lo * so + c * sc]) : 0
                let b = hi < OC ? bf16Bits(weight[hi * so + c * sc]) : 0
                dst[j] = a | (b << 16)
            }
        }
    }
}
