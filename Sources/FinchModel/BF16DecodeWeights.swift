import FinchKernels

/// A BF16 snapshot of every matrix a decoding step multiplies with, as `BF16Panels.swift`
/// panels in one allocation: per layer qkv, attention output, MLP in and MLP out, then the
/// output head. Norm weights, biases and embeddings are read from the model (FP32).
///
/// It is a copy: weights updated after it was made are not seen (make a new decoder).
final class BF16DecodeWeights {
    /// Word offsets of one layer's panels.
    struct Layer { let qkv: Int, proj: Int, fc: Int, fcProj: Int }

    let layers: [Layer]
    let lmHead: Int
    let words: UnsafeMutablePointer<UInt32>

    init(model: Transformer) {
        let d = model.dims, p = model.params.pointer
        var total = 0
        func place(C: Int, OC: Int) -> Int { defer { total += bf16PanelWords(C: C, OC: OC) }; return total }
        layers = (0..<d.L).map { _ in
            Layer(qkv: place(C: d.C, OC: d.qkv), proj: place(C: d.attn, OC: d.C),
                  fc: place(C: d.C, OC: d.fc), fcProj: place(C: d.I, OC: d.C))
        }
        lmHead = place(C: d.C, OC: d.V)
        words = .allocate(capacity: total)
        for (l, w) in zip(layers, model.layers) {
            packBF16Panels(words + l.qkv, weight: p + w.qkvW, C: d.C, OC: d.qkv, layout: d.layout)
            packBF16Panels(words + l.proj, weight: p + w.projW, C: d.attn, OC: d.C, layout: d.layout)
            packBF16Panels(words + l.fc, weight: p + w.fcW, C: d.C, OC: d.fc, layout: d.layout)
            packBF16Panels(words + l.fcProj, weight: p + w.fcProjW, C: d.I, OC: d.C, layout: d.layout)
        }
        packBF16Panels(words + lmHead, weight: p + model.lmHead, C: d.C, OC: d.V, layout: .outIn)
    }

    deinit { words.deallocate() }
}
