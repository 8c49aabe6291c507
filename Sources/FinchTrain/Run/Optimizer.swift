import FinchKernels
import FinchModel

/// AdamW over a flat parameter buffer, with moments in the same layout so one offset
/// addresses a parameter, its gradient and its two moments.
public final class AdamW {
    /// A contiguous range of parameters and whether weight decay applies to it.
    public struct Group {
        public var offset: Int, count: Int, decay: Bool
    }

    public var config: AdamWConfig
    public let params: FlatBuffer
    public let grads: FlatBuffer
    public let groups: [Group]
    public let m: FlatBuffer
    public let v: FlatBuffer
    /// Updates taken so far (the bias-correction step count).
    public var step = 0

    public init(params: FlatBuffer, grads: FlatBuffer, groups: [Group], config: AdamWConfig) {
        precondition(params.count == grads.count, "AdamW: parameters and gradients differ in size")
        self.params = params
        self.grads = grads
        self.groups = groups
        self.config = config
        m = FlatBuffer(count: params.count)
        v = FlatBuffer(count: params.count)
    }

    /// What a transformer trains (its parameters, or its LoRA adapters), decayed on the tensors
    /// its layout marks for it.
    public convenience init(model: Transformer, config: AdamWConfig) {
        let trainable = model.trainable
        self.init(params: trainable.params, grads: trainable.grads,
                  groups: trainable.views.map { Group(offset: $0.offset, count: $0.count, decay: $0.decay) },
                  config: config)
    }

    /// A value head's parameters, never decayed (a single output row and its bias).
    public convenience init(valueHead: ValueHead, config: AdamWConfig) {
        self.init(undecayed: valueHead.params, grads: valueHead.grads, config: config)
    }

    /// A reward model's score row, never decayed.
    public convenience init(scoreHead: ScoreHead, config: AdamWConfig) {
        self.init(undecayed: scoreHead.params, grads: scoreHead.grads, config: config)
    }

    private convenience init(undecayed params: FlatBuffer, grads: FlatBuffer, config: AdamWConfig) {
        self.init(params: params, grads: grads, groups: [Group(offset: 0, count: params.count, decay: false)], config: config)
    }

    /// One update with the gradients in `grads`.
    public func update(lr: Float) {
        step += 1
        let p = params.pointer, g = grads.pointer
        for group in groups {
            let o = group.offset
            adamwStep(params: p + o, grads: g + o, m: m.pointer + o, v: v.pointer + o, N: group.count,
                      step: step, lr: lr, config: config, decay: group.decay)
        }
    }
}
