import Foundation
import FinchKernels

/// How the next token is chosen. temperature 0 is greedy (ties go to the lowest id).
public struct SamplingParams: Codable, Equatable, Sendable {
    public var temperature: Float
    /// Keep only the k most likely tokens (0 = all).
    public var topK: Int
    /// Keep the smallest set of tokens whose probability reaches p (1 = all).
    public var topP: Float

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1) {
        self.temperature = temperature; self.topK = topK; self.topP = topP
    }

    public static let greedy = SamplingParams(temperature: 0)

    enum CodingKeys: String, CodingKey { case temperature, topK = "top_k", topP = "top_p" }
}

/// Picks a token from one row of logits [V].
///
/// The returned log-probability is that of the token under softmax(logits / temperature) over the
/// whole vocabulary (log p under the model itself when greedy): the policy that RL's importance
/// ratios refer to. Top-k/top-p only restrict which tokens may be drawn.
public func sampleToken(logits: UnsafePointer<Float>, V: Int, params: SamplingParams,
                        rng: inout RNG) -> (token: Int32, logprob: Float) {
    let t = params.temperature > 0 ? params.temperature : 1
    var m = -Float.infinity
    var best = 0
    for j in 0..<V where logits[j] > m { m = logits[j]; best = j }
    var sum: Double = 0
    for j in 0..<V { sum += Double(expf((logits[j] - m) / t)) }
    let logZ = Float(log(sum))
    func logprob(_ j: Int) -> Float { (logits[j] - m) / t - logZ }
    if params.temperature <= 0 { return (Int32(best), logprob(best)) }

    var candidates = Array(0..<V)
    let restrict = (params.topK > 0 && params.topK < V) || params.topP < 1
    if restrict {
        candidates.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        if params.topK > 0 && params.topK < V { candidates.removeLast(V - params.topK) }
        if params.topP < 1 {
            var mass: Float = 0
            var keep = 0
            for j in candidates {
                mass += expf(logprob(j))
                keep += 1
                if mass >= params.topP { break }
            }
            candidates.removeLast(candidates.count - keep)
        }
    }
    var total: Float = 0
    for j in candidates { total += expf(logprob(j)) }
    var u = rng.uniform() * total
    for j in candidates {
        u -= expf(logprob(j))
        if u <= 0 { return (Int32(j), logprob(j)) }
    }
    let last = candidates[candidates.count - 1]
    return (Int32(last), logprob(last))
}
