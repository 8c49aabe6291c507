/// Keys and values of every layer for a batch of sequences being decoded.
///
/// k, v: [L, rows, capacity, nkv·hd] (token-major: what the FP32 block in Block.swift writes) or
/// [L, rows, nkv, capacity, hd] (`headMajor`: each head's keys one contiguous run, which a
/// decoding step streams 3–4× faster at batch 16 than 256-byte pieces 1 KB apart), with room for
/// `rows` (the batch it was made for); the first `batch` rows are in use. `lengths[b]` tokens of
/// row b are cached; the next token of row b goes to slot `lengths[b]` and sits at absolute
/// position `lengths[b]`. `IncrementalForward.makeCache` picks the layout its block writes.
public final class KVCache {
    public private(set) var batch: Int
    public let capacity: Int
    public let headMajor: Bool
    public internal(set) var lengths: [Int]
    let k: FlatBuffer
    let v: FlatBuffer
    let layerStride: Int
    private let headDim: Int
    private let kvHeads: Int
    private let layers: Int

    public init(config: ModelConfig, batch: Int, capacity: Int, headMajor: Bool = false) {
        precondition(capacity <= config.maxPositions, "KV cache of \(capacity) exceeds max positions \(config.maxPositions)")
        self.batch = batch
        self.capacity = capacity
        self.headMajor = headMajor
        headDim = config.headDim
        kvHeads = config.numKVHeads
        layers = config.numLayers
        layerStride = batch * capacity * config.kvDim
        k = FlatBuffer(count: layers * layerStride)
        v = FlatBuffer(count: layers * layerStride)
        lengths = Array(repeating: 0, count: batch)
    }

    /// Floats of one row of one layer.
    var rowStride: Int { capacity * kvHeads * headDim }

    /// Forgets every row (the memory is reused) and restores the batch it was made for.
    public func reset() {
        batch = layerStride / rowStride
        lengths = Array(repeating: 0, count: batch)
    }

    /// Keeps only the rows `keep` (increasing indices), moved down to rows 0..<keep.count in that
    /// order, so that the next step computes nothing for the rows dropped (sequences that ended).
    /// Copies only the cached tokens of each kept row that moves.
    public func keepRows(_ keep: [Int]) {
        precondition(zip(keep, keep.dropFirst()).allSatisfy { $0 < $1 } && keep.allSatisfy { $0 >= 0 && $0 < batch },
                     "keepRows: indices must increase and be below the batch \(batch)")
        // (floats between runs of cached values, runs per row, floats per run)
        let (step, runs, run) = headMajor ? (capacity * headDim, kvHeads, headDim) : (0, 1, kvHeads * headDim)
        for (to, from) in keep.enumerated() where to != from {
            for l in 0..<layers {
                for buffer in [k, v] {
                    let base = buffer.pointer + l * layerStride
                    for r in 0..<runs {
                        (base + to * rowStride + r * step).update(from: base + from * rowStride + r * step,
                                                                 count: lengths[from] * run)
                    }
                }
            }
        }
        lengths = keep.map { lengths[$0] }
        batch = keep.count
    }
}
