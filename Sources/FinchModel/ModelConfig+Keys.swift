/// The Hugging Face config.json keys that `ModelConfig` reads, per family: the one owner of
/// that list. `ModelConfig.init(from:)` refuses to read a key missing here, and the run
/// config's strict checker accepts exactly these under `model.config`, so a key Finch would
/// silently ignore (a typo, or a feature it lacks, such as `rope_scaling`) is an error.
extension ModelConfig {
    public struct HFKey: Equatable, Sendable {
        public indirect enum Kind: Equatable, Sendable {
            case integer(atLeast: Int)
            case positiveNumber
            case boolean
            case string
            /// A nested object with these keys (transformers 5's `rope_parameters`).
            case object([HFKey])
        }

        public let name: String
        public let kind: Kind
        public let isRequired: Bool

        init(_ name: String, _ kind: Kind, required: Bool = false) {
            self.name = name
            self.kind = kind
            isRequired = required
        }
    }

    public static let modelTypeKey = "model_type"
    static let ropeParametersKey = "rope_parameters"
    /// The family of a config.json without `model_type`.
    public static let defaultFamily = Family.gpt2
    /// How errors list the accepted `model_type` values.
    public static var familyNames: String { Family.allCases.map(\.rawValue).joined(separator: ", ") }

    public static func hfKeys(for family: Family) -> [HFKey] {
        let common = [
            HFKey(modelTypeKey, .string),
            HFKey("vocab_size", .integer(atLeast: 1), required: true),
            HFKey("tie_word_embeddings", .boolean),
            HFKey("bos_token_id", .integer(atLeast: 0)),
            HFKey("eos_token_id", .integer(atLeast: 0)),
        ]
        switch family {
        case .gpt2:
            return common + [
                HFKey("n_embd", .integer(atLeast: 1), required: true),
                HFKey("n_layer", .integer(atLeast: 1), required: true),
                HFKey("n_head", .integer(atLeast: 1), required: true),
                HFKey("n_inner", .integer(atLeast: 1)),
                HFKey("n_positions", .integer(atLeast: 1)),
                HFKey("layer_norm_epsilon", .positiveNumber),
            ]
        case .llama, .qwen2:
            // qwen2 always has q/k/v biases, so only llama reads `attention_bias`.
            let attentionBias = family == .llama ? [HFKey("attention_bias", .boolean)] : []
            return common + attentionBias + [
                HFKey("hidden_size", .integer(atLeast: 1), required: true),
                HFKey("num_hidden_layers", .integer(atLeast: 1), required: true),
                HFKey("num_attention_heads", .integer(atLeast: 1), required: true),
                HFKey("num_key_value_heads", .integer(atLeast: 1)),
                HFKey("intermediate_size", .integer(atLeast: 1)),
                HFKey("max_position_embeddings", .integer(atLeast: 1)),
                HFKey("rms_norm_eps", .positiveNumber),
                HFKey("rope_theta", .positiveNumber),
                // transformers ≥ 5 writes θ only here; Finch has no rope scaling, so only "default".
                HFKey(ropeParametersKey, .object([HFKey("rope_theta", .positiveNumber), HFKey("rope_type", .string)])),
            ]
        }
    }
}
