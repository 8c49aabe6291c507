import FinchKernels
import Foundation

/// What one layer's adapters keep from forward to backward: u = scale · x · Aᵀ of each adapter
/// [slots, N, r], then, with dropout, each adapter's dropped-out input [Σ in, N]; and the seed
/// its dropout masks come from (nil: no dropout, as in evaluation and decoding).
struct LoRAActivations {
    var saved: UnsafeMutablePointer<Float>
    var dropoutSeed: UInt64? = nil
}

/// The LoRA adapters of one model: every adapted module's A [r, in] and B [out, r] in one flat
/// buffer under PEFT's tensor names (`base_model.model.<module>.lora_A.weight`), and the gradient
/// buffer training accumulates into. With adapters attached the base model is frozen: only these
/// parameters get gradients and optimiser moments.
public final class LoRAAdapters: @unchecked Sendable {
    /// One adapted module and where its two matrices sit in `params`.
    struct Site {
        let module: LoRAModule
        let a: Int, b: Int
        /// Index of the site within its layer: its saved u[N, r] is slot `slot` of the layer's.
        let slot: Int
        /// Where its dropped-out input starts among the layer's (Σ of the inputs of the sites before it).
        let inputOffset: Int
    }

    public let config: LoRAConfig
    public let modules: [LoRAModule]
    public let views: [TensorView]
    public let params: FlatBuffer
    public private(set) lazy var grads = FlatBuffer(count: params.count)
    let scale: Float
    /// Per layer, its sites in forward order.
    let sites: [[Site]]
    /// The most sites any layer has: the u slots a pass keeps per layer.
    let slotsPerLayer: Int
    /// Floats per token a training pass keeps per layer (u, and with dropout the dropped inputs),
    /// and the backward's scratch per token (d(u), and with dropout d(dropped input)).
    let savedPerToken: Int, scratchPerToken: Int
    let dropout: Float

    public static let namePrefix = "base_model.model."

    /// Adapters for `model`, initialised as PEFT does: A ~ U(−1/√in, 1/√in) (Kaiming-uniform
    /// with a = √5), B = 0, so the adapted model starts equal to its base.
    public init(config: LoRAConfig, model: ModelConfig, seed: UInt64) throws {
        self.config = config
        modules = try config.adaptedModules(of: model)
        var views: [TensorView] = [], offset = 0
        var sites = [[Site]](repeating: [], count: model.numLayers)
        for module in modules {
            let a = offset, b = a + config.r * module.inputs
            views.append(TensorView(name: Self.namePrefix + module.name + ".lora_A.weight", shape: [config.r, module.inputs], offset: a, decay: true))
            views.append(TensorView(name: Self.namePrefix + module.name + ".lora_B.weight", shape: [module.outputs, config.r], offset: b, decay: true))
            offset = b + module.outputs * config.r
            let inputOffset = sites[module.layer].reduce(0) { $0 + $1.module.inputs }
            sites[module.layer].append(Site(module: module, a: a, b: b, slot: sites[module.layer].count, inputOffset: inputOffset))
        }
        self.views = views
        self.sites = sites
        slotsPerLayer = sites.map(\.count).max() ?? 0
        dropout = Float(config.dropout)
        let inputs = dropout > 0 ? sites.map { $0.reduce(0) { $0 + $1.module.inputs } }.max() ?? 0 : 0
        savedPerToken = slotsPerLayer * config.r + inputs
        scratchPerToken = config.r + (dropout > 0 ? modules.map(\.inputs).max() ?? 0 : 0)
        scale = config.scale
        params = FlatBuffer(count: offset)
        var rng = RNG(seed: seed)
        for site in sites.joined() {
            let bound = 1 / Float(site.module.inputs).squareRoot()
            for i in 0..<config.r * site.module.inputs { params[site.a + i] = (2 * rng.uniform() - 1) * bound }
        }
    }

    public var parameterCount: Int { params.count }

    /// out[N, ldOut] (at each module's column) += scale · drop(inp) · Aᵀ · Bᵀ for every adapter on
    /// `product` in `layer`, keeping what backward needs in `activations`. Dropout (PEFT's, on the
    /// adapter's input only) acts when the activations carry a seed.
    func forward(_ product: LoRAModule.Product, layer: Int, inp: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                 ldOut: Int, activations: LoRAActivations, N: Int) {
        let p = params.pointer, r = config.r
        for site in sites[layer] where site.module.product == product {
            var x = inp
            if let seed = activations.dropoutSeed {
                let dropped = droppedInput(site, activations, N: N)
                let keep = 1 / (1 - dropout)
                forEachMask(site, seed: seed, count: N * site.module.inputs) { i, kept in dropped[i] = kept ? inp[i] * keep : 0 }
                x = UnsafePointer(dropped)
            }
            loraForward(out: out + site.module.column, ldOut: ldOut, saved: activations.saved + site.slot * N * r, inp: x,
                        a: p + site.a, b: p + site.b, scale: scale, N: N, C: site.module.inputs, r: r, cols: site.module.outputs)
        }
    }

    /// Backward of `forward`: accumulates the adapters' gradients and dinp [N, in]; `scratch`
    /// holds `scratchPerToken` floats a token.
    func backward(_ product: LoRAModule.Product, layer: Int, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>,
                  ldOut: Int, dinp: UnsafeMutablePointer<Float>, activations: LoRAActivations,
                  scratch: UnsafeMutablePointer<Float>, N: Int) {
        let p = params.pointer, g = grads.pointer, r = config.r
        for site in sites[layer] where site.module.product == product {
            let saved = activations.saved + site.slot * N * r, C = site.module.inputs
            guard let seed = activations.dropoutSeed else {
                loraBackward(dinp: dinp, da: g + site.a, db: g + site.b, du: scratch, dout: dout + site.module.column, ldOut: ldOut,
                             saved: saved, inp: inp, a: p + site.a, b: p + site.b, scale: scale, N: N, C: C, r: r, cols: site.module.outputs)
                continue
            }
            // d(inp) = mask ⊙ d(dropped) / (1 − p), the mask drawn again from the same seed.
            let ddropped = scratch + N * r
            parallelZero(ddropped, N * C)
            loraBackward(dinp: ddropped, da: g + site.a, db: g + site.b, du: scratch, dout: dout + site.module.column, ldOut: ldOut,
                         saved: saved, inp: droppedInput(site, activations, N: N), a: p + site.a, b: p + site.b, scale: scale,
                         N: N, C: C, r: r, cols: site.module.outputs)
            let keep = 1 / (1 - dropout)
            forEachMask(site, seed: seed, count: N * C) { i, kept in if kept { dinp[i] += ddropped[i] * keep } }
        }
    }

    private func droppedInput(_ site: Site, _ activations: LoRAActivations, N: Int) -> UnsafeMutablePointer<Float> {
        activations.saved + slotsPerLayer * N * config.r + site.inputOffset * N
    }

    /// The dropout mask of one adapter's input: element i is kept with probability 1 − p, from a
    /// stream of its own (the layer's seed and the adapter's slot), so backward redraws it exactly.
    private func forEachMask(_ site: Site, seed: UInt64, count: Int, _ body: (Int, Bool) -> Void) {
        var rng = RNG(seed: seed ^ (UInt64(site.slot + 1) &* 0xD1B5_4A32_D192_ED03))
        for i in 0..<count { body(i, rng.uniform() >= dropout) }
    }

    /// One writer entry per adapter tensor of `buffer` (the adapters or a moment), named `prefix + PEFT name`.
    public func namedTensors(_ buffer: FlatBuffer, prefix: String = "") -> [SafeTensorsWriter.Tensor] {
        views.map { v in
            SafeTensorsWriter.Tensor(name: prefix + v.name, shape: v.shape,
                                     data: UnsafeBufferPointer(start: buffer.pointer + v.offset, count: v.count))
        }
    }

    /// Fills `buffer` from `file`: every adapter tensor present with its shape (PEFT also accepts
    /// names with the adapter's name, `.lora_A.default.weight`). Errors name the file and tensor.
    public func load(_ buffer: FlatBuffer, from file: any TensorSource, prefix: String = "") throws {
        for v in views {
            let candidates = [prefix + v.name, prefix + v.name.replacingOccurrences(of: ".weight", with: ".default.weight")]
            guard let name = candidates.first(where: { file.tensor(named: $0) != nil }), let t = file.tensor(named: name) else {
                throw SafeTensorsError(file: file.path(holding: prefix + v.name), reason: "missing adapter tensor '\(prefix + v.name)'")
            }
            guard t.shape == v.shape else {
                throw SafeTensorsError(file: file.path(holding: name), reason: "adapter tensor '\(name)' has shape \(t.shape), expected \(v.shape) (r \(config.r))")
            }
            try file.copyFloats(name, into: UnsafeMutableBufferPointer(start: buffer.pointer + v.offset, count: v.count))
        }
    }
}
