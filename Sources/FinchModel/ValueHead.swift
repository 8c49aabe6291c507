import FinchKernels

/// A scalar value estimate per position, read off the policy's final hidden state:
/// v[n] = w · h[n] + b, with h the output of the final norm (what the LM head reads).
///
/// PPO (Ziegler et al. 2019; TRL's `AutoModelForCausalLMWithValueHead`) shares the trunk
/// between policy and value: the value loss's gradient flows into the transformer through
/// `TrainingPass.backward(dvalues:)`. The head is one tiny allocation of its own, so the
/// policy's parameter buffer — and what rollout workers receive — stays exactly the
/// Hugging Face model.
public final class ValueHead {
    /// Hidden size C.
    public let width: Int
    /// [C + 1]: the weight row [C], then the bias.
    public let params: FlatBuffer
    /// [C + 1], same layout; accumulated by `TrainingPass.backward`.
    public let grads: FlatBuffer

    /// Starts at zero, so the first value estimates are 0 and the head learns its scale from
    /// the returns instead of starting from noise.
    public init(width: Int) {
        self.width = width
        params = FlatBuffer(count: width + 1)
        grads = FlatBuffer(count: width + 1)
    }

    /// Tensor names as TRL saves them (`v_head.summary.*`).
    public static let weightName = "v_head.summary.weight"
    public static let biasName = "v_head.summary.bias"

    /// The head's tensors in `buffer` (its parameters or an optimizer moment), named `prefix + TRL name`.
    public func namedTensors(_ buffer: FlatBuffer, prefix: String = "") -> [SafeTensorsWriter.Tensor] {
        [SafeTensorsWriter.Tensor(name: prefix + Self.weightName, shape: [1, width],
                                  data: UnsafeBufferPointer(start: buffer.pointer, count: width)),
         SafeTensorsWriter.Tensor(name: prefix + Self.biasName, shape: [1],
                                  data: UnsafeBufferPointer(start: buffer.pointer + width, count: 1))]
    }

    /// Fills `buffer` from the tensors `namedTensors` wrote; errors name the file and tensor.
    public func load(_ buffer: FlatBuffer, from file: any TensorSource, prefix: String = "") throws {
        try file.copyFloats(prefix + Self.weightName, into: UnsafeMutableBufferPointer(start: buffer.pointer, count: width))
        try file.copyFloats(prefix + Self.biasName, into: UnsafeMutableBufferPointer(start: buffer.pointer + width, count: 1))
    }

    /// values[n] = w · hidden[n] + b.  hidden: [N, C] → values: [N]
    func forward(values: UnsafeMutablePointer<Float>, hidden: UnsafePointer<Float>, N: Int) {
        let w = params.pointer, C = width
        for n in 0..<N {
            var s = params[C]
            let h = hidden + n * C
            for c in 0..<C { s += w[c] * h[c] }
            values[n] = s
        }
    }

    /// Accumulates dw, db and dhidden[n] += dvalues[n]·w.  dhidden, hidden: [N, C]; dvalues: [N]
    func backward(dhidden: UnsafeMutablePointer<Float>, dvalues: UnsafePointer<Float>,
                  hidden: UnsafePointer<Float>, N: Int) {
        let w = params.pointer, g = grads.pointer, C = width
        for n in 0..<N where dvalues[n] != 0 {
            let dv = dvalues[n], h = hidden + n * C, dh = dhidden + n * C
            for c in 0..<C {
                g[c] += dv * h[c]
                dh[c] += dv * w[c]
            }
            g[C] += dv
        }
    }
}
