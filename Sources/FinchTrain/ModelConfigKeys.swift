import FinchModel

/// The Hugging Face config.json keys that `ModelConfig.init(from:)` reads, per family.
///
/// The strict checker accepts exactly these under `model.config`, so a key that
/// `ModelConfig` would silently ignore (a typo, or a feature Finch lacks, such as
/// `rope_scaling`) is an error instead of a model that differs from what was asked for.
/// Keep in step with `ModelConfig.init(from:)`.
enum ModelConfigKeys {
    static let modelTypeKey = "model_type"

    static func keys(for family: ModelConfig.Family) -> [ConfigKey] {
        let common = [
            ConfigKey(modelTypeKey, .optional(.string)),
            ConfigKey("vocab_size", .required(.integer(atLeast: 1))),
            ConfigKey("tie_word_embeddings", .optional(.boolean)),
            ConfigKey("bos_token_id", .optional(.integer(atLeast: 0))),
            ConfigKey("eos_token_id", .optional(.integer(atLeast: 0))),
        ]
        switch family {
        case .gpt2:
            return common + [
                ConfigKey("n_embd", .required(.integer(atLeast: 1))),
                ConfigKey("n_layer", .required(.integer(atLeast: 1))),
                ConfigKey("n_head", .required(.integer(atLeast: 1))),
                ConfigKey("n_inner", .optional(.integer(atLeast: 1))),
                ConfigKey("n_positions", .optional(.integer(atLeast: 1))),
                ConfigKey("layer_norm_epsilon", .optional(.number(.positive))),
            ]
        case .llama, .qwen2:
            // qwen2 always has q/k/v biases, so `ModelConfig` reads `attention_bias` only for llama.
            let attentionBias = family == .llama ? [ConfigKey("attention_bias", .optional(.boolean))] : []
            return common + attentionBias + [
                ConfigKey("hidden_size", .required(.integer(atLeast: 1))),
                ConfigKey("num_hidden_layers", .required(.integer(atLeast: 1))),
                ConfigKey("num_attention_heads", .required(.integer(atLeast: 1))),
                ConfigKey("num_key_value_heads", .optional(.integer(atLeast: 1))),
                ConfigKey("intermediate_size", .optional(.integer(atLeast: 1))),
                ConfigKey("max_position_embeddings", .optional(.integer(atLeast: 1))),
                ConfigKey("rms_norm_eps", .optional(.number(.positive))),
                ConfigKey("rope_theta", .optional(.number(.positive))),
            ]
        }
    }

    /// `ModelConfig`'s own default when `model_type` is absent.
    static let defaultFamily = ModelConfig.Family.gpt2

    /// How errors list the accepted `model_type` values.
    static var familyNames: String {
        [ModelConfig.Family.gpt2, .llama, .qwen2].map(\.rawValue).joined(separator: ", ")
    }
}
