import FinchKernels
import FinchModel

/// AdamW over a model's flat parameter buffer, with moments in the same layout so one
/// offset addresses a parameter, its gradient and its two moments.
public final class AdamW {
    public let model: Transformer
    public var config: AdamWConfig
    public let m: FlatBuffer
    public let v: FlatBuffer
    /// Updates taken so far (the bias-correction step count).
    public var step = 0

    public init(model: Transformer, config: AdamWConfig) {
        self.model = model
        self.config = config
        m = FlatBuffer(count: model.parameterCount)
        v = FlatBuffer(count: model.parameterCount)
    }

    /// One update with the gradients in `model.grads`; decay only on tensors marked for it.
    public func update(lr: Float) {
        step += 1
        let p = model.params.pointer, g = model.grads.pointer
        for view in model.layout.views {
            let o = view.offset
            adamwStep(params: p + o, grads: g + o, m: m.pointer + o, v: v.pointer + o, N: view.count,
                      step: step, lr: lr, config: config, decay: view.decay)
        }
    }
}
