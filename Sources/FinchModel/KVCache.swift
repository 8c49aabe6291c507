/// Keys and values of every layer for a batch of sequences being decoded.
///
/// k, v: [L, B, capacity, nkv·hd]. `lengths[b]` tokens of row b are cached; the next token of
/// row b goes to slot `lengths[b]` and sits at absolute position `lengths[b]`.
public final class KVCache {
    public let batch: Int
    public let capacity: Int
    public internal(set) var lengths: [Int]
    let k: FlatBuffer
    let v: FlatBuffer
    let layerStride: Int

    public init(config: ModelConfig, batch: Int, capacity: Int) {
        precondition(capacity <= config.maxPositions, "KV cache of \(capacity) exceeds max positions \(config.maxPositions)")
        self.batch = batch
        self.capacity = capacity
        layerStride = batch * capacity * config.kvDim
        k = FlatBuffer(count: config.numLayers * layerStride)
        v = FlatBuffer(count: config.numLayers * layerStride)
        lengths = Array(repeating: 0, count: batch)
    }

    /// Forgets every row (the memory is reused).
    public func reset() { lengths = Array(repeating: 0, count: batch) }
}
