import FinchAlgorithms
import FinchTrain
import Foundation

/// A run config as YAML plus `--set` overrides: the input's bytes up to its first NUL are the
/// YAML file, the lines after it the overrides. Each algorithm adds its own section to the
/// shared ones; the input's length picks which algorithm's config it is parsed as (one parse
/// per input keeps the target fast enough for a million runs).
struct RunConfigTarget: FuzzTarget {
    static let parsers: [(String, [String]) -> Void] = [
        { _ = try? SFTRunConfig.parse(yaml: $0, file: "fuzz.yaml", overrides: $1) },
        { _ = try? RLRunConfig.parse(yaml: $0, file: "fuzz.yaml", overrides: $1) },
        { _ = try? DPORunConfig.parse(yaml: $0, file: "fuzz.yaml", overrides: $1) },
        { _ = try? RMRunConfig.parse(yaml: $0, file: "fuzz.yaml", overrides: $1) },
    ]

    func run(_ input: Data) {
        let parts = input.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        let yaml = String(decoding: parts[0], as: UTF8.self)
        let overrides = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self).split(separator: "\n").map(String.init) : []
        Self.parsers[input.count % Self.parsers.count](yaml, overrides)
    }
}
