import Foundation

/// Rotary position embedding in Hugging Face's "rotate half" convention (Llama, Qwen2):
/// within each head, element i pairs with i + D/2 and the pair rotates by angle
/// pos · θ^(−2i/D). Finch follows HF's convention so safetensors from the Hub give the same logits.
public struct RopeTable: Sendable {
    public let headDim: Int
    public let maxPositions: Int
    /// cos and sin per (position, i < headDim/2): [maxPositions, headDim/2]
    public let cos: [Float]
    public let sin: [Float]

    public init(headDim: Int, maxPositions: Int, theta: Float) {
        self.headDim = headDim
        self.maxPositions = maxPositions
        let half = headDim / 2
        var c = [Float](repeating: 0, count: maxPositions * half)
        var s = c
        for p in 0..<maxPositions {
            for i in 0..<half {
                let freq = pow(Double(theta), -2 * Double(i) / Double(headDim))
                let a = Double(p) * freq
                c[p * half + i] = Float(Foundation.cos(a))
                s[p * half + i] = Float(Foundation.sin(a))
            }
        }
        cos = c
        sin = s
    }
}

/// Rotates `heads` heads of size D in place for each of N rows.
/// x: [N, rowStride], heads start at column 0 and are contiguous; positions: [N].
/// `inverse` rotates by −angle, which is the backward pass (rotation is orthogonal).
public func ropeApply(_ x: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, N: Int,
                      heads: Int, rowStride: Int, table: RopeTable, inverse: Bool = false) {
    let D = table.headDim, half = D / 2
    let sign: Float = inverse ? -1 : 1
    table.cos.withUnsafeBufferPointer { cosT in
        table.sin.withUnsafeBufferPointer { sinT in
            parallelFor(N, minPerThread: 16) { n in
                let p = Int(positions[n]) * half
                for h in 0..<heads {
                    let v = x + n * rowStride + h * D
                    for i in 0..<half {
                        let c = cosT[p + i], s = sign * sinT[p + i]
                        let a = v[i], b = v[i + half]
                        v[i] = a * c - b * s
                        v[i + half] = b * c + a * s
                    }
                }
            }
        }
    }
}
