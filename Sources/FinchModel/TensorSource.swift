/// Named tensors readable as `Float`: one safetensors file, or the shards of a model that
/// Hugging Face saved in several files. Loading code takes any source, so a sharded BF16
/// download and a Finch checkpoint go through the same checks.
public protocol TensorSource {
    /// The header entry for `name`, or nil when the source has no such tensor.
    func tensor(named name: String) -> SafeTensorsFile.Tensor?
    /// Copies the tensor's values, widened to `Float`, into `destination` (its exact size).
    func copyFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws
    /// The file that holds `name` (the source itself when it has no such tensor), for messages.
    func path(holding name: String) -> String
}

extension SafeTensorsFile: TensorSource {
    public func path(holding name: String) -> String { url.path }
}
