import FinchKernels

/// Everything a training forward pass at batch B and length T saves for its backward pass,
/// in one allocation with named views (N = B·T).
final class ActivationStore {
    let B: Int, T: Int
    private let buffer: FlatBuffer
    private let offsets: [String: Int]
    private let perLayer: Int
    /// [N], t within each row unless the caller gave positions (packed rows)
    var positions: [Int32]
    /// The LoRA dropout seed of the forward these activations are from (nil: no dropout).
    var dropoutSeed: UInt64?

    /// `reusing` a previous store's memory when it is large enough: RL micro-batches change shape
    /// every call, and fresh allocations cost page faults on every pass.
    /// `loraWidth`: floats per token a layer's adapters save (`LoRAAdapters.savedPerToken`; 0 without LoRA).
    init(dims d: ModelDims, B: Int, T: Int, loraWidth: Int = 0, reusing previous: ActivationStore? = nil) {
        self.B = B; self.T = T
        let N = B * T
        var o = 0
        var offsets: [String: Int] = [:]
        func take(_ name: String, _ n: Int) { offsets[name] = o; o += n }
        // per-layer slots, repeated L times
        take("ln1", N * d.C); take("ln1Mean", N); take("ln1Rstd", N); take("qkv", N * d.qkv)
        take("probs", B * d.nh * T * T); take("atty", N * d.attn); take("res2", N * d.C)
        take("ln2", N * d.C); take("ln2Mean", N); take("ln2Rstd", N); take("fc", N * d.fc); take("act", N * d.I)
        take("resid", N * d.C)
        take("lora", N * loraWidth)
        perLayer = o
        o = perLayer * d.L
        take("embedded", N * d.C)  // residual stream into layer 0
        take("lnf", N * d.C); take("lnfMean", N); take("lnfRstd", N)
        take("logits", N * d.V); take("logprobs", N); take("entropy", N); take("values", N)
        buffer = previous.flatMap { $0.buffer.count >= o ? $0.buffer : nil } ?? FlatBuffer(count: o)
        self.offsets = offsets
        positions = (0..<N).map { Int32($0 % T) }
    }

    func at(_ name: String, layer: Int = 0) -> UnsafeMutablePointer<Float> {
        buffer.pointer + offsets[name]! + layer * perLayer
    }

    func block(_ l: Int) -> BlockActivations {
        BlockActivations(ln1: at("ln1", layer: l), ln1Mean: at("ln1Mean", layer: l), ln1Rstd: at("ln1Rstd", layer: l),
                         qkv: at("qkv", layer: l), probs: at("probs", layer: l), atty: at("atty", layer: l),
                         res2: at("res2", layer: l), ln2: at("ln2", layer: l), ln2Mean: at("ln2Mean", layer: l),
                         ln2Rstd: at("ln2Rstd", layer: l), fc: at("fc", layer: l), act: at("act", layer: l),
                         lora: LoRAActivations(saved: at("lora", layer: l), dropoutSeed: dropoutSeed.map { $0 &+ UInt64(l) &* 0x9E37_79B9_7F4A_7C15 }))
    }

    /// Residual stream entering layer l (l = L is the output of the last block).
    func residual(_ l: Int) -> UnsafeMutablePointer<Float> { l == 0 ? at("embedded") : at("resid", layer: l - 1) }
}

/// Gradient scratch for one block at a time, reused across layers.
final class BackwardScratch {
    private let buffer: FlatBuffer
    /// Attention keeps one [T, T] slab per kernel thread, so the scratch is tied to the thread count.
    let threads = KernelThreads.count
    let dres, dln, dqkv, datty, dfc, dact, attention: UnsafeMutablePointer<Float>
    /// One adapter's d(u) [N, r] and, with dropout, d(its dropped input) [N, in] (empty without LoRA).
    let loraScratch: UnsafeMutablePointer<Float>

    init(dims d: ModelDims, B: Int, T: Int, loraScratch perToken: Int = 0, reusing previous: BackwardScratch? = nil) {
        let N = B * T
        let sizes = [N * d.C, N * d.C, N * d.qkv, N * d.attn, N * d.fc, N * d.I, KernelThreads.count * T * T, N * perToken]
        let total = sizes.reduce(0, +)
        buffer = previous.flatMap { $0.threads == KernelThreads.count && $0.buffer.count >= total ? $0.buffer : nil }
            ?? FlatBuffer(count: total)
        var ptrs: [UnsafeMutablePointer<Float>] = []
        var o = 0
        for s in sizes { ptrs.append(buffer.pointer + o); o += s }
        (dres, dln, dqkv, datty, dfc, dact, attention) = (ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5], ptrs[6])
        self.loraScratch = ptrs[7]
    }
}

/// The batched training pass: forward to per-token log-probabilities of the targets, and
/// backward from any gradient of those log-probabilities (and, for RL, of the entropy).
///
/// SFT's cross-entropy, DPO's and PPO/GRPO's policy losses are all functions of per-token
/// log-probs, so this one interface serves every algorithm. With a `ValueHead` it also
/// returns PPO's per-position value estimates from the same trunk.
public final class TrainingPass {
    public let model: Transformer
    public let valueHead: ValueHead?
    private var store: ActivationStore?
    private var scratch: BackwardScratch?
    private var tokens: [Int32] = []
    private var targets: [Int32] = []
    private var wantEntropy = false
    /// Whether the last forward ran the LM head (`forward`) or stopped at the trunk (`forwardHidden`).
    private var hasHead = false
    private var inverseTemperature: Float = 1
    /// Set for a training step to apply LoRA dropout (`model.lora.dropout`) with masks drawn
    /// from it; nil (the default, for evaluation and log-probs) computes without dropout.
    public var dropoutSeed: UInt64?
    /// Told during `backward` each time more of `model.grads` is final — every entry from the
    /// offset it is given to the end — so a step's last backward pass can all-reduce finished
    /// layers while it computes the rest (`OverlappedGradientSync`). The backward pass finishes
    /// the final norm, then the blocks from the last to the first, then the embeddings, and the
    /// layout stores them in the opposite order, so what is final is always a suffix. Not
    /// called for a LoRA model, whose base gets no gradients.
    public var gradientsFinal: ((_ from: Int) -> Void)?

    public init(model: Transformer, valueHead: ValueHead? = nil) {
        precondition(valueHead == nil || valueHead!.width == model.config.hiddenSize, "TrainingPass: value head width differs from the model's")
        self.model = model
        self.valueHead = valueHead
    }

    /// Runs the model on tokens[B, T] (right-padded) and returns log p(targets[b, t] | tokens[b, ≤t])
    /// for every position ([B·T]; 0 where the target is negative, i.e. padding), the entropy of
    /// each next-token distribution when asked, and the value head's estimates if it has one.
    ///
    /// `temperature` divides the logits first, so RL scores tokens under the same distribution
    /// the sampler drew them from (`sampleToken` with that temperature).
    ///
    /// `positions` [B·T] (default: t within each row) and `mask` let one row pack several
    /// answers behind their shared prompt (`SegmentMask`): each answer's tokens take the
    /// positions they would have after the prompt alone, and a row may be longer than the
    /// model's context as long as no position is.
    public func forward(tokens: [Int32], targets: [Int32], batch B: Int, seqLen T: Int,
                        entropy: Bool = false, temperature: Float = 1, positions: [Int32]? = nil,
                        mask: SegmentMask? = nil)
        -> (logprobs: [Float], entropy: [Float]?, values: [Float]?) {
        precondition(temperature > 0, "forward: temperature must be positive")
        precondition(tokens.count == B * T && targets.count == B * T, "forward: tokens and targets must be [B·T]")
        precondition(positions.map { $0.count == B * T } ?? true, "forward: positions must be [B·T]")
        let furthest = positions.map { Int($0.max() ?? 0) + 1 } ?? T
        precondition(furthest <= model.config.maxPositions, "forward: position \(furthest - 1) exceeds max positions \(model.config.maxPositions)")
        let s = runTrunk(tokens: tokens, batch: B, seqLen: T, positions: positions, mask: mask)
        self.targets = targets
        hasHead = true
        wantEntropy = entropy
        inverseTemperature = 1 / temperature
        let d = model.dims, N = B * T, p = model.params.pointer
        matmulForward(out: s.at("logits"), inp: s.at("lnf"), weight: p + model.lmHead, bias: nil, N: N, C: d.C, OC: d.V)
        if temperature != 1 { scale(s.at("logits"), N * d.V, by: inverseTemperature) }
        targets.withUnsafeBufferPointer { tgt in
            logSoftmaxForward(logits: s.at("logits"), targets: tgt.baseAddress!, logprobs: s.at("logprobs"),
                              entropy: entropy ? s.at("entropy") : nil, N: N, V: d.V)
        }
        let lp = Array(UnsafeBufferPointer(start: s.at("logprobs"), count: N))
        var values: [Float]?
        if let valueHead {
            valueHead.forward(values: s.at("values"), hidden: s.at("lnf"), N: N)
            values = Array(UnsafeBufferPointer(start: s.at("values"), count: N))
        }
        return (lp, entropy ? Array(UnsafeBufferPointer(start: s.at("entropy"), count: N)) : nil, values)
    }

    /// Accumulates into `model.grads` the gradient of a loss whose derivative with respect to
    /// each position's log-prob is `dlogprobs` [B·T] (and to its entropy, `dentropy`, and its
    /// value estimate, `dvalues`, whose head gradients go to `valueHead.grads`).
    /// Must follow `forward`; it consumes the saved probabilities.
    public func backward(dlogprobs: [Float], dentropy: [Float]? = nil, dvalues: [Float]? = nil) {
        guard let s = store, let sc = scratch, hasHead else { preconditionFailure("backward must follow forward") }
        precondition(dentropy == nil || wantEntropy, "backward: entropy gradient needs forward(entropy: true)")
        precondition(dvalues == nil || valueHead != nil, "backward: value gradient without a value head")
        let d = model.dims, B = s.B, T = s.T, N = B * T, p = model.params.pointer
        targets.withUnsafeBufferPointer { tgt in
            dlogprobs.withUnsafeBufferPointer { dl in
                if let dentropy {
                    dentropy.withUnsafeBufferPointer { de in
                        logSoftmaxBackward(probs: s.at("logits"), targets: tgt.baseAddress!, dlogprobs: dl.baseAddress!,
                                           dentropy: de.baseAddress!, entropy: s.at("entropy"), N: N, V: d.V)
                    }
                } else {
                    logSoftmaxBackward(probs: s.at("logits"), targets: tgt.baseAddress!, dlogprobs: dl.baseAddress!,
                                       dentropy: nil, entropy: nil, N: N, V: d.V)
                }
            }
        }
        let dlogits = s.at("logits")
        if inverseTemperature != 1 { scale(dlogits, N * d.V, by: inverseTemperature) }
        parallelZero(sc.dln, N * d.C)
        matmulBackward(dinp: sc.dln, dweight: model.baseGradients.map { $0 + model.lmHead }, dbias: nil, dout: dlogits, inp: s.at("lnf"),
                       weight: p + model.lmHead, N: N, C: d.C, OC: d.V)
        if let valueHead, let dvalues {
            dvalues.withUnsafeBufferPointer { dv in
                valueHead.backward(dhidden: sc.dln, dvalues: dv.baseAddress!, hidden: s.at("lnf"), N: N)
            }
        }
        backwardTrunk(s, sc)
    }

    /// The trunk on tokens[B, T]: embeddings, the blocks and the final norm, whose output
    /// [B·T, C] is what the LM head (and a value or score head) reads. Saves what backward needs.
    private func runTrunk(tokens: [Int32], batch B: Int, seqLen T: Int, positions: [Int32]?,
                          mask: SegmentMask?) -> ActivationStore {
        let d = model.dims, N = B * T, p = model.params.pointer
        if store?.B != B || store?.T != T || scratch?.threads != KernelThreads.count {
            let lora = model.lora
            store = ActivationStore(dims: d, B: B, T: T, loraWidth: lora?.savedPerToken ?? 0, reusing: store)
            scratch = BackwardScratch(dims: d, B: B, T: T, loraScratch: lora?.scratchPerToken ?? 0, reusing: scratch)
        }
        let s = store!
        s.positions = positions ?? (0..<N).map { Int32($0 % T) }
        s.dropoutSeed = model.lora?.config.dropout ?? 0 > 0 ? dropoutSeed : nil
        self.tokens = tokens
        s.positions.withUnsafeBufferPointer { pos in
            tokens.withUnsafeBufferPointer { tok in
                embeddingForward(out: s.residual(0), tokens: tok.baseAddress!, positions: pos.baseAddress!,
                                 wte: p + model.wte, wpe: model.wpe.map { UnsafePointer(p + $0) }, N: N, C: d.C)
            }
            for l in 0..<d.L {
                model.blockForward(model.layers[l], inp: s.residual(l), out: s.residual(l + 1), a: s.block(l),
                                   positions: pos.baseAddress!, kv: .fused(batch: B, seqLen: T, mask: mask), N: N)
            }
        }
        model.norm(out: s.at("lnf"), mean: s.at("lnfMean"), rstd: s.at("lnfRstd"), inp: s.residual(d.L),
                   w: model.lnfW, b: model.lnfB, N: N)
        return s
    }

    /// Runs the trunk only and returns the final norm's output, hidden[B·T, C]: what a
    /// sequence-classification head reads (a reward model's `score`). No LM head is computed.
    public func forwardHidden(tokens: [Int32], batch B: Int, seqLen T: Int) -> [Float] {
        precondition(tokens.count == B * T, "forwardHidden: tokens must be [B·T]")
        precondition(T <= model.config.maxPositions, "forwardHidden: length \(T) exceeds max positions \(model.config.maxPositions)")
        let s = runTrunk(tokens: tokens, batch: B, seqLen: T, positions: nil, mask: nil)
        hasHead = false
        return Array(UnsafeBufferPointer(start: s.at("lnf"), count: B * T * model.dims.C))
    }

    /// Accumulates into `model.grads` the gradient of a loss whose derivative with respect to
    /// the hidden states `forwardHidden` returned is `dhidden` [B·T, C].
    public func backwardHidden(dhidden: [Float]) {
        guard let s = store, let sc = scratch, !hasHead else { preconditionFailure("backwardHidden must follow forwardHidden") }
        precondition(dhidden.count == s.B * s.T * model.dims.C, "backwardHidden: dhidden must be [B·T, C]")
        dhidden.withUnsafeBufferPointer { sc.dln.update(from: $0.baseAddress!, count: $0.count) }
        backwardTrunk(s, sc)
    }

    /// From d loss / d hidden in `sc.dln` back through the final norm, the blocks and the embeddings.
    private func backwardTrunk(_ s: ActivationStore, _ sc: BackwardScratch) {
        let d = model.dims, B = s.B, T = s.T, N = B * T
        parallelZero(sc.dres, N * d.C)
        model.normBackward(dinp: sc.dres, dout: sc.dln, inp: s.residual(d.L), mean: s.at("lnfMean"),
                           rstd: s.at("lnfRstd"), w: model.lnfW, b: model.lnfB, N: N)
        let final = model.baseGradients == nil ? nil : gradientsFinal
        final?(model.lnfW)  // the final norm, and an untied LM head stored after it
        s.positions.withUnsafeBufferPointer { pos in
            for l in stride(from: d.L - 1, through: 0, by: -1) {
                model.blockBackward(model.layers[l], inp: s.residual(l), a: s.block(l), positions: pos.baseAddress!,
                                    B: B, T: T, dres: sc.dres, s: sc)
                final?(model.layers[l].ln1W)
            }
            guard let g = model.baseGradients else { return }  // LoRA: the embeddings stay frozen
            tokens.withUnsafeBufferPointer { tok in
                embeddingBackward(dwte: g + model.wte, dwpe: model.wpe.map { g + $0 }, dout: sc.dres,
                                  tokens: tok.baseAddress!, positions: pos.baseAddress!, N: N, C: d.C)
            }
            final?(0)
        }
    }
}

/// x[0..<n] *= factor, split over the kernel threads.
private func scale(_ x: UnsafeMutablePointer<Float>, _ n: Int, by factor: Float) {
    parallelChunks(n, minPerThread: 1 << 16) { lo, hi in
        for i in lo..<hi { x[i] *= factor }
    }
}
