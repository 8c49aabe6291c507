import FinchKernels

/// Why a sequence stopped.
public enum FinishReason: String, Codable, Sendable {
    case stop    // produced a stop token or stop sequence (included in the output)
    case length  // reached max new tokens or the context limit
}

public struct Generation: Sendable, Equatable {
    public var tokens: [Int32]
    /// Log-probability of each generated token under the sampling policy.
    public var logprobs: [Float]
    public var finish: FinishReason
}

/// Generates continuations for a batch of prompts with one KV cache.
///
/// Each sequence draws from its own RNG seeded by `seeds[i]`, so what a sequence gets does not
/// depend on which other sequences share its batch. Prompts may differ in length: the batch is
/// prefilled right-padded and each row then advances at its own position.
///
/// A sequence stops at any of `stopTokens`, or when its output ends with one of
/// `stopSequences` (a stop string, tokenised by the caller: "\n\n", "</answer>").
public func generate(model: Transformer, prompts: [[Int32]], maxNewTokens: Int, sampling: SamplingParams,
                     stopTokens: Set<Int32>, stopSequences: [[Int32]] = [], seeds: [UInt64]) -> [Generation] {
    let B = prompts.count
    precondition(seeds.count == B, "generate: one seed per prompt")
    guard B > 0 else { return [] }
    let longest = prompts.map(\.count).max()!
    precondition(prompts.allSatisfy { !$0.isEmpty }, "generate: empty prompt")
    let capacity = min(model.config.maxPositions, longest + maxNewTokens)
    precondition(longest < capacity || maxNewTokens == 0, "generate: prompt of \(longest) tokens fills the context")
    let cache = KVCache(config: model.config, batch: B, capacity: capacity)
    let forward = IncrementalForward(model: model)
    var rngs = seeds.map { RNG(seed: $0) }
    var out = [Generation](repeating: Generation(tokens: [], logprobs: [], finish: .length), count: B)
    var done = [Bool](repeating: maxNewTokens == 0, count: B)
    let V = model.config.vocabSize

    var tokens = [Int32](repeating: 0, count: B * longest)
    for b in 0..<B { for (i, t) in prompts[b].enumerated() { tokens[b * longest + i] = t } }
    var counts = prompts.map(\.count)
    var logits = forward.step(tokens: tokens, counts: counts, cache: cache)
    while !done.allSatisfy({ $0 }) {
        var next = [Int32](repeating: 0, count: B)
        logits.withUnsafeBufferPointer { lg in
            for b in 0..<B where !done[b] {
                let (tok, lp) = sampleToken(logits: lg.baseAddress! + b * V, V: V, params: sampling, rng: &rngs[b])
                next[b] = tok
                out[b].tokens.append(tok)
                out[b].logprobs.append(lp)
                if stopTokens.contains(tok) || stopSequences.contains(where: { !$0.isEmpty && out[b].tokens.ends(with: $0) }) {
                    done[b] = true; out[b].finish = .stop
                } else if out[b].tokens.count >= maxNewTokens || cache.lengths[b] + 1 >= capacity {
                    done[b] = true; out[b].finish = .length
                }
            }
        }
        if done.allSatisfy({ $0 }) { break }
        counts = Array(repeating: 1, count: B)
        // Finished rows keep stepping on a dummy token until the batch ends; their cache
        // slot is bounded because they stopped before the capacity check above.
        for b in 0..<B where done[b] && cache.lengths[b] + 1 >= capacity { cache.lengths[b] -= 1 }
        logits = forward.step(tokens: next, counts: counts, cache: cache)
    }
    return out
}

extension Array where Element: Equatable {
    /// Whether the last `suffix.count` elements equal `suffix`.
    func ends(with suffix: [Element]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
