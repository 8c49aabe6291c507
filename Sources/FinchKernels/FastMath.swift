/// Vectorised exp and tanh for the elementwise kernels.
///
/// glibc's `tanhf` and `expf` are scalar calls; in a training step they cost more than all the
/// non-matmul arithmetic together (profiled: `tanhf` alone was 28% of a `tiny` step). These
/// 8-wide versions keep ~1e-7 relative error, below Float rounding of what consumes them.

public typealias Float8 = SIMD8<Float>

/// e^x for 8 lanes: x = k·ln2 + r with |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial, 2^k by
/// building the exponent bits. Inputs below −87 flush to 0 (as expf's result does near there).
///
/// k is rounded with the 1.5·2²³ trick (adding it leaves round(x·log₂e) in the low mantissa
/// bits) because Swift's generic SIMD float→int conversion is not vectorised.
@inline(__always)
public func fastExp(_ x: Float8) -> Float8 {
    let lo = Float8(repeating: -87.3), hi = Float8(repeating: 88.7)
    var c = x
    c.replace(with: lo, where: x .< lo)
    c.replace(with: hi, where: x .> hi)
    let magic: Float = 12_582_912  // 1.5 · 2²³
    let shifted = c * 1.442_695_04 + magic
    let k = shifted - magic
    let r = c - k * 0.693_145_75 - k * 1.428_606_8e-6
    var p = Float8(repeating: 1.0 / 5040)
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let kInt = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let bits = (kInt &+ 127) &<< 23
    return p * unsafeBitCast(bits, to: Float8.self)
}

/// tanh for 8 lanes as 1 − 2/(e^{2x} + 1), exact in the limits (±1) and odd-symmetric.
@inline(__always)
public func fastTanh(_ x: Float8) -> Float8 {
    return 1 - 2 / (fastExp(2 * x) + 1)
}

/// Scalar forms for loop tails, so a row's last elements round like its first.
@inline(__always) public func fastExp(_ x: Float) -> Float { fastExp(Float8(repeating: x))[0] }
@inline(__always) public func fastTanh(_ x: Float) -> Float { fastTanh(Float8(repeating: x))[0] }

/// row[j] ← exp(row[j] − shift) for j < n; returns Σ row[j] (accumulated in 8 lanes).
@inline(__always)
public func expShiftedSum(_ row: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
    var acc = Float8(repeating: 0)
    var j = 0
    let s = Float8(repeating: shift)
    let raw = UnsafeMutableRawPointer(row)
    while j + 8 <= n {
        let e = fastExp(raw.loadUnaligned(fromByteOffset: j * 4, as: Float8.self) - s)
        raw.storeBytes(of: e, toByteOffset: j * 4, as: Float8.self)
        acc += e
        j += 8
    }
    var sum = acc.sum()
    while j < n { let e = fastExp(row[j] - shift); row[j] = e; sum += e; j += 1 }
    return sum
}

/// Max of row[0..<n] (n ≥ 1).
///
/// The lanes are compared with `replace(with:where:)`, which compiles to vmaxps-like blends:
/// the standard library's generic `pointwiseMax` stayed an unspecialised call per 8 floats
/// (1.5% of a batch-16 decoding step in a profile).
@inline(__always)
public func rowMax(_ row: UnsafePointer<Float>, _ n: Int) -> Float {
    var m = -Float.infinity
    var j = 0
    if n >= 8 {
        var acc = Float8(repeating: -.infinity)
        let raw = UnsafeRawPointer(row)
        while j + 8 <= n {
            let x = raw.loadUnaligned(fromByteOffset: j * 4, as: Float8.self)
            acc.replace(with: x, where: x .> acc)
            j += 8
        }
        m = acc.max()
    }
    while j < n { m = max(m, row[j]); j += 1 }
    return m
}
