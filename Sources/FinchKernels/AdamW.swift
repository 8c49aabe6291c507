import CFinchAVX512
import Foundation

/// AdamW hyper-parameters (Loshchilov & Hutter): weight decay is decoupled from the
/// gradient, applied as p ← p − lr·wd·p, as in PyTorch's `torch.optim.AdamW`.
public struct AdamWConfig: Codable, Equatable, Sendable {
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    public var weightDecay: Float
    public init(beta1: Float = 0.9, beta2: Float = 0.95, eps: Float = 1e-8, weightDecay: Float = 0) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
    }
}

/// One AdamW update over a flat range of parameters.
/// params, grads, m (first moment), v (second moment): [N]; step is 1-based (bias correction).
/// `decay` is false for biases, norms and embeddings-by-choice, which conventionally skip weight decay.
public func adamwStep(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>,
                      m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, N: Int,
                      step: Int, lr: Float, config c: AdamWConfig, decay: Bool) {
    let bc1 = 1 - pow(c.beta1, Float(step))
    let bc2 = 1 - pow(c.beta2, Float(step))
    let wd = decay ? lr * c.weightDecay : 0
    let stepSize = lr / bc1
    let b1 = c.beta1, b2 = c.beta2, eps = c.eps
    @inline(__always) func update(_ i: Int) {
        let g = grads[i]
        let mi = b1 * m[i] + (1 - b1) * g
        let vi = b2 * v[i] + (1 - b2) * g * g
        m[i] = mi
        v[i] = vi
        params[i] -= stepSize * mi / ((vi / bc2).squareRoot() + eps) + wd * params[i]
    }
    // The same arithmetic 8 lanes at a time (16 on AVX-512 CPUs, to the same bits): the
    // update is memory-bound only once vectorised.
    parallelChunks(N, minPerThread: 1 << 15) { lo, hi in
        #if arch(x86_64)
        if KernelISA.current == .avx512 {
            return finch_avx512_adamw(params + lo, grads + lo, m + lo, v + lo, hi - lo, b1, b2, eps, stepSize, bc2, wd)
        }
        #endif
        var i = lo
        let P = UnsafeMutableRawPointer(params), G = UnsafeRawPointer(grads)
        let M = UnsafeMutableRawPointer(m), V = UnsafeMutableRawPointer(v)
        while i + 8 <= hi {
            let o = i * 4
            let g = G.loadUnaligned(fromByteOffset: o, as: Float8.self)
            let mi = b1 * M.loadUnaligned(fromByteOffset: o, as: Float8.self) + (1 - b1) * g
            let vi = b2 * V.loadUnaligned(fromByteOffset: o, as: Float8.self) + (1 - b2) * g * g
            M.storeBytes(of: mi, toByteOffset: o, as: Float8.self)
            V.storeBytes(of: vi, toByteOffset: o, as: Float8.self)
            let p = P.loadUnaligned(fromByteOffset: o, as: Float8.self)
            let denom = (vi / bc2).squareRoot() + eps
            P.storeBytes(of: p - (stepSize * mi / denom + wd * p), toByteOffset: o, as: Float8.self)
            i += 8
        }
        while i < hi { update(i); i += 1 }
    }
}
