import FinchModel
import Foundation

/// The names of everything inside a checkpoint root, in one place so the writer, the
/// validator and retention cannot disagree about them.
///
/// A root holds `step-00001000/`-style directories (zero-padded so they sort by step),
/// a `latest` file naming the newest, and transient `.tmp-*` entries while saving.
enum CheckpointLayout {
    static let modelFile = TrainableParameters.modelWeightsFile
    /// A LoRA run's weights: its adapters only, under PEFT's file name.
    static let adapterFile = TrainableParameters.adapterWeightsFile
    static let optimizerFile = "optimizer.safetensors"
    static let trainerStateFile = "trainer_state.json"
    static let runConfigFile = "config.yaml"
    static let modelConfigFile = "config.json"
    static let manifestFile = "manifest.json"
    static let latestFile = "latest"

    /// Files every checkpoint must have besides the manifest, and exactly one of `weightFiles`.
    static let requiredFiles = [optimizerFile, trainerStateFile, runConfigFile, modelConfigFile]
    static let weightFiles = [modelFile, adapterFile]

    /// Prefix of in-progress and abandoned entries; nothing named so is ever loaded.
    static let temporaryPrefix = ".tmp-"
    private static let stepPrefix = "step-"

    static func directoryName(step: Int) -> String {
        stepPrefix + String(format: "%08d", step)
    }

    /// The step a `step-NNNNNNNN` directory name encodes, or nil for any other name.
    static func step(fromDirectoryName name: String) -> Int? {
        guard name.hasPrefix(stepPrefix) else { return nil }
        let digits = name.dropFirst(stepPrefix.count)
        guard digits.count >= 8, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    /// A name unique to this process, so a crashed save's leftovers never collide with a new one.
    static func temporaryName(_ purpose: String) -> String {
        "\(temporaryPrefix)\(purpose)-\(ProcessInfo.processInfo.processIdentifier)"
    }
}
