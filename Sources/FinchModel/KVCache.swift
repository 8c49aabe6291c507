/// Keys and values of every layer for a batch of sequences being decoded.
///
/// Two formats, one per decoder (`IncrementalForward.makeCache` picks it):
/// - FP32, token-major, [L, rows, capacity, nkv·hd]: what the FP32 block in Block.swift writes.
/// - BF16, head-major, [L, rows, nkv, capacity, hd]: the BF16 decoder's. Each head's keys are one
///   contiguous run, which a decoding step streams 3–4× faster at batch 16 than 256-byte pieces
///   1 KB apart, and in half the bytes.
///
/// `rows` is the batch it was made for; the first `batch` rows are in use. `lengths[b]` tokens
/// of row b are cached; the next token of row b goes to slot `lengths[b]` and sits at absolute
/// position `lengths[b]`.
public final class KVCache {
    public private(set) var batch: Int
    public let capacity: Int
    public let bf16: Bool
    public internal(set) var lengths: [Int]
    /// Elements (Float or BF16) of one layer, and of one row of one layer.
    let layerStride: Int
    let rowStride: Int
    private let k: UnsafeMutableRawPointer
    private let v: UnsafeMutableRawPointer
    private let headDim: Int
    private let kvHeads: Int
    private let layers: Int

    public init(config: ModelConfig, batch: Int, capacity: Int, bf16: Bool = false) {
        precondition(capacity <= config.maxPositions, "KV cache of \(capacity) exceeds max positions \(config.maxPositions)")
        self.batch = batch
        self.capacity = capacity
        self.bf16 = bf16
        headDim = config.headDim
        kvHeads = config.numKVHeads
        layers = config.numLayers
        rowStride = capacity * config.kvDim
        layerStride = batch * rowStride
        let bytes = max(1, layers * layerStride) * (bf16 ? 2 : 4)
        k = .allocate(byteCount: bytes, alignment: 64)
        v = .allocate(byteCount: bytes, alignment: 64)
        k.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        v.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        lengths = Array(repeating: 0, count: batch)
    }

    deinit {
        k.deallocate()
        v.deallocate()
    }

    /// Layer l's keys and values in the FP32 format.
    func fp32(layer l: Int) -> (k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>) {
        precondition(!bf16, "KV cache: BF16 cache read as FP32")
        return ((k + 4 * l * layerStride).assumingMemoryBound(to: Float.self),
                (v + 4 * l * layerStride).assumingMemoryBound(to: Float.self))
    }

    /// Layer l's keys and values in the BF16 format.
    func bf16(layer l: Int) -> (k: UnsafeMutablePointer<UInt16>, v: UnsafeMutablePointer<UInt16>) {
        precondition(bf16, "KV cache: FP32 cache read as BF16")
        return ((k + 2 * l * layerStride).assumingMemoryBound(to: UInt16.self),
                (v + 2 * l * layerStride).assumingMemoryBound(to: UInt16.self))
    }

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
        for (to, from) in keep.enumerated() where to != from { copyRow(from, to: to, tokens: lengths[from]) }
        lengths = keep.map { lengths[$0] }
        batch = keep.count
    }

    /// Makes row i a copy of row `sources[i]` (sources[i] ≤ i, non-decreasing, at most the batch
    /// the cache was made for): one cached prompt becomes the start of several answers.
    public func expandRows(_ sources: [Int]) {
        precondition(sources.count * rowStride <= layerStride && zip(sources, sources.dropFirst()).allSatisfy { $0 <= $1 }
                     && sources.enumerated().allSatisfy { $1 <= $0 && $1 < batch },
                     "expandRows: sources must be non-decreasing, each at most its row and below the batch \(batch)")
        let oldLengths = lengths
        // From the last row down: a source row is copied out before anything overwrites it.
        for to in sources.indices.reversed() where sources[to] != to { copyRow(sources[to], to: to, tokens: oldLengths[sources[to]]) }
        lengths = sources.map { oldLengths[$0] }
        batch = sources.count
    }

    /// Copies the first `tokens` cached tokens of row `from` over row `to`, in every layer.
    private func copyRow(_ from: Int, to: Int, tokens: Int) {
        let size = bf16 ? 2 : 4
        // Within a row: (elements between runs of cached values, runs, elements per cached token of a run)
        let (gap, runs, width) = bf16 ? (capacity * headDim, kvHeads, headDim) : (0, 1, kvHeads * headDim)
        for l in 0..<layers {
            for buffer in [k, v] {
                for r in 0..<runs {
                    let src = (l * layerStride + from * rowStride + r * gap) * size
                    let dst = (l * layerStride + to * rowStride + r * gap) * size
                    (buffer + dst).copyMemory(from: buffer + src, byteCount: tokens * width * size)
                }
            }
        }
    }
}
