import Foundation
import FinchKernels

/// A decoder-only transformer: its config, its parameters in one flat buffer, and the
/// gradient buffer that the training pass accumulates into.
///
/// The passes live in extensions: `TrainingPass` (batched forward/backward with saved
/// activations) and `IncrementalForward` (decoding with a KV cache). Both run the same
/// block code (`Block.swift`).
public final class Transformer: @unchecked Sendable {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let params: FlatBuffer
    /// Allocated on first use: inference never needs it.
    public private(set) lazy var grads = FlatBuffer(count: layout.count)
    /// LoRA adapters, when attached: they join every pass, and the base weights are frozen
    /// (never given gradients, so `grads` is never allocated).
    public internal(set) var lora: LoRAAdapters?

    let dims: ModelDims
    let layers: [LayerWeights]
    let rope: RopeTable?
    let wte: Int
    let wpe: Int?
    let lnfW: Int
    let lnfB: Int?
    /// The output projection: the token embedding when tied.
    let lmHead: Int

    /// A model with parameters drawn from `seed` (GPT-2 initialisation: N(0, 0.02) for
    /// matrices and embeddings, output projections scaled by 1/√(2·layers), zero biases,
    /// unit norm weights), in layout order, so the same seed always gives the same model.
    public convenience init(config: ModelConfig, seed: UInt64) throws {
        try self.init(config: config)
        var rng = RNG(seed: seed)
        let residualScale = 1 / Float(2 * config.numLayers).squareRoot()
        for v in layout.views {
            let p = params.pointer + v.offset
            let isNorm = v.name.contains("ln_") || v.name.contains("norm")
            if v.shape.count == 1 {
                p.update(repeating: isNorm && v.name.hasSuffix("weight") ? 1 : 0, count: v.count)
            } else {
                let isOutput = v.name.hasSuffix("c_proj.weight") || v.name.hasSuffix("o_proj.weight")
                    || v.name.hasSuffix("down_proj.weight")
                let std: Float = 0.02 * (isOutput ? residualScale : 1)
                for i in 0..<v.count { p[i] = rng.normal() * std }
            }
        }
    }

    /// A model with all parameters zero, to be filled from a checkpoint.
    public init(config: ModelConfig) throws {
        try config.validate()
        // Parameters and gradients are allocated here, 8 bytes a parameter: refuse, with the
        // figure, a model this machine cannot hold rather than fail inside the allocator.
        let bytes = Double(config.estimatedParameterCount) * 8, memory = Double(ProcessInfo.processInfo.physicalMemory)
        guard bytes < 0.9 * memory else {
            throw ModelConfigError.invalid(key: "model size", reason: String(format: "%d parameters need %.1f GB for weights and gradients alone; this machine has %.1f GB",
                                                                             config.estimatedParameterCount, bytes / 1e9, memory / 1e9))
        }
        self.config = config
        layout = ParameterLayout(config: config)
        params = FlatBuffer(count: layout.count)
        dims = ModelDims(config)
        let layout = self.layout
        layers = (0..<config.numLayers).map { LayerWeights(layer: $0, layout: layout, config: config) }
        rope = config.isGPT2 ? nil : RopeTable(headDim: config.headDim, maxPositions: config.maxPositions,
                                               theta: config.ropeTheta)
        if config.isGPT2 {
            wte = layout.offset("wte.weight"); wpe = layout.offset("wpe.weight")
            lnfW = layout.offset("ln_f.weight"); lnfB = layout.offset("ln_f.bias")
        } else {
            wte = layout.offset("model.embed_tokens.weight"); wpe = nil
            lnfW = layout.offset("model.norm.weight"); lnfB = nil
        }
        lmHead = config.tieWordEmbeddings ? wte : layout.offset("lm_head.weight")
    }

    public var parameterCount: Int { layout.count }

    /// Where the base's gradients accumulate, or nil when LoRA freezes it.
    var baseGradients: UnsafeMutablePointer<Float>? { lora == nil ? grads.pointer : nil }

    /// Attaches LoRA adapters made for this model's config; from then on the base is frozen.
    /// Attach before making any `TrainingPass` or `IncrementalForward`, which size their buffers by it.
    public func attach(_ adapters: LoRAAdapters) {
        precondition(lora == nil, "attach: the model already has LoRA adapters")
        precondition(adapters.sites.count == config.numLayers, "attach: adapters made for another model")
        lora = adapters
    }

    /// Parameters excluding learned position embeddings (the count nanoGPT and PyTorch benches report as "non-embedding"-ish).
    public var parameterCountExcludingPositions: Int { layout.count - (layout["wpe.weight"]?.count ?? 0) }

    /// Model FLOPs for one token of training (forward + backward = 3× forward), as in PaLM's MFU:
    /// 6·N for the matmuls plus 12·L·T·C for attention scores at sequence length T.
    public func trainingFlopsPerToken(seqLen T: Int) -> Double {
        let n = Double(parameterCountExcludingPositions)
        return 6 * n + 12 * Double(dims.L * T * dims.C)
    }

    /// Model FLOPs for one token of a forward pass (a third of training's): what generation,
    /// a reference policy's log-probs and evaluation cost per token, counted the same way.
    public func forwardFlopsPerToken(seqLen T: Int) -> Double { trainingFlopsPerToken(seqLen: T) / 3 }

    @inline(__always) func norm(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?,
                                rstd: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>,
                                w: Int, b: Int?, N: Int) {
        let p = params.pointer
        if config.isGPT2 {
            layerNormForward(out: out, mean: mean, rstd: rstd, inp: inp, weight: p + w,
                             bias: b.map { UnsafePointer(p + $0) }, N: N, C: dims.C, eps: dims.eps)
        } else {
            rmsNormForward(out: out, rstd: rstd, inp: inp, weight: p + w, N: N, C: dims.C, eps: dims.eps)
        }
    }

    @inline(__always) func normBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                        inp: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                        rstd: UnsafePointer<Float>, w: Int, b: Int?, N: Int) {
        let p = params.pointer, g = baseGradients
        if config.isGPT2 {
            layerNormBackward(dinp: dinp, dweight: g.map { $0 + w }, dbias: g.flatMap { g in b.map { g + $0 } }, dout: dout, inp: inp,
                              weight: p + w, mean: mean, rstd: rstd, N: N, C: dims.C)
        } else {
            rmsNormBackward(dinp: dinp, dweight: g.map { $0 + w }, dout: dout, inp: inp, weight: p + w,
                            rstd: rstd, N: N, C: dims.C)
        }
    }
}
