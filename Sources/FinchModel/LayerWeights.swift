import FinchKernels

/// Offsets of one block's tensors inside the flat buffer. The same offsets address the
/// parameters, their gradients and both AdamW moments, which share the layout.
struct LayerWeights {
    let index: Int
    var ln1W = 0, ln1B: Int? = nil
    var qkvW = 0, qkvB: Int? = nil
    var projW = 0, projB: Int? = nil
    var ln2W = 0, ln2B: Int? = nil
    var fcW = 0, fcB: Int? = nil
    var fcProjW = 0, fcProjB: Int? = nil

    init(layer l: Int, layout: ParameterLayout, config c: ModelConfig) {
        index = l
        if c.isGPT2 {
            let p = "h.\(l)."
            ln1W = layout.offset(p + "ln_1.weight"); ln1B = layout.offset(p + "ln_1.bias")
            qkvW = layout.offset(p + "attn.c_attn.weight"); qkvB = layout.offset(p + "attn.c_attn.bias")
            projW = layout.offset(p + "attn.c_proj.weight"); projB = layout.offset(p + "attn.c_proj.bias")
            ln2W = layout.offset(p + "ln_2.weight"); ln2B = layout.offset(p + "ln_2.bias")
            fcW = layout.offset(p + "mlp.c_fc.weight"); fcB = layout.offset(p + "mlp.c_fc.bias")
            fcProjW = layout.offset(p + "mlp.c_proj.weight"); fcProjB = layout.offset(p + "mlp.c_proj.bias")
        } else {
            let p = "model.layers.\(l)."
            ln1W = layout.offset(p + "input_layernorm.weight")
            qkvW = layout.offset(p + "self_attn.q_proj.weight")
            qkvB = layout[p + "self_attn.q_proj.bias"]?.offset
            projW = layout.offset(p + "self_attn.o_proj.weight")
            ln2W = layout.offset(p + "post_attention_layernorm.weight")
            fcW = layout.offset(p + "mlp.gate_proj.weight")
            fcProjW = layout.offset(p + "mlp.down_proj.weight")
        }
    }
}

/// Dimensions every pass needs, derived once from the config.
struct ModelDims {
    let C: Int, V: Int, L: Int, nh: Int, nkv: Int, hd: Int
    /// Width of the fused q|k|v projection output.
    let qkv: Int
    /// Width of the attention output (nh·hd; equals C for every supported config).
    let attn: Int
    /// MLP hidden width, and the width of the first MLP matmul's output (2·I for SwiGLU's gate|up).
    let I: Int, fc: Int
    let layout: WeightLayout
    let eps: Float

    init(_ c: ModelConfig) {
        C = c.hiddenSize; V = c.vocabSize; L = c.numLayers; nh = c.numHeads; nkv = c.numKVHeads
        hd = c.headDim; qkv = (nh + 2 * nkv) * hd; attn = nh * hd
        I = c.intermediateSize; fc = c.isGPT2 ? I : 2 * I
        layout = c.isGPT2 ? .inOut : .outIn
        eps = c.normEps
    }
}
