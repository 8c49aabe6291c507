/// Keys and values of every layer for a batch of sequences being decoded.
///
/// k, v: [L, rows, capacity, nkv·hd] with room for `rows` (the batch it was made for); the
/// first `batch` rows are in use. `lengths[b]` tokens of row b are cached; the next token of
/// row b goes to slot `lengths[b]` and sits at absolute position `lengths[b]`.
public final class KVCache {
    public private(set) var batch: Int
    public let capacity: Int
    public internal(set) var lengths: [Int]
    let k: FlatBuffer
    let v: FlatBuffer
    let layerStride: Int
    private let kvDim: Int
    private let layers: Int

    public init(config: ModelConfig, batch: Int, capacity: Int) {
        precondition(capacity <= config.maxPositions, "KV cache of \(capacity) exceeds max positions \(config.maxPositions)")
        self.batch = batch
        self.capacity = capacity
        kvDim = config.kvDim
        layers = config.numLayers
        layerStride = batch * capacity * kvDim
        k = FlatBuffer(count: layers * layerStride)
        v = FlatBuffer(count: layers * layerStride)
        lengths = Array(repeating: 0, count: batch)
    }

    /// Forgets every row (the memory is reused) and restores the batch it was made for.
    public func reset() {
        batch = layerStride / (capacity * kvDim)
        lengths = Array(repeating: 0, count: batch)
    }

    /// Keeps only the rows `keep` (increasing indices), moved down to rows 0..<keep.count in that
    /// order, so that the next step computes nothing for the rows dropped (sequences that ended).
    /// Copies only the cached tokens of each kept row that moves.
    public func keepRows(_ keep: [Int]) {
        precondition(zip(keep, keep.dropFirst()).allSatisfy { $0 < $1 } && keep.allSatisfy { $0 >= 0 && $0 < batch },
                     "keepRows: indices must increase and be below the batch \(batch)")
        let row = capacity * kvDim
        for (to, from) in keep.enumerated() where to != from {
            for l in 0..<layers {
                for buffer in [k, v] {
                    let base = buffer.pointer + l * layerStride
                    (base + to * row).update(from: base + from * row, count: lengths[from] * kvDim)
                }
            }
        }
        lengths = keep.map { lengths[$0] }
        batch = keep.count
    }
}
