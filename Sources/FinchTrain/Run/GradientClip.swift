import FinchKernels
import FinchModel

/// Clips the gradients of several buffers (a policy and its head) as one vector: their joint
/// L2 norm is scaled down to `maxNorm` (0: no clipping). Returns the norm before clipping.
public func clipGradNorm(_ buffers: [FlatBuffer], maxNorm: Float) -> Float {
    let norms = buffers.map { globalNorm($0.pointer, N: $0.count) }
    let norm = norms.reduce(0) { $0 + $1 * $1 }.squareRoot()
    if maxNorm > 0 && norm > maxNorm {
        let s = maxNorm / (norm + 1e-6)
        for buffer in buffers {
            for i in 0..<buffer.count { buffer[i] *= s }
        }
    }
    return norm
}
