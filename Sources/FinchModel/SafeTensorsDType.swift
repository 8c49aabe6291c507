/// The element types a safetensors header may name, spelled as the format spells them.
///
/// The reader must know every type's size, even ones it cannot turn into `Float`,
/// so it can check each tensor's byte count and list files written by other tools.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case u8 = "U8", i8 = "I8", f8E5M2 = "F8_E5M2", f8E4M3 = "F8_E4M3"
    case u16 = "U16", i16 = "I16", f16 = "F16", bf16 = "BF16"
    case u32 = "U32", i32 = "I32", f32 = "F32"
    case u64 = "U64", i64 = "I64", f64 = "F64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3: return 1
        case .u16, .i16, .f16, .bf16: return 2
        case .u32, .i32, .f32: return 4
        case .u64, .i64, .f64: return 8
        }
    }

    /// Whether `SafeTensorsFile` can hand this type out as `Float`: the training
    /// types only, because widening integers or narrowing F64 would hide a mistake.
    public var isReadableAsFloat: Bool { self == .f32 || self == .f16 || self == .bf16 }
}

/// Bit-level conversions between `Float` and the two 16-bit float formats.
///
/// Written out by hand rather than through `Float16` because that type is missing
/// on some platforms (macOS on Intel) and the formats are simple enough to decode.
enum HalfFloatBits {
    /// BF16 is the top half of an IEEE single, so widening is a shift.
    @inline(__always)
    static func float(fromBF16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Narrows to BF16 rounding to nearest, ties to even, as PyTorch does, so a
    /// checkpoint written here matches one `torch` would write from the same values.
    @inline(__always)
    static func bf16(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: (bits >> 16) | 0x40) }  // keep it a quiet NaN
        let roundingBias = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }

    /// IEEE half: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
    @inline(__always)
    static func float(fromF16 bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exactly representable as a Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            // Infinity or NaN; the NaN payload moves to the top of the wider mantissa.
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 127 - 15) << 23) | (mantissa << 13))
        }
    }
}
