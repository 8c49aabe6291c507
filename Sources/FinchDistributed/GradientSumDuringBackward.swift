/// A gradient sum that a step's last backward pass feeds as it goes: `begin` with the buffer,
/// `ready(from:)` each time the pass has finished every gradient from that offset to the end,
/// `finish` to complete the sum on every rank and learn how long it took after the pass.
/// Collective: every rank calls `begin` and `finish` the same number of times, in the same
/// order; `ready` is local and may differ between ranks.
public protocol GradientSumDuringBackward: AnyObject {
    func begin(_ grads: UnsafeMutableBufferPointer<Float>) throws
    func ready(from offset: Int)
    /// Returns the seconds spent in it: the communication the pass did not hide.
    func finish() throws -> Double
}
