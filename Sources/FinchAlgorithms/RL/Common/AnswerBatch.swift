import FinchData
import FinchKernels
import FinchModel

/// Some answers laid out for one training pass, and where each answer's completion tokens
/// land in it. Two layouts, identical up to float rounding:
/// - padded: one row per answer, prompt then completion, right-padded to the longest;
/// - packed: one row per prompt, its tokens once, then each answer as a segment that starts
///   with the prompt's last token (which predicts the answer's first) and attends to the
///   prompt and to itself (`SegmentMask`), at the positions it would have after the prompt.
///   GRPO's 8 answers of a 180-token prompt then cost 180 + 8·49 tokens instead of 8·228.
struct AnswerBatch {
    let tokens: [Int32]
    let targets: [Int32]
    let batch: Int
    let seqLen: Int
    /// nil: t within each row.
    let positions: [Int32]?
    let mask: SegmentMask?
    /// For each answer, the [B·T] index of each completion token's log-prob. [answers][K]
    let completionIndices: [[Int]]

    static func padded(_ rows: ArraySlice<LearnerRow>, seqLen T: Int, padID: Int32) -> AnswerBatch {
        let batch = TokenBatch(rows: rows, seqLen: T, padID: padID)
        let indices = rows.enumerated().map { r, row in (0..<row.completionLength).map { row.position($0, row: r, seqLen: T) } }
        return AnswerBatch(tokens: batch.inputs, targets: batch.targets, batch: rows.count, seqLen: T, positions: nil,
                           mask: nil, completionIndices: indices)
    }

    /// Consecutive answers to the same prompt share a row (a micro-batch of a GRPO step holds
    /// whole groups when `micro_batch` is a multiple of `group_size`; a split group just makes
    /// two rows).
    static func packed(_ rows: ArraySlice<LearnerRow>, padID: Int32) -> AnswerBatch {
        var groups: [[LearnerRow]] = []
        for row in rows {
            if let last = groups.last?.last, last.promptLength == row.promptLength,
               last.tokens.prefix(last.promptLength).elementsEqual(row.tokens.prefix(row.promptLength)) {
                groups[groups.count - 1].append(row)
            } else {
                groups.append([row])
            }
        }
        // Row of a group: the prompt less its last token, then per answer [last prompt token] + completion.
        let lengths = groups.map { g in g[0].promptLength - 1 + g.reduce(0) { $0 + 1 + $1.completionLength } }
        let T = lengths.max() ?? 1, B = groups.count
        var tokens = [Int32](repeating: padID, count: B * T), targets = tokens
        var positions = [Int32](repeating: 0, count: B * T), segmentStart = [Int32](repeating: 0, count: B * T)
        var prefix = [Int](repeating: 0, count: B), indices: [[Int]] = []
        for (b, group) in groups.enumerated() {
            let P = group[0].promptLength, base = b * T
            prefix[b] = P - 1
            for t in 0..<(P - 1) {
                tokens[base + t] = group[0].tokens[t]
                targets[base + t] = group[0].tokens[t + 1]  // no loss is read there; kept for completeness
                positions[base + t] = Int32(t)
            }
            var start = P - 1
            for row in group {
                let segment = Array(row.tokens[(P - 1)...])  // last prompt token + completion
                for (m, token) in segment.enumerated() {
                    tokens[base + start + m] = token
                    targets[base + start + m] = m + 1 < segment.count ? segment[m + 1] : padID
                    positions[base + start + m] = Int32(P - 1 + m)
                    segmentStart[base + start + m] = Int32(start)
                }
                indices.append((0..<row.completionLength).map { base + start + $0 })
                start += segment.count
            }
        }
        return AnswerBatch(tokens: tokens, targets: targets, batch: B, seqLen: T, positions: positions,
                           mask: SegmentMask(prefix: prefix, segmentStart: segmentStart), completionIndices: indices)
    }
}

extension TrainingPass {
    /// `forward` over an answer batch's layout.
    func forward(_ a: AnswerBatch, entropy: Bool = false, temperature: Float)
        -> (logprobs: [Float], entropy: [Float]?, values: [Float]?) {
        forward(tokens: a.tokens, targets: a.targets, batch: a.batch, seqLen: a.seqLen, entropy: entropy,
                temperature: temperature, positions: a.positions, mask: a.mask)
    }
}
