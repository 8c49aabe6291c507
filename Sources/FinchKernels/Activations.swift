import Foundation

/// GELU, tanh form (GPT-2's `gelu_new`): out = ½x(1 + tanh(√(2/π)(x + 0.044715x³))).  inp/out: [N]
public func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int) {
    let k: Float = (2 / Float.pi).squareRoot()
    parallelFor(N, minPerThread: 1 << 14) { i in
        let x = inp[i]
        out[i] = 0.5 * x * (1 + tanhf(k * (x + 0.044715 * x * x * x)))
    }
}

/// dinp[N] += dout · GELU'(inp)
public func geluBackward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                         dout: UnsafePointer<Float>, N: Int) {
    let k: Float = (2 / Float.pi).squareRoot()
    parallelFor(N, minPerThread: 1 << 14) { i in
        let x = inp[i]
        let u = k * (x + 0.044715 * x * x * x)
        let t = tanhf(u)
        let sech2 = 1 - t * t
        let g = 0.5 * (1 + t) + 0.5 * x * sech2 * k * (1 + 3 * 0.044715 * x * x)
        dinp[i] += g * dout[i]
    }
}

/// SwiGLU (Llama's MLP gate): out[N, H] = silu(gate) · up, where inp[N, 2H] holds the gate
/// in its first H columns and up in the last H (gate_proj and up_proj stored back to back,
/// so one matmul produces both).
public func swigluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int, H: Int) {
    parallelFor(N, minPerThread: 8) { n in
        let g = inp + n * 2 * H, u = g + H, o = out + n * H
        for h in 0..<H {
            let x = g[h]
            o[h] = x / (1 + expf(-x)) * u[h]
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
            let sig = 1 / (1 + expf(-x))
            let silu = x * sig
            du[h] += silu * d[h]
            dg[h] += u[h] * d[h] * sig * (1 + x * (1 - sig))
        }
    }
}
