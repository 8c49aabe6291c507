import FinchModel
import Yams

/// `model.lora:` — train low-rank adapters on a frozen base instead of every weight, with PEFT's
/// names and defaults, e.g. `lora: {r: 16, alpha: 32, target_modules: all-linear}`.
public struct LoRASection: ConfigSection {
    public var settings = LoRAConfig()

    public init() {}

    public init(_ settings: LoRAConfig) { self.settings = settings }

    public static let keys: [ConfigKey<LoRASection>] = [
        .value("r", \.settings.r, .integer(atLeast: 1), required: true, "Adapter rank."),
        .value("alpha", \.settings.alpha, .number(.positive), "The update is scaled by alpha / r (PEFT's lora_alpha; default 8)."),
        .value("dropout", \.settings.dropout, .number(.fraction), "Dropout on the adapters' input in training steps, as PEFT's lora_dropout (default 0; SFT and DPO; RL needs 0)."),
        ConfigKey(name: "target_modules", kind: .strings,
                  doc: "Modules to adapt, as PEFT matches them (`q_proj`, `c_attn`, a full module name), or `all-linear`; default: PEFT's per-family choice (GPT-2 `c_attn`; Llama, Qwen2 `q_proj`, `v_proj`).",
                  read: { section, node in
                      section.settings.targetModules = node.sequence.map { $0.compactMap(\.string) } ?? node.string.map { [$0] } ?? []
                  },
                  write: { section in
                      section.settings.targetModules.isEmpty ? nil : .sequence(Node.Sequence(section.settings.targetModules.map { Node($0) }))
                  }),
    ]
}
