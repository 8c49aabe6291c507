import Foundation

/// What training updates: the whole model, or only its LoRA adapters once they are attached.
/// Optimisers, gradient all-reduce, clipping, checkpoints and the weights sent to rollout
/// workers all go through this, so a trainer is the same code with or without LoRA.
public struct TrainableParameters {
    public let params: FlatBuffer
    public let grads: FlatBuffer
    /// Named tensors of `params` (Hugging Face names for the model, PEFT names for adapters).
    public let views: [TensorView]
    /// The safetensors file a checkpoint keeps them in: `model.safetensors` or PEFT's `adapter_model.safetensors`.
    public let weightsFile: String

    public static let modelWeightsFile = "model.safetensors"
    public static let adapterWeightsFile = "adapter_model.safetensors"

    public var isAdapters: Bool { weightsFile == Self.adapterWeightsFile }

    /// One writer entry per tensor of `buffer` (the parameters or an optimiser moment in their layout).
    public func namedTensors(_ buffer: FlatBuffer, prefix: String = "") -> [SafeTensorsWriter.Tensor] {
        views.map { v in
            SafeTensorsWriter.Tensor(name: prefix + v.name, shape: v.shape,
                                     data: UnsafeBufferPointer(start: buffer.pointer + v.offset, count: v.count))
        }
    }
}

extension Transformer {
    public var trainable: TrainableParameters {
        if let lora {
            return TrainableParameters(params: lora.params, grads: lora.grads, views: lora.views,
                                       weightsFile: TrainableParameters.adapterWeightsFile)
        }
        return TrainableParameters(params: params, grads: grads, views: layout.views, weightsFile: TrainableParameters.modelWeightsFile)
    }

    /// Fills `buffer` (in the trainable layout) from `file`: the model's tensors, or the adapters'.
    public func loadTrainable(_ buffer: FlatBuffer, from file: any TensorSource, prefix: String = "") throws {
        if let lora { try lora.load(buffer, from: file, prefix: prefix) } else { try load(buffer, from: file, prefix: prefix) }
    }
}

extension Transformer {
    /// For run headers: the family and size, and with LoRA what is trained.
    public var trainingSummary: String {
        let size = "\(config.family.rawValue) \(parameterCount) parameters"
        guard let lora else { return size }
        let kinds = Set(lora.modules.map(\.kind.rawValue)).sorted().joined(separator: ", ")
        let share = String(format: "%.2f%%", 100 * Double(lora.parameterCount) / Double(parameterCount))
        return size + " (frozen), LoRA r \(lora.config.r) on \(kinds): \(lora.parameterCount) trained (\(share))"
    }
}
