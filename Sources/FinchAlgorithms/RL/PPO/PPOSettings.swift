import FinchTrain

/// PPO's own keys in the `rl:` section (accepted only with `algorithm: ppo`).
public struct PPOSettings: ConfigSection {
    public var gamma = 1.0
    public var lam = 0.95
    public var vfCoef = 0.1
    public var valueClip = 0.2
    public var whitenAdvantages = true
    public var criticWarmup = 0


    public init() {}

    public static let keys: [ConfigKey<PPOSettings>] = [
        .value("gamma", \.gamma, .number(.unitInterval), "Discount of GAE."),
        .value("lam", \.lam, .number(.unitInterval), "GAE's λ."),
        .value("vf_coef", \.vfCoef, .number(.nonNegative), "Weight of the value loss."),
        .value("value_clip", \.valueClip, .number(.nonNegative), "Clip of the value change per update."),
        .value("whiten_advantages", \.whitenAdvantages, .boolean, "Normalise advantages over the step's tokens (all learners)."),
        .value("critic_warmup", \.criticWarmup, .integer(atLeast: 0),
               "Steps at the start in which only the value head learns (verl's critic_warmup): the head starts at zero, so the first advantages would rest on meaningless values."),
    ]
}

