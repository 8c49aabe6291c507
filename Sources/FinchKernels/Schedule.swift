import Foundation

/// Learning rate: linear warm-up from 0 to `maxLR` over `warmupSteps`, then cosine decay to
/// `minLR` at `totalSteps` (and flat after). Step is 0-based: the lr used for update `step + 1`.
public struct LRSchedule: Codable, Equatable, Sendable {
    public var maxLR: Float
    public var minLR: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(maxLR: Float, minLR: Float, warmupSteps: Int, totalSteps: Int) {
        self.maxLR = maxLR; self.minLR = minLR; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps
    }

    public func lr(at step: Int) -> Float {
        if step < warmupSteps { return maxLR * Float(step + 1) / Float(warmupSteps) }
        let span = max(1, totalSteps - warmupSteps)
        let progress = min(1, Float(step - warmupSteps) / Float(span))
        return minLR + 0.5 * (maxLR - minLR) * (1 + cos(Float.pi * progress))
    }
}

/// Global L2 norm of a gradient buffer, summed in Double so it does not depend on thread count.
public func globalNorm(_ x: UnsafePointer<Float>, N: Int) -> Float {
    var s = 0.0
    for i in 0..<N { s += Double(x[i]) * Double(x[i]) }
    return Float(s.squareRoot())
}

/// Scales gradients so their global norm is at most `maxNorm`; returns the norm before clipping.
/// maxNorm ≤ 0 disables clipping (the norm is still returned, for logging).
@discardableResult
public func clipGradNorm(_ x: UnsafeMutablePointer<Float>, N: Int, maxNorm: Float) -> Float {
    let norm = globalNorm(x, N: N)
    if maxNorm > 0 && norm > maxNorm {
        let s = maxNorm / (norm + 1e-6)
        for i in 0..<N { x[i] *= s }
    }
    return norm
}
