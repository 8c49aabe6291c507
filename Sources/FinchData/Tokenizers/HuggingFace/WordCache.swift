import Foundation

/// The ids of words already tokenized, so that a word met again (most words of ordinary text)
/// costs a hash and a comparison instead of BPE merges.
///
/// An open-addressing table whose keys and values live in two flat arrays, so neither a lookup
/// nor an insertion allocates per word. Words longer than `maxWordLength` are not kept (they are
/// rare and would crowd the arenas out), and a full table starts over empty. Not thread-safe:
/// `WordCachePool` gives each concurrent caller its own.
final class WordCache {
    private struct Slot {
        var hash: UInt64 = 0
        var keyStart: Int32 = -1  // -1: empty
        var keyCount: Int32 = 0
        var valueStart: Int32 = 0
        var valueCount: Int32 = 0
    }

    static let maxWordLength = 64
    private static let slotCount = 1 << 15
    private static let maxEntries = slotCount / 2

    private var slots = [Slot](repeating: Slot(), count: slotCount)
    private var keys: [Unicode.Scalar] = []
    private var values: [Int32] = []
    private var entries = 0

    static func hash(_ word: ArraySlice<Unicode.Scalar>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for scalar in word { h = (h ^ UInt64(scalar.value)) &* 0x0000_0100_0000_01b3 }
        return h ^ (h >> 29)
    }

    /// Appends the cached ids of `word` to `ids` and returns true, or returns false if it is not cached.
    func appendIDs(of word: ArraySlice<Unicode.Scalar>, hash: UInt64, to ids: inout [Int32]) -> Bool {
        var index = Int(truncatingIfNeeded: hash) & (Self.slotCount - 1)
        while slots[index].keyStart >= 0 {
            let slot = slots[index]
            if slot.hash == hash, Int(slot.keyCount) == word.count,
               keys[Int(slot.keyStart)..<Int(slot.keyStart + slot.keyCount)].elementsEqual(word) {
                ids += values[Int(slot.valueStart)..<Int(slot.valueStart + slot.valueCount)]
                return true
            }
            index = (index + 1) & (Self.slotCount - 1)
        }
        return false
    }

    /// Remembers `word`'s ids (a word not cached yet).
    func insert(_ word: ArraySlice<Unicode.Scalar>, hash: UInt64, ids: ArraySlice<Int32>) {
        guard word.count <= Self.maxWordLength else { return }
        if entries == Self.maxEntries {
            slots = [Slot](repeating: Slot(), count: Self.slotCount)
            keys.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            entries = 0
        }
        var index = Int(truncatingIfNeeded: hash) & (Self.slotCount - 1)
        while slots[index].keyStart >= 0 { index = (index + 1) & (Self.slotCount - 1) }
        slots[index] = Slot(hash: hash, keyStart: Int32(keys.count), keyCount: Int32(word.count),
                            valueStart: Int32(values.count), valueCount: Int32(ids.count))
        keys += word
        values += ids
        entries += 1
    }
}

/// Word caches for concurrent callers: `encode` takes one for the whole call (one lock round
/// trip per call, not per word) and gives it back, so threads sharing a tokenizer never share a
/// cache and there are at most as many caches as callers at once.
final class WordCachePool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [WordCache] = []

    func withCache<T>(_ body: (WordCache) -> T) -> T {
        lock.lock()
        let cache = idle.popLast() ?? WordCache()
        lock.unlock()
        defer {
            lock.lock()
            idle.append(cache)
            lock.unlock()
        }
        return body(cache)
    }
}
