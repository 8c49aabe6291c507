import FinchKernels

/// A zero-initialised, 64-byte aligned Float allocation that owns its memory.
///
/// Parameters, gradients, optimizer moments and activations are each one of these,
/// addressed through offsets (llm.c's "one allocation with named views").
public final class FlatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }

    deinit { pointer.deallocate() }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    public func zero() { parallelZero(pointer, count) }

    public var array: [Float] { Array(buffer) }
}
