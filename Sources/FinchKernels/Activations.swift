import CFinchAVX512
import Foundation

/// GELU, tanh form (GPT-2's `gelu_new`): out = ½x(1 + tanh(√(2/π)(x + 0.044715x³))).  inp/out: [N]
/// On AVX-512 CPUs the same arithmetic runs 16 lanes at a time (`CFinchAVX512`), to the same bits.
public func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int) {
    parallelChunks(N, minPerThread: 1 << 14) { lo, hi in
        #if arch(x86_64)
        if KernelISA.current == .avx512 { return finch_avx512_gelu_forward(out + lo, inp + lo, hi - lo) }
        #endif
        var i = lo
        let src = UnsafeRawPointer(inp), dst = UnsafeMutableRawPointer(out)
        while i + 8 <= hi {
            let x = src.loadUnaligned(fromByteOffset: i * 4, as: Float8.self)
            dst.storeBytes(of: geluValue(x), toByteOffset: i * 4, as: Float8.self)
            i += 8
        }
        while i < hi { out[i] = geluValue(Float8(repeating: inp[i]))[0]; i += 1 }
    }
}

/// dinp[N] += dout · GELU'(inp)
public func geluBackward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                         dout: UnsafePointer<Float>, N: Int) {
    parallelChunks(N, minPerThread: 1 << 14) { lo, hi in
        #if arch(x86_64)
        if KernelISA.current == .avx512 { return finch_avx512_gelu_backward(dinp + lo, inp + lo, dout + lo, hi - lo) }
        #endif
        var i = lo
        let src = UnsafeRawPointer(inp), d = UnsafeRawPointer(dout), dst = UnsafeMutableRawPointer(dinp)
        while i + 8 <= hi {
            let x = src.loadUnaligned(fromByteOffset: i * 4, as: Float8.self)
            let g = d.loadUnaligned(fromByteOffset: i * 4, as: Float8.self)
            let acc = dst.loadUnaligned(fromByteOffset: i * 4, as: Float8.self)
            dst.storeBytes(of: acc + geluDerivative(x) * g, toByteOffset: i * 4, as: Float8.self)
            i += 8
        }
        while i < hi { dinp[i] += geluDerivative(Float8(repeating: inp[i]))[0] * dout[i]; i += 1 }
    }
}

private let geluK: Float = 0.797_884_56  // √(2/π)

/// ½(1 + tanh u) = σ(2u): computing GELU through the sigmoid avoids the cancellation of
/// 1 + tanh u for negative inputs, where tanh u ≈ −1.
@inline(__always) private func geluGate(_ x: Float8) -> Float8 {
    let x2: Float8 = x * x
    let u: Float8 = geluK * (x + 0.044715 * x2 * x)
    return 1 / (1 + fastExp(-2 * u))
}

@inline(__always) private func geluValue(_ x: Float8) -> Float8 { x * geluGate(x) }

@inline(__always) private func geluDerivative(_ x: Float8) -> Float8 {
    let s = geluGate(x)
    let x2: Float8 = x * x
    let du: Float8 = geluK * (1 + 3 * 0.044715 * x2)
    return s + 2 * x * s * (1 - s) * du
}

/// SwiGLU (Llama's MLP gate): out[N, H] = silu(gate) · up, where inp[N, 2H] holds the gate
/// in its first H columns and up in the last H (gate_proj and up_proj stored back to back,
/// so one matmul produces both).
public func swigluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int, H: Int) {
    parallelFor(N, minPerThread: 8) { n in
        let g = inp + n * 2 * H, u = g + H, o = out + n * H
        for h in 0..<H {
            let x = g[h]
            o[h] = x / (1 + fastExp(-x)) * u[h]
        }
    }
}

/// dinp[N, 2H] += gradients of gate and up from dout[N, H].
public func swigluBackward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                           dout: UnsafePointer<Float>, N: Int, H: Int) {
    parallelFor(N, minPerThread: 8) { n in
        let g = inp + n * 2 * H, u = g + H, d = dout + n * H
        let dg = dinp + n * 2 * H, du = dg + H
        for h in 0..<H {
            let x = g[h]
            let sig = 1 / (1 + fastExp(-x))
            let silu = x * sig
            du[h] += silu * d[h]
            dg[h] += u[h] * d[h] * sig * (1 + x * (1 - sig))
        }
    }
}
