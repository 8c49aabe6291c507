import FinchKernels

/// Moving a model's flat buffers to and from safetensors files under Hugging Face names.
extension Transformer {
    /// One writer entry per parameter tensor of `buffer` (parameters, or an optimizer moment in
    /// the same layout), named `prefix + HF name`. The pointers stay valid while `buffer` lives.
    public func namedTensors(_ buffer: FlatBuffer, prefix: String = "") -> [SafeTensorsWriter.Tensor] {
        layout.views.map { v in
            SafeTensorsWriter.Tensor(name: prefix + v.name, shape: v.shape,
                                     data: UnsafeBufferPointer(start: buffer.pointer + v.offset, count: v.count))
        }
    }

    /// Fills `buffer` from `file`, tensor by tensor. Every tensor of the layout must be present with
    /// the right shape, except those named in `optional` (left as they are: a reward model
    /// saved by transformers has no `lm_head.weight`); names may carry the `transformer.` prefix
    /// that GPT-2 exports add. Errors name the file and the tensor.
    public func load(_ buffer: FlatBuffer, from file: any TensorSource, prefix: String = "", optional: Set<String> = []) throws {
        for v in layout.views {
            let candidates = [prefix + v.name, prefix + "transformer." + v.name]
            guard let name = candidates.first(where: { file.tensor(named: $0) != nil }),
                  let t = file.tensor(named: name) else {
                if optional.contains(v.name) { continue }
                throw SafeTensorsError(file: file.path(holding: prefix + v.name), reason: "missing tensor '\(prefix + v.name)'")
            }
            guard t.shape == v.shape else {
                throw SafeTensorsError(file: file.path(holding: name),
                                       reason: "tensor '\(name)' has shape \(t.shape), the model expects \(v.shape)")
            }
            try file.copyFloats(name, into: UnsafeMutableBufferPointer(start: buffer.pointer + v.offset, count: v.count))
        }
    }
}
