import Foundation

/// PEFT's `adapter_config.json`: what `PeftModel.from_pretrained` reads beside
/// `adapter_model.safetensors`. Finch writes the keys PEFT needs (the adapted modules by full
/// name, so the file is unambiguous) and reads files PEFT wrote, refusing — by key — the LoRA
/// variants it does not compute (DoRA, rsLoRA, per-module ranks, trained biases or heads).
public struct AdapterConfigFile: Equatable {
    public static let fileName = "adapter_config.json"

    /// PEFT's `task_type`: a causal LM, or a sequence classifier (a reward model), whose `score`
    /// head PEFT keeps in full beside the adapters (`modules_to_save`).
    public enum Task: String, Sendable {
        case causalLM = "CAUSAL_LM", sequenceClassification = "SEQ_CLS"
        /// The heads PEFT saves whole for the task.
        var modulesToSave: [String]? { self == .sequenceClassification ? ["classifier", "score"] : nil }
    }

    public var lora: LoRAConfig
    public var task: Task
    /// The base model's directory, as PEFT records it (nil when unknown).
    public var baseModel: String?

    public init(lora: LoRAConfig, baseModel: String?, task: Task = .causalLM) {
        self.lora = lora
        self.baseModel = baseModel
        self.task = task
    }

    /// The file for `adapters` on a model of `family`: GPT-2's `Conv1D` layers need `fan_in_fan_out`.
    public static func contents(_ adapters: LoRAAdapters, family: ModelConfig.Family, baseModel: String?,
                                task: Task = .causalLM) throws -> Data {
        let object: [String: Any] = [
            "peft_type": "LORA", "task_type": task.rawValue, "r": adapters.config.r, "lora_alpha": adapters.config.alpha,
            "lora_dropout": adapters.config.dropout, "target_modules": adapters.modules.map(\.name),
            "bias": "none", "fan_in_fan_out": family == .gpt2, "inference_mode": true, "init_lora_weights": true,
            "use_rslora": false, "use_dora": false, "modules_to_save": task.modulesToSave.map { $0 as Any } ?? NSNull(),
            "layers_to_transform": NSNull(),
            "rank_pattern": [String: Any](), "alpha_pattern": [String: Any](),
            "base_model_name_or_path": baseModel.map { $0 as Any } ?? NSNull(),
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    public static func read(from directory: URL) throws -> AdapterConfigFile {
        let url = directory.appendingPathComponent(fileName)
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(file: url.path, reason: reason) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw fail("cannot read: \(error.localizedDescription)") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { throw fail("not a JSON object") }
        guard (object["peft_type"] as? String) == "LORA" else { throw fail("peft_type: expected \"LORA\", got \(object["peft_type"] ?? "nothing")") }
        let taskName = object["task_type"] as? String ?? Task.causalLM.rawValue
        guard let task = Task(rawValue: taskName) else {
            throw fail("task_type: \(taskName) is not supported (CAUSAL_LM, or SEQ_CLS for a reward model)")
        }
        let saved = object["modules_to_save"] as? [String] ?? []
        guard Set(saved).isSubset(of: task.modulesToSave ?? []) else {
            throw fail("modules_to_save: \(saved) is not supported (Finch trains only the adapters, and a reward model's score head)")
        }
        // Settings that change what the adapter computes, each refused unless at PEFT's default.
        let unsupported: [(key: String, isDefault: (Any) -> Bool)] = [
            ("use_dora", { ($0 as? Bool) != true }), ("use_rslora", { ($0 as? Bool) != true }),
            ("lora_bias", { ($0 as? Bool) != true }), ("bias", { ($0 as? String) == "none" }),
            ("rank_pattern", { ($0 as? [String: Any])?.isEmpty ?? true }), ("alpha_pattern", { ($0 as? [String: Any])?.isEmpty ?? true }),
            ("layers_to_transform", { $0 is NSNull }),
            ("trainable_token_indices", { $0 is NSNull }), ("layer_replication", { $0 is NSNull }),
        ]
        for (key, isDefault) in unsupported {
            if let value = object[key], !isDefault(value) { throw fail("\(key): \(value) is not supported (Finch computes plain LoRA)") }
        }
        guard let r = object["r"].flatMap(JSONScalars.integer) else { throw fail("r: missing or not an integer") }
        guard let alpha = (object["lora_alpha"] as? NSNumber)?.doubleValue, !JSONScalars.isBoolean(object["lora_alpha"]!) else {
            throw fail("lora_alpha: missing or not a number")
        }
        let targets: [String]
        switch object["target_modules"] {
        case let list as [String]: targets = list
        case let word as String where word == LoRAConfig.allLinear: targets = [word]
        case let pattern as String: throw fail("target_modules: the regular expression \"\(pattern)\" is not supported; list the modules")
        default: throw fail("target_modules: missing, or not a list of module names")
        }
        // lora_dropout is not read: dropout acts in training only, so an adapter trained with it
        // computes the same at inference, and Finch trains adapters without it.
        return AdapterConfigFile(lora: LoRAConfig(r: r, alpha: alpha, dropout: 0, targetModules: targets),
                                 baseModel: object["base_model_name_or_path"] as? String, task: task)
    }
}
