/// Which weights decoding multiplies with.
///
/// FP32 is the default everywhere, because RL computes importance ratios between the log-probs
/// stored at sampling time and the training pass's: both must come from the same FP32 weights.
/// BF16 is an explicit opt-in for inference that only needs the tokens (evaluation, benchmarks).
public enum DecodePrecision: String, Codable, CaseIterable, Sendable {
    /// The model's own FP32 parameters, read in place, through the training pass's block code.
    case fp32
    /// A BF16 copy of the matrices, taken when the decoder is made; activations, norms, biases,
    /// embeddings, attention and the KV cache stay FP32. Half the bytes to stream per token
    /// (`char6`'s weights then fit in L3); logits move by ~1e-2 relative to FP32.
    case bf16
}
