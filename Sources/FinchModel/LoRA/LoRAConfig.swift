/// A LoRA adapter's settings, with PEFT's meanings and defaults: rank `r`, `alpha` (the update
/// is scaled by alpha / r), `dropout` on the adapter's input, and the modules to adapt.
public struct LoRAConfig: Equatable, Sendable {
    public var r: Int
    public var alpha: Double
    public var dropout: Double
    /// As the user wrote them: module names matched as PEFT matches them (a module is adapted when
    /// its full name is an entry or ends with "." + an entry), or `["all-linear"]` for every linear
    /// layer but the output head. Empty: PEFT's default for the family.
    public var targetModules: [String]

    public init(r: Int = 8, alpha: Double = 8, dropout: Double = 0, targetModules: [String] = []) {
        self.r = r
        self.alpha = alpha
        self.dropout = dropout
        self.targetModules = targetModules
    }

    public static let allLinear = "all-linear"

    /// What the update is multiplied by: alpha / r (PEFT without rsLoRA).
    public var scale: Float { Float(alpha / Double(r)) }

    /// PEFT's defaults when `target_modules` is not given (its per-architecture mapping).
    public static func defaultTargets(for family: ModelConfig.Family) -> [String] {
        family == .gpt2 ? ["c_attn"] : ["q_proj", "v_proj"]
    }

    /// The modules of `model` these settings adapt, in layer order. Errors name the key: a rank
    /// outside 1...min(in, out) of some module, a dropout PEFT would refuse, or a target that
    /// matches no module (listing the names that exist).
    public func adaptedModules(of model: ModelConfig) throws -> [LoRAModule] {
        guard r >= 1 else { throw ModelConfigError.invalid(key: "lora.r", reason: "must be at least 1, got \(r)") }
        guard alpha.isFinite, alpha > 0 else { throw ModelConfigError.invalid(key: "lora.alpha", reason: "must be a positive number, got \(alpha)") }
        guard dropout >= 0, dropout < 1 else {
            throw ModelConfigError.invalid(key: "lora.dropout", reason: "must lie in [0, 1), got \(dropout)")
        }
        let all = LoRAModule.modules(of: model)
        let targets = targetModules.isEmpty ? Self.defaultTargets(for: model.family) : targetModules
        let chosen: [LoRAModule]
        if targets == [Self.allLinear] {
            chosen = all
        } else {
            if targets.contains(Self.allLinear) {
                throw ModelConfigError.invalid(key: "lora.target_modules", reason: "'\(Self.allLinear)' stands alone, not in a list with other names")
            }
            for target in targets where !all.contains(where: { $0.matches(target) }) {
                let kinds = Set(all.map(\.kind.rawValue)).sorted().joined(separator: ", ")
                throw ModelConfigError.invalid(key: "lora.target_modules", reason: "'\(target)' names no module of this \(model.family.rawValue) model (its linear layers: \(kinds), or \(Self.allLinear))")
            }
            chosen = all.filter { module in targets.contains(where: module.matches) }
        }
        for module in chosen where r > min(module.inputs, module.outputs) {
            throw ModelConfigError.invalid(key: "lora.r", reason: "\(r) exceeds the smaller side of \(module.name) [\(module.outputs), \(module.inputs)]")
        }
        return chosen
    }
}
