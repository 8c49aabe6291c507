/// What decoding stores in FP32 and what in BF16.
///
/// FP32 is the default everywhere, because RL computes importance ratios between the log-probs
/// stored at sampling time and the training pass's: both must come from the same FP32 weights.
/// BF16 is an explicit opt-in for inference that only needs the tokens (evaluation, benchmarks).
public enum DecodePrecision: String, Codable, CaseIterable, Sendable {
    /// The model's own FP32 parameters, read in place, through the training pass's block code;
    /// an FP32 KV cache.
    case fp32
    /// A BF16 copy of the matrices, taken when the decoder is made, and a BF16 KV cache; the
    /// arithmetic, activations, norms, biases and embeddings stay FP32. Half the bytes to stream
    /// per token. Log-probs move by ~1% of their spread
    /// between tokens on small test models, so greedy picks can differ where two are close.
    case bf16
}
