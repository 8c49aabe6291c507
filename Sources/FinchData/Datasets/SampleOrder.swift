import FinchKernels

/// The order in which training visits examples, as a pure function of
/// (seed, dataset size, global sample index).
///
/// Global sample `g` falls in epoch `g / datasetSize` at position `g % datasetSize`, and each
/// epoch visits every example once in an order given by a Fisher–Yates shuffle with its own
/// seeded `RNG`. A trainer therefore only needs to store the global sample index to resume
/// exactly, and ranks can share one stream by taking different indices of it, without
/// communicating or saving any shuffle state.
public struct SampleOrder: Sendable {
    public let seed: UInt64
    public let datasetSize: Int
    /// The most recently used epoch's permutation: consecutive samples almost always fall in
    /// the same epoch, so this avoids reshuffling per sample.
    private var cachedEpoch: (index: Int, permutation: [Int])?

    public init(seed: UInt64, datasetSize: Int) {
        precondition(datasetSize > 0, "cannot order an empty dataset")
        self.seed = seed
        self.datasetSize = datasetSize
    }

    /// The example index visited at global sample index `globalSample` (counted from 0
    /// across all epochs).
    public mutating func exampleIndex(forGlobalSample globalSample: Int) -> Int {
        precondition(globalSample >= 0, "global sample index must be non-negative")
        let epoch = globalSample / datasetSize
        if cachedEpoch?.index != epoch {
            cachedEpoch = (epoch, Self.permutation(seed: seed, datasetSize: datasetSize, epoch: epoch))
        }
        return cachedEpoch!.permutation[globalSample % datasetSize]
    }

    /// The visiting order of one epoch: a permutation of `0..<datasetSize`.
    ///
    /// The epoch's generator is seeded with `seed &+ epoch &* 0xD1B54A32D192ED03`, an odd
    /// constant different from the SplitMix increment `RNG(seed:)` adds per state word:
    /// stepping the seed by that increment would make epoch e+1's state the shifted state
    /// of epoch e.
    public static func permutation(seed: UInt64, datasetSize: Int, epoch: Int) -> [Int] {
        var rng = RNG(seed: seed &+ UInt64(epoch) &* 0xD1B5_4A32_D192_ED03)
        var order = Array(0..<datasetSize)
        for i in stride(from: datasetSize - 1, to: 0, by: -1) {
            order.swapAt(i, rng.below(i + 1))
        }
        return order
    }
}
