/// One linear layer of a transformer that an adapter can sit on, named as in Hugging Face's
/// module tree, and where its output lands in Finch's fused products.
public struct LoRAModule: Equatable, Sendable {
    /// Which of a block's four products the module belongs to.
    public enum Product: Sendable {
        /// ln1 → q|k|v
        case attentionInput
        /// attention output → residual
        case attentionOutput
        /// ln2 → fc (gate|up for SwiGLU)
        case mlpInput
        /// activation → residual
        case mlpOutput
    }

    /// The module's own name, as PEFT's `target_modules` uses it.
    public enum Kind: String, Sendable {
        case cAttn = "c_attn", cProj = "c_proj", cFc = "c_fc"
        case qProj = "q_proj", kProj = "k_proj", vProj = "v_proj", oProj = "o_proj"
        case gateProj = "gate_proj", upProj = "up_proj", downProj = "down_proj"
    }

    public let layer: Int
    public let kind: Kind
    /// The full module name in the `…ForCausalLM` model (`model.layers.0.self_attn.q_proj`),
    /// which PEFT's tensor names extend.
    public let name: String
    public let product: Product
    /// in: the width the module reads; out: its output width.
    public let inputs: Int, outputs: Int
    /// The first column of the module's output within its product's fused output row.
    public let column: Int

    /// PEFT's rule: an entry matches the module's full name or a dotted suffix of it.
    func matches(_ target: String) -> Bool { name == target || name.hasSuffix("." + target) }

    /// Every linear layer of `c` except the output head, in layer order and, within a layer, in
    /// the order the forward pass runs them.
    static func modules(of c: ModelConfig) -> [LoRAModule] {
        let C = c.hiddenSize, I = c.intermediateSize
        return (0..<c.numLayers).flatMap { l -> [LoRAModule] in
            if c.isGPT2 {
                let p = "transformer.h.\(l)."
                return [LoRAModule(layer: l, kind: .cAttn, name: p + "attn.c_attn", product: .attentionInput, inputs: C, outputs: 3 * C, column: 0),
                        LoRAModule(layer: l, kind: .cProj, name: p + "attn.c_proj", product: .attentionOutput, inputs: C, outputs: C, column: 0),
                        LoRAModule(layer: l, kind: .cFc, name: p + "mlp.c_fc", product: .mlpInput, inputs: C, outputs: I, column: 0),
                        LoRAModule(layer: l, kind: .cProj, name: p + "mlp.c_proj", product: .mlpOutput, inputs: I, outputs: C, column: 0)]
            }
            let p = "model.layers.\(l).", q = c.numHeads * c.headDim, kv = c.kvDim
            return [LoRAModule(layer: l, kind: .qProj, name: p + "self_attn.q_proj", product: .attentionInput, inputs: C, outputs: q, column: 0),
                    LoRAModule(layer: l, kind: .kProj, name: p + "self_attn.k_proj", product: .attentionInput, inputs: C, outputs: kv, column: q),
                    LoRAModule(layer: l, kind: .vProj, name: p + "self_attn.v_proj", product: .attentionInput, inputs: C, outputs: kv, column: q + kv),
                    LoRAModule(layer: l, kind: .oProj, name: p + "self_attn.o_proj", product: .attentionOutput, inputs: q, outputs: C, column: 0),
                    LoRAModule(layer: l, kind: .gateProj, name: p + "mlp.gate_proj", product: .mlpInput, inputs: C, outputs: I, column: 0),
                    LoRAModule(layer: l, kind: .upProj, name: p + "mlp.up_proj", product: .mlpInput, inputs: C, outputs: I, column: I),
                    LoRAModule(layer: l, kind: .downProj, name: p + "mlp.down_proj", product: .mlpOutput, inputs: I, outputs: C, column: 0)]
        }
    }
}
