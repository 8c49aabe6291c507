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
///
/// `precision` (`DecodePrecision`): keep the FP32 default wherever the log-probs feed training. A BF16 decoder copies the weights on every call: to reuse one copy
/// across calls, make an `IncrementalForward` and call `generate(with:…)`.
public func generate(model: Transformer, prompts: [[Int32]], maxNewTokens: Int, sampling: SamplingParams,
                     stopTokens: Set<Int32>, stopSequences: [[Int32]] = [], seeds: [UInt64],
                     precision: DecodePrecision = .fp32) -> [Generation] {
    generate(with: IncrementalForward(model: model, precision: precision), prompts: prompts,
             maxNewTokens: maxNewTokens, sampling: sampling, stopTokens: stopTokens, stopSequences: stopSequences,
             seeds: seeds)
}

/// `generate(model:…)` on a given decoder (its model and precision).
///
/// Rows whose sequence has ended leave the batch: the KV cache is compacted and later steps
/// compute only the sequences still running, which matters when answers end at very different
/// lengths (RL rollouts, evaluation).
public func generate(with forward: IncrementalForward, prompts: [[Int32]], maxNewTokens: Int,
                     sampling: SamplingParams, stopTokens: Set<Int32>, stopSequences: [[Int32]] = [],
                     seeds: [UInt64]) -> [Generation] {
    let model = forward.model, B = prompts.count
    precondition(seeds.count == B, "generate: one seed per prompt")
    guard B > 0 else { return [] }
    let longest = prompts.map(\.count).max()!
    precondition(prompts.allSatisfy { !$0.isEmpty }, "generate: empty prompt")
    var out = [Generation](repeating: Generation(tokens: [], logprobs: [], finish: .length), count: B)
    guard maxNewTokens > 0 else { return out }
    let capacity = min(model.config.maxPositions, longest + maxNewTokens)
    precondition(longest < capacity, "generate: prompt of \(longest) tokens fills the context")
    let cache = forward.makeCache(batch: B, capacity: capacity)
    var rngs = seeds.map { RNG(seed: $0) }
    let V = model.config.vocabSize

    // Answers to the same prompt (GRPO's groups, pass@k samples) share its prefill: each distinct
    // prompt is computed once and its cache row copied to its answers.
    var distinct: [[Int32]] = [], sourceRow: [Int] = []
    for (b, prompt) in prompts.enumerated() {
        if b > 0, prompts[b - 1] == prompt { sourceRow.append(distinct.count - 1) } else { distinct.append(prompt); sourceRow.append(distinct.count - 1) }
    }
    let U = distinct.count
    var tokens = [Int32](repeating: 0, count: U * longest)
    for u in 0..<U { for (i, t) in distinct[u].enumerated() { tokens[u * longest + i] = t } }
    if U < B { cache.keepRows(Array(0..<U)) }
    var logits = forward.step(tokens: tokens, counts: distinct.map(\.count), cache: cache)
    if U < B {
        cache.expandRows(sourceRow)
        logits = sourceRow.flatMap { logits[($0 * V)..<(($0 + 1) * V)] }
    }
    // Cache row r holds sequence rows[r].
    var rows = Array(0..<B)
    while true {
        var next: [Int32] = [], keep: [Int] = []
        logits.withUnsafeBufferPointer { lg in
            for (r, b) in rows.enumerated() {
                let (tok, lp) = sampleToken(logits: lg.baseAddress! + r * V, V: V, params: sampling, rng: &rngs[b])
                out[b].tokens.append(tok)
                out[b].logprobs.append(lp)
                if stopTokens.contains(tok) || stopSequences.contains(where: { !$0.isEmpty && out[b].tokens.ends(with: $0) }) {
                    out[b].finish = .stop
                } else if out[b].tokens.count < maxNewTokens && cache.lengths[r] + 1 < capacity {
                    keep.append(r)
                    next.append(tok)
                }
            }
        }
        if keep.isEmpty { break }
        if keep.count < rows.count {
            cache.keepRows(keep)
            rows = keep.map { rows[$0] }
        }
        logits = forward.step(tokens: next, counts: Array(repeating: 1, count: rows.count), cache: cache)
    }
    return out
}

extension Array where Element: Equatable {
    /// Whether the last `suffix.count` elements equal `suffix`.
    func ends(with suffix: [Element]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
