/// One named tensor inside a flat buffer.
public struct TensorView: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    /// Whether AdamW applies weight decay (matrices yes; biases, norms and embeddings no,
    /// the convention of GPT-2/nanoGPT and most post-training recipes).
    public let decay: Bool
    public var count: Int { shape.reduce(1, *) }
}

/// Where every parameter of a model lives in its one flat buffer, with Hugging Face names.
///
/// Tensors that are used together are placed back to back so that one matmul covers them:
/// Llama's q/k/v projections (and their biases) form one [(nh + 2·nkv)·hd, C] matrix, and
/// gate/up one [2·I, C] matrix. GPT-2 fuses these in its own `c_attn` already.
public struct ParameterLayout: Sendable {
    public let views: [TensorView]
    public let count: Int
    private let index: [String: Int]

    public init(config c: ModelConfig) {
        var views: [TensorView] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int], decay: Bool = false) {
            views.append(TensorView(name: name, shape: shape, offset: offset, decay: decay))
            offset += shape.reduce(1, *)
        }
        let C = c.hiddenSize, I = c.intermediateSize, qkv = (c.numHeads + 2 * c.numKVHeads) * c.headDim
        if c.isGPT2 {
            add("wte.weight", [c.vocabSize, C])
            add("wpe.weight", [c.maxPositions, C])
            for l in 0..<c.numLayers {
                let p = "h.\(l)."
                add(p + "ln_1.weight", [C]); add(p + "ln_1.bias", [C])
                add(p + "attn.c_attn.weight", [C, qkv], decay: true); add(p + "attn.c_attn.bias", [qkv])
                add(p + "attn.c_proj.weight", [C, C], decay: true); add(p + "attn.c_proj.bias", [C])
                add(p + "ln_2.weight", [C]); add(p + "ln_2.bias", [C])
                add(p + "mlp.c_fc.weight", [C, I], decay: true); add(p + "mlp.c_fc.bias", [I])
                add(p + "mlp.c_proj.weight", [I, C], decay: true); add(p + "mlp.c_proj.bias", [C])
            }
            add("ln_f.weight", [C]); add("ln_f.bias", [C])
        } else {
            let q = c.numHeads * c.headDim, kv = c.kvDim
            add("model.embed_tokens.weight", [c.vocabSize, C])
            for l in 0..<c.numLayers {
                let p = "model.layers.\(l)."
                add(p + "input_layernorm.weight", [C])
                add(p + "self_attn.q_proj.weight", [q, C], decay: true)
                add(p + "self_attn.k_proj.weight", [kv, C], decay: true)
                add(p + "self_attn.v_proj.weight", [kv, C], decay: true)
                if c.attentionBias {
                    add(p + "self_attn.q_proj.bias", [q]); add(p + "self_attn.k_proj.bias", [kv])
                    add(p + "self_attn.v_proj.bias", [kv])
                }
                add(p + "self_attn.o_proj.weight", [C, q], decay: true)
                add(p + "post_attention_layernorm.weight", [C])
                add(p + "mlp.gate_proj.weight", [I, C], decay: true)
                add(p + "mlp.up_proj.weight", [I, C], decay: true)
                add(p + "mlp.down_proj.weight", [C, I], decay: true)
            }
            add("model.norm.weight", [C])
            if !c.tieWordEmbeddings { add("lm_head.weight", [c.vocabSize, C], decay: true) }
        }
        self.views = views
        self.count = offset
        self.index = Dictionary(uniqueKeysWithValues: views.enumerated().map { ($1.name, $0) })
    }

    public subscript(name: String) -> TensorView? { index[name].map { views[$0] } }

    /// Offset of a tensor that the layout is known to contain.
    public func offset(_ name: String) -> Int {
        guard let v = self[name] else { preconditionFailure("no parameter named \(name)") }
        return v.offset
    }
}
