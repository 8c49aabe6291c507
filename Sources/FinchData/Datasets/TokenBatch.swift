/// A padded batch for next-token training: row b holds example b's tokens shifted by one, so
/// the model reads `inputs[b, t]` and is scored on predicting `targets[b, t]`.
///
/// All arrays are row-major `[batchSize, seqLen]` except `lengths`. Padding uses the
/// tokenizer's pad id with weight 0, so padded positions never contribute to the loss.
public struct TokenBatch: Equatable, Sendable {
    /// How long the rows of a batch are.
    public enum Length: Equatable, Sendable {
        /// Just long enough for the longest example (its token count minus one), but at most
        /// the given cap: short batches cost less compute.
        case longest(cappedAt: Int)
        /// Always this many positions, for callers that need a constant shape.
        case fixed(Int)
    }

    public let batchSize: Int
    public let seqLen: Int
    /// `[B, T]`: tokens[0..<n-1] of each example, then padding.
    public var inputs: [Int32]
    /// `[B, T]`: tokens[1..<n] of each example, then padding.
    public var targets: [Int32]
    /// `[B, T]`: loss weight of predicting `targets[b, t]`, i.e. the example's `lossMask[t+1]`.
    public var weights: [Float]
    /// The real (unpadded) input length of each row.
    public var lengths: [Int]

    /// Rows longer than the sequence length keep their first `seqLen` positions.
    public init(examples: [SFTExample], length: Length, padID: Int32) {
        precondition(!examples.isEmpty, "a batch needs at least one example")
        let longestInput = examples.map { max(0, $0.tokens.count - 1) }.max()!
        let seqLen: Int
        switch length {
        case .longest(let cap): seqLen = min(cap, longestInput)
        case .fixed(let fixed): seqLen = fixed
        }
        precondition(seqLen > 0, "sequence length must be positive")

        self.batchSize = examples.count
        self.seqLen = seqLen
        inputs = Array(repeating: padID, count: batchSize * seqLen)
        targets = inputs
        weights = Array(repeating: 0, count: batchSize * seqLen)
        lengths = []
        for (row, example) in examples.enumerated() {
            let length = min(seqLen, max(0, example.tokens.count - 1))
            let base = row * seqLen
            for t in 0..<length {
                inputs[base + t] = example.tokens[t]
                targets[base + t] = example.tokens[t + 1]
                weights[base + t] = example.lossMask[t + 1]
            }
            lengths.append(length)
        }
    }

    /// Number of positions that carry loss (non-zero weight): the denominator of a
    /// per-token mean loss, summed across ranks in distributed training.
    public var lossTokenCount: Int {
        weights.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
    }
}
