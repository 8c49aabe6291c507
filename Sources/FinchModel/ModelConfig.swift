import Foundation

/// The architecture of a decoder-only transformer.
///
/// One struct covers both families Finch trains:
/// - `gpt2`: LayerNorm, learned positions, GELU (tanh) MLP, biases everywhere, tied embeddings.
/// - `llama` / `qwen2`: RMSNorm, rotary positions, SwiGLU MLP, grouped-query attention,
///   optional q/k/v bias (always on for qwen2), untied head unless `tie_word_embeddings`.
///
/// It reads and writes Hugging Face `config.json`, using each family's own key names
/// (`n_embd` for GPT-2, `hidden_size` for Llama), so a checkpoint directory is loadable
/// by `transformers` and a `config.json` from the Hub loads here.
public struct ModelConfig: Codable, Equatable, Sendable {
    public enum Family: String, Codable, Sendable, CaseIterable { case gpt2, llama, qwen2 }

    public var family: Family
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numLayers: Int
    public var numHeads: Int
    public var numKVHeads: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var normEps: Float
    public var ropeTheta: Float
    public var tieWordEmbeddings: Bool
    public var attentionBias: Bool
    public var bosTokenID: Int?
    public var eosTokenID: Int?

    public var headDim: Int { hiddenSize / numHeads }
    public var kvDim: Int { numKVHeads * headDim }
    public var isGPT2: Bool { family == .gpt2 }

    public init(family: Family, vocabSize: Int, hiddenSize: Int, numLayers: Int, numHeads: Int,
                numKVHeads: Int? = nil, intermediateSize: Int? = nil, maxPositions: Int,
                normEps: Float? = nil, ropeTheta: Float = 10_000, tieWordEmbeddings: Bool? = nil,
                attentionBias: Bool? = nil, bosTokenID: Int? = nil, eosTokenID: Int? = nil) {
        self.family = family
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.numHeads = numHeads
        self.numKVHeads = family == .gpt2 ? numHeads : (numKVHeads ?? numHeads)
        self.intermediateSize = intermediateSize ?? (family == .gpt2 ? 4 * hiddenSize : (8 * hiddenSize / 3 + 63) / 64 * 64)
        self.maxPositions = maxPositions
        self.normEps = normEps ?? (family == .gpt2 ? 1e-5 : 1e-6)
        self.ropeTheta = ropeTheta
        self.tieWordEmbeddings = tieWordEmbeddings ?? (family == .gpt2)
        self.attentionBias = attentionBias ?? (family != .llama)
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
    }

    /// The largest size any one dimension may have, and the most parameters a model may have:
    /// far beyond what Finch trains, small enough that no size product overflows.
    public static let maxDimension = 1 << 22
    public static let maxLayers = 1 << 12
    public static let maxParameters = 1 << 36

    /// Checks every size and constant before anything is allocated or indexed with it (the
    /// release build does not trap on overflow): positive and bounded sizes, the shape rules the
    /// kernels rely on, positive finite epsilons and θ, and a parameter count that fits; the
    /// message names the offending key. The YAML config and config.json both come here.
    public func validate() throws {
        func fail(_ key: String, _ why: String) -> ModelConfigError { .invalid(key: key, reason: why) }
        let g = isGPT2
        let sizes: [(String, Int, Int)] = [
            ("vocab_size", vocabSize, Self.maxDimension), (g ? "n_embd" : "hidden_size", hiddenSize, Self.maxDimension),
            (g ? "n_layer" : "num_hidden_layers", numLayers, Self.maxLayers), (g ? "n_head" : "num_attention_heads", numHeads, Self.maxDimension),
            ("num_key_value_heads", numKVHeads, Self.maxDimension), (g ? "n_inner" : "intermediate_size", intermediateSize, Self.maxDimension),
            (g ? "n_positions" : "max_position_embeddings", maxPositions, Self.maxDimension),
        ]
        for (key, value, limit) in sizes where value < 1 || value > limit {
            throw fail(key, "is \(value); it must lie within 1...\(limit)")
        }
        if hiddenSize % numHeads != 0 { throw fail(g ? "n_head" : "num_attention_heads", "must divide the hidden size \(hiddenSize)") }
        if numHeads % numKVHeads != 0 { throw fail("num_key_value_heads", "must divide num_attention_heads \(numHeads)") }
        if !g && headDim % 2 != 0 { throw fail("num_attention_heads", "rotary embeddings need an even head size, got \(headDim)") }
        if !(normEps > 0 && normEps.isFinite) { throw fail(g ? "layer_norm_epsilon" : "rms_norm_eps", "is \(normEps); it must be a positive finite number") }
        if !g && !(ropeTheta > 0 && ropeTheta.isFinite) { throw fail("rope_theta", "is \(ropeTheta); it must be a positive finite number") }
        let count = estimatedParameterCount
        if count > Self.maxParameters {
            throw fail(g ? "n_embd/n_layer" : "hidden_size/num_hidden_layers", "give \(count) parameters, more than the \(Self.maxParameters) Finch accepts")
        }
    }

    /// Parameters of the model, from the sizes alone (each size already bounded by `validate`,
    /// so no product overflows).
    public var estimatedParameterCount: Int {
        let C = hiddenSize, I = intermediateSize, kv = kvDim
        let attention = C * (C + 2 * kv) + C * C + (attentionBias || isGPT2 ? C + 2 * kv : 0) + (isGPT2 ? C : 0)
        let mlp = (isGPT2 ? 2 * C * I + I + C : 3 * C * I)
        let norms = (isGPT2 ? 4 : 2) * C
        let embeddings = vocabSize * C * (tieWordEmbeddings ? 1 : 2) + (isGPT2 ? maxPositions * C : 0)
        return numLayers * (attention + mlp + norms) + embeddings + (isGPT2 ? 2 : 1) * C
    }

    // MARK: Hugging Face config.json

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Reads config.json. Every key it reads must be one of `hfKeys(for:)`, the list the run
    /// config's strict checker accepts, so the two cannot drift apart (checked here at run time
    /// and, the other way round, by a test that sets each listed key).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let type = try c.decodeIfPresent(String.self, forKey: Key(Self.modelTypeKey)) ?? Self.defaultFamily.rawValue
        guard let family = Family(rawValue: type) else {
            throw ModelConfigError.invalid(key: Self.modelTypeKey, reason: "unsupported '\(type)' (\(Self.familyNames))")
        }
        let declared = Set(Self.hfKeys(for: family).map(\.name))
        func key(_ k: String) -> Key {
            precondition(declared.contains(k), "ModelConfig reads '\(k)', which hfKeys(for: \(family)) does not list")
            return Key(k)
        }
        func opt<T: Decodable>(_ k: String) throws -> T? { try c.decodeIfPresent(T.self, forKey: key(k)) }
        func req<T: Decodable>(_ k: String) throws -> T { try c.decode(T.self, forKey: key(k)) }
        if family == .gpt2 {
            self.init(family: .gpt2, vocabSize: try req("vocab_size"), hiddenSize: try req("n_embd"),
                      numLayers: try req("n_layer"), numHeads: try req("n_head"),
                      intermediateSize: try opt("n_inner"), maxPositions: try opt("n_positions") ?? 1024,
                      normEps: try opt("layer_norm_epsilon"), tieWordEmbeddings: try opt("tie_word_embeddings") ?? true,
                      bosTokenID: try opt("bos_token_id"), eosTokenID: try opt("eos_token_id"))
        } else {
            let nestedTheta = try Self.nestedRopeTheta(c, key(Self.ropeParametersKey))
            self.init(family: family, vocabSize: try req("vocab_size"), hiddenSize: try req("hidden_size"),
                      numLayers: try req("num_hidden_layers"), numHeads: try req("num_attention_heads"),
                      numKVHeads: try opt("num_key_value_heads"), intermediateSize: try opt("intermediate_size"),
                      maxPositions: try opt("max_position_embeddings") ?? 2048, normEps: try opt("rms_norm_eps"),
                      ropeTheta: try opt("rope_theta") ?? nestedTheta ?? 10_000,
                      tieWordEmbeddings: try opt("tie_word_embeddings") ?? false,
                      attentionBias: family == .qwen2 ? true : (try opt("attention_bias") ?? false),
                      bosTokenID: try opt("bos_token_id"), eosTokenID: try opt("eos_token_id"))
        }
        try validate()
    }

    /// θ from transformers 5's `"rope_parameters": {"rope_type": "default", "rope_theta": …}`;
    /// any other rope type (scaled, YaRN, …) is refused rather than silently run unscaled.
    private static func nestedRopeTheta(_ c: KeyedDecodingContainer<Key>, _ key: Key) throws -> Float? {
        guard c.contains(key), try !c.decodeNil(forKey: key) else { return nil }
        let nested = try c.nestedContainer(keyedBy: Key.self, forKey: key)
        let type = try nested.decodeIfPresent(String.self, forKey: Key("rope_type")) ?? "default"
        guard type == "default" else {
            throw ModelConfigError.invalid(key: "\(ropeParametersKey).rope_type", reason: "'\(type)' rope scaling is not supported (only 'default')")
        }
        return try nested.decodeIfPresent(Float.self, forKey: Key("rope_theta"))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(family.rawValue, forKey: Key("model_type"))
        try c.encode(vocabSize, forKey: Key("vocab_size"))
        try c.encode(tieWordEmbeddings, forKey: Key("tie_word_embeddings"))
        try c.encodeIfPresent(bosTokenID, forKey: Key("bos_token_id"))
        try c.encodeIfPresent(eosTokenID, forKey: Key("eos_token_id"))
        if isGPT2 {
            try c.encode(["GPT2LMHeadModel"], forKey: Key("architectures"))
            try c.encode(hiddenSize, forKey: Key("n_embd"))
            try c.encode(numLayers, forKey: Key("n_layer"))
            try c.encode(numHeads, forKey: Key("n_head"))
            try c.encode(intermediateSize, forKey: Key("n_inner"))
            try c.encode(maxPositions, forKey: Key("n_positions"))
            try c.encode(normEps, forKey: Key("layer_norm_epsilon"))
            try c.encode("gelu_new", forKey: Key("activation_function"))
        } else {
            try c.encode([family == .llama ? "LlamaForCausalLM" : "Qwen2ForCausalLM"], forKey: Key("architectures"))
            try c.encode(hiddenSize, forKey: Key("hidden_size"))
            try c.encode(numLayers, forKey: Key("num_hidden_layers"))
            try c.encode(numHeads, forKey: Key("num_attention_heads"))
            try c.encode(numKVHeads, forKey: Key("num_key_value_heads"))
            try c.encode(intermediateSize, forKey: Key("intermediate_size"))
            try c.encode(maxPositions, forKey: Key("max_position_embeddings"))
            try c.encode(normEps, forKey: Key("rms_norm_eps"))
            try c.encode(ropeTheta, forKey: Key("rope_theta"))
            try c.encode("silu", forKey: Key("hidden_act"))
            if family == .llama { try c.encode(attentionBias, forKey: Key("attention_bias")) }
        }
    }
}

public enum ModelConfigError: Error, CustomStringConvertible {
    case invalid(key: String, reason: String)
    public var description: String {
        switch self { case let .invalid(key, reason): return "model config key '\(key)': \(reason)" }
    }
}
