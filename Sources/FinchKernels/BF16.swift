/// BF16 (bfloat16): the top 16 bits of an FP32 number, so the same exponent range with 8
/// significant bits (relative rounding error ≤ 2⁻⁸). Decoding keeps an opt-in copy of the
/// weights and the KV cache in it (`BF16Panels.swift`, `BF16CachedAttention.swift`): half the
/// bytes to stream, widened back to FP32 by a 16-bit shift in registers.

/// x rounded to the nearest BF16, ties to even, as its 16 bits (NaN stays a quiet NaN).
@inline(__always)
public func bf16Bits(_ x: Float) -> UInt32 {
    let b = x.bitPattern
    if x.isNaN { return (b >> 16) | 0x40 }
    return (b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16
}

/// The Float whose top 16 bits are `bits` (exact: every BF16 is a Float).
@inline(__always)
public func bf16Value(_ bits: UInt32) -> Float { Float(bitPattern: bits << 16) }

/// dst[count] = bf16(src[count]), rounded to nearest even.
@inline(__always)
public func roundToBF16(_ dst: UnsafeMutablePointer<UInt16>, _ src: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { dst[i] = UInt16(truncatingIfNeeded: bf16Bits(src[i])) }
}
