import FinchData

/// Sums of per-token log-probs over each row's answer tokens: log π(answer | prompt), the
/// quantity DPO compares. `logprobs` and `weights` are [rows, T] as `TokenBatch` lays them out
/// (weight 1 on answer tokens); `counts` are the answer lengths (IPO averages by them).
struct SequenceLogProbs {
    var sums: [Double]
    var counts: [Double]

    init(logprobs: [Float], batch: TokenBatch) {
        let T = batch.seqLen
        sums = (0..<batch.batchSize).map { r in
            (0..<T).reduce(0.0) { $0 + Double(batch.weights[r * T + $1]) * Double(logprobs[r * T + $1]) }
        }
        counts = (0..<batch.batchSize).map { r in (0..<T).reduce(0.0) { $0 + Double(batch.weights[r * T + $1]) } }
    }

    /// d loss / d log p per token [rows, T], given d loss / d (row's value), where the row's value
    /// is its sum, or with `perToken` its mean.
    func tokenGradients(_ dRows: [Double], batch: TokenBatch, perToken: Bool) -> [Float] {
        let T = batch.seqLen
        var d = [Float](repeating: 0, count: batch.batchSize * T)
        for r in 0..<batch.batchSize where dRows[r] != 0 {
            let scale = perToken ? dRows[r] / max(counts[r], 1) : dRows[r]
            for t in 0..<T { d[r * T + t] = Float(scale) * batch.weights[r * T + t] }
        }
        return d
    }
}
