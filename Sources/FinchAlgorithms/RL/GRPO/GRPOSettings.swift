import FinchTrain

/// GRPO's own keys in the `rl:` section (accepted only with `algorithm: grpo`).
public struct GRPOSettings: ConfigSection {
    public var scaleByGroupStd = true


    public init() {}

    public static let keys: [ConfigKey<GRPOSettings>] = [
        .value("scale_by_group_std", \.scaleByGroupStd, .boolean,
               "Divide group-centred rewards by the group's std (false: mean-only, as Dr. GRPO)."),
    ]
}

