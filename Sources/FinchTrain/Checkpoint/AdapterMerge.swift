import FinchModel
import Foundation

/// `finch merge`: a LoRA adapter directory folded into its base and written as a plain Hugging
/// Face model directory (config.json, model.safetensors in F32, the tokenizer's files), which
/// `transformers` and every Finch command load without PEFT.
public enum AdapterMerge {
    /// Files copied beside the weights, from the adapter directory if it has them, else the base's.
    static let companionFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"]

    /// Merges `adapter` into `base` (nil: the base its adapter_config.json names) and writes `out`,
    /// which must not exist or be empty. Returns the merged model.
    @discardableResult
    public static func write(adapter: URL, base: URL?, out: URL) throws -> Transformer {
        let file = try AdapterConfigFile.read(from: adapter)
        guard file.task == .causalLM else {
            throw CheckpointError(path: adapter.appendingPathComponent(AdapterConfigFile.fileName).path,
                                  reason: "task_type \(file.task.rawValue): merging writes a causal LM, which would drop a reward model's score head")
        }
        let baseURL = try base ?? file.baseModel.map { URL(fileURLWithPath: $0) } ?? {
            throw CheckpointError(path: adapter.appendingPathComponent(AdapterConfigFile.fileName).path,
                                  reason: "base_model_name_or_path names no base; give --base DIR")
        }()
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        guard existing.isEmpty else { throw CheckpointError(path: out.path, reason: "already exists and is not empty; choose a new --out") }
        if FileManager.default.fileExists(atPath: adapter.appendingPathComponent(CheckpointLayout.manifestFile).path) {
            try CheckpointStore.verify(checkpoint: adapter)
        }
        let model = try LoadedPolicy.model(checkpoint: baseURL)
        model.mergeAdapters()  // a base that is itself an adapter directory
        try LoadedPolicy.attachAdapters(file.lora, from: adapter, to: model)
        model.mergeAdapters()
        do {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError(path: out.path, reason: "cannot create: \(error.localizedDescription)")
        }
        try SafeTensorsWriter.write(model.namedTensors(model.params), metadata: ["format": "pt"],
                                    to: out.appendingPathComponent(TrainableParameters.modelWeightsFile))
        try DurableFiles.write(try PolicyFiles.modelConfigJSON(model.config), to: out.appendingPathComponent("config.json"))
        for name in companionFiles {
            guard let source = [adapter, baseURL].map({ $0.appendingPathComponent(name) })
                .first(where: { FileManager.default.fileExists(atPath: $0.path) }) else { continue }
            try DurableFiles.write(try Data(contentsOf: source), to: out.appendingPathComponent(name))
        }
        return model
    }
}
