extension Transformer {
    /// Folds the attached adapters into the base weights (W += scale · B · A, in each family's
    /// weight orientation) and detaches them: the model then computes what it computed with
    /// them, at the base's speed, and saves as a plain Hugging Face checkpoint (`finch merge`).
    public func mergeAdapters() {
        guard let lora else { return }
        let p = params.pointer, a = lora.params.pointer, r = lora.config.r, s = lora.scale
        for site in lora.sites.joined() {
            let m = site.module, (offset, width) = baseProduct(of: m)
            let inOut = dims.layout == .inOut
            for j in 0..<m.outputs {
                let row = a + site.b + j * r
                for c in 0..<m.inputs {
                    var delta: Float = 0
                    for k in 0..<r { delta += row[k] * a[site.a + k * m.inputs + c] }
                    let o = m.column + j
                    p[offset + (inOut ? c * width + o : o * m.inputs + c)] += s * delta
                }
            }
        }
        self.lora = nil
    }

    /// Where a module's weights live: the offset of its block product's matrix and that
    /// product's output width (the fused q|k|v, gate|up or a plain projection).
    private func baseProduct(of m: LoRAModule) -> (offset: Int, width: Int) {
        let w = layers[m.layer]
        switch m.product {
        case .attentionInput: return (w.qkvW, dims.qkv)
        case .attentionOutput: return (w.projW, dims.C)
        case .mlpInput: return (w.fcW, dims.fc)
        case .mlpOutput: return (w.fcProjW, dims.C)
        }
    }
}
