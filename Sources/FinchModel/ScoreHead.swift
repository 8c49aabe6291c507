import FinchKernels

/// A reward model's head: one score per sequence, r = w · h[last], read off the final hidden
/// state at the sequence's last real (non-pad) token.
///
/// Named and shaped as Hugging Face's `…ForSequenceClassification` with `num_labels: 1`
/// names it (`score.weight` [1, C], no bias), and read at the position transformers reads
/// (the last token that is not `pad_token_id`), so a reward model Finch trains loads in
/// `transformers` and scores the same, and one trained there loads here.
public final class ScoreHead {
    /// Hidden size C.
    public let width: Int
    /// [C]: the weight row.
    public let params: FlatBuffer
    /// [C], accumulated by `backward`.
    public let grads: FlatBuffer

    public static let weightName = "score.weight"

    /// Weights drawn from N(0, 0.02²) with `seed` (transformers' `initializer_range`), so
    /// the trunk gets a gradient from the first step on.
    public init(width: Int, seed: UInt64) {
        self.width = width
        params = FlatBuffer(count: width)
        grads = FlatBuffer(count: width)
        var rng = RNG(seed: seed)
        for c in 0..<width { params[c] = 0.02 * rng.normal() }
    }

    /// The head's tensor in `buffer` (its parameters or an optimizer moment), named `prefix + score.weight`.
    public func namedTensors(_ buffer: FlatBuffer, prefix: String = "") -> [SafeTensorsWriter.Tensor] {
        [SafeTensorsWriter.Tensor(name: prefix + Self.weightName, shape: [1, width],
                                  data: UnsafeBufferPointer(start: buffer.pointer, count: width))]
    }

    /// Fills `buffer` from the tensor `namedTensors` wrote; errors name the file and tensor.
    public func load(_ buffer: FlatBuffer, from file: any TensorSource, prefix: String = "") throws {
        let name = prefix + Self.weightName
        guard let t = file.tensor(named: name) else {
            throw SafeTensorsError(file: file.path(holding: name), reason: "missing tensor '\(name)' (a reward model's score head)")
        }
        guard t.shape == [1, width] else {
            throw SafeTensorsError(file: file.path(holding: name), reason: "tensor '\(name)' has shape \(t.shape), expected [1, \(width)] (num_labels must be 1)")
        }
        try file.copyFloats(name, into: UnsafeMutableBufferPointer(start: buffer.pointer, count: width))
    }

    /// scores[b] = w · hidden[b, lengths[b] − 1].  hidden: [B, T, C]; lengths: [B], each in 1...T
    public func forward(hidden: [Float], lengths: [Int], seqLen T: Int) -> [Float] {
        let C = width, w = params.pointer
        return lengths.enumerated().map { b, n in
            precondition(n >= 1 && n <= T, "ScoreHead: row \(b) has length \(n), outside 1...\(T)")
            let row = (b * T + n - 1) * C
            var s: Float = 0
            for c in 0..<C { s += w[c] * hidden[row + c] }
            return s
        }
    }

    /// Accumulates dw += dscores[b]·h[b, last] and returns dhidden [B, T, C], which is
    /// dscores[b]·w at each row's last token and 0 elsewhere.
    public func backward(dscores: [Float], hidden: [Float], lengths: [Int], seqLen T: Int) -> [Float] {
        let C = width, w = params.pointer, g = grads.pointer
        var dhidden = [Float](repeating: 0, count: lengths.count * T * C)
        for (b, n) in lengths.enumerated() where dscores[b] != 0 {
            let row = (b * T + n - 1) * C, ds = dscores[b]
            for c in 0..<C {
                g[c] += ds * hidden[row + c]
                dhidden[row + c] = ds * w[c]
            }
        }
        return dhidden
    }
}
