/// The XXH64 checksum (seed 0), computed incrementally.
///
/// Checkpoint manifests need a checksum that is fast enough to run over gigabytes of
/// weights on every save and resume, yet strong enough to catch torn or corrupted
/// files; XXH64 runs at memory speed and its values can be cross-checked with the
/// standard `xxhsum -H64` tool, so no cryptographic library is needed.
public struct XXHash64 {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5
    /// The algorithm consumes input in 32-byte stripes, one 8-byte lane per accumulator.
    private static let stripeSize = 32

    private var lanes: (UInt64, UInt64, UInt64, UInt64)
    private var totalLength: UInt64 = 0
    /// Input not yet forming a whole stripe, carried over to the next `update`.
    private var pending: [UInt8] = []

    public init() {
        lanes = (Self.prime1 &+ Self.prime2, Self.prime2, 0, 0 &- Self.prime1)
    }

    /// The checksum of `bytes` in one call.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = XXHash64()
        hasher.update(bytes)
        return hasher.finalize()
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        totalLength &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let taken = min(Self.stripeSize - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<taken])
            offset = taken
            guard pending.count == Self.stripeSize else { return }
            pending.withUnsafeBytes { consumeStripe($0, at: 0) }
            pending.removeAll(keepingCapacity: true)
        }
        while bytes.count - offset >= Self.stripeSize {
            consumeStripe(bytes, at: offset)
            offset += Self.stripeSize
        }
        pending.append(contentsOf: bytes[offset...])
    }

    public func finalize() -> UInt64 {
        var hash: UInt64
        if totalLength >= UInt64(Self.stripeSize) {
            hash = rotateLeft(lanes.0, 1) &+ rotateLeft(lanes.1, 7) &+ rotateLeft(lanes.2, 12) &+ rotateLeft(lanes.3, 18)
            hash = mergeLane(hash, lanes.0)
            hash = mergeLane(hash, lanes.1)
            hash = mergeLane(hash, lanes.2)
            hash = mergeLane(hash, lanes.3)
        } else {
            hash = Self.prime5
        }
        hash &+= totalLength
        pending.withUnsafeBytes { tail in
            var offset = 0
            while tail.count - offset >= 8 {
                hash ^= round(0, readWord(tail, offset))
                hash = rotateLeft(hash, 27) &* Self.prime1 &+ Self.prime4
                offset += 8
            }
            if tail.count - offset >= 4 {
                hash ^= UInt64(UInt32(littleEndian: tail.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) &* Self.prime1
                hash = rotateLeft(hash, 23) &* Self.prime2 &+ Self.prime3
                offset += 4
            }
            while offset < tail.count {
                hash ^= UInt64(tail[offset]) &* Self.prime5
                hash = rotateLeft(hash, 11) &* Self.prime1
                offset += 1
            }
        }
        hash ^= hash >> 33
        hash &*= Self.prime2
        hash ^= hash >> 29
        hash &*= Self.prime3
        hash ^= hash >> 32
        return hash
    }

    @inline(__always)
    private mutating func consumeStripe(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        lanes.0 = round(lanes.0, readWord(bytes, offset))
        lanes.1 = round(lanes.1, readWord(bytes, offset + 8))
        lanes.2 = round(lanes.2, readWord(bytes, offset + 16))
        lanes.3 = round(lanes.3, readWord(bytes, offset + 24))
    }

    @inline(__always)
    private func readWord(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    private func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotateLeft(accumulator &+ input &* Self.prime2, 31) &* Self.prime1
    }

    @inline(__always)
    private func mergeLane(_ hash: UInt64, _ lane: UInt64) -> UInt64 {
        (hash ^ round(0, lane)) &* Self.prime1 &+ Self.prime4
    }

    @inline(__always)
    private func rotateLeft(_ value: UInt64, _ amount: UInt64) -> UInt64 {
        (value << amount) | (value >> (64 - amount))
    }
}
