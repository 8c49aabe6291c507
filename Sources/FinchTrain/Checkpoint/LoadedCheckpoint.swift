import FinchModel
import Foundation

/// A verified checkpoint opened for resuming: the caller's trainer state decoded, the
/// weight files mapped (tensors are read on demand), and the stored configuration.
public struct LoadedCheckpoint<State: Decodable> {
    public let directory: URL
    public let step: Int
    public let state: State
    public let model: SafeTensorsFile
    public let optimizer: SafeTensorsFile
    /// The run configuration saved with the checkpoint (`config.yaml`).
    public let runConfigYAML: String
    /// The Hugging Face `config.json` contents.
    public let modelConfigJSON: Data
    /// Files saved through `extraFiles`, by name.
    public let extraFiles: [String: Data]

    /// Verifies the checkpoint at `directory` against its manifest (sizes and checksums)
    /// and opens it; any error names the file at fault.
    public init(directory: URL) throws {
        let manifest = try CheckpointStore.verifiedManifest(of: directory)
        func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
        func contents(_ name: String) throws -> Data {
            do {
                return try Data(contentsOf: url(name))
            } catch {
                throw CheckpointError(path: url(name).path, reason: "cannot read: \(error.localizedDescription)")
            }
        }
        let stateFile = try TrainerStateFile<State>.read(from: url(CheckpointLayout.trainerStateFile))
        guard stateFile.step == manifest.step else {
            throw CheckpointError(path: url(CheckpointLayout.trainerStateFile).path,
                                  reason: "records step \(stateFile.step) but the manifest says \(manifest.step)")
        }
        guard let runConfig = String(data: try contents(CheckpointLayout.runConfigFile), encoding: .utf8) else {
            throw CheckpointError(path: url(CheckpointLayout.runConfigFile).path, reason: "not valid UTF-8")
        }
        let standardFiles = Set(CheckpointLayout.requiredFiles + CheckpointLayout.weightFiles)
        var extras: [String: Data] = [:]
        for entry in manifest.files where !standardFiles.contains(entry.name) {
            extras[entry.name] = try contents(entry.name)
        }

        self.directory = directory
        step = manifest.step
        state = stateFile.state
        // The manifest lists exactly one of the weight files (checked by its verification).
        let weightsFile = CheckpointLayout.weightFiles.first { name in manifest.files.contains { $0.name == name } }!
        model = try SafeTensorsFile(url: url(weightsFile))
        optimizer = try SafeTensorsFile(url: url(CheckpointLayout.optimizerFile))
        runConfigYAML = runConfig
        modelConfigJSON = try contents(CheckpointLayout.modelConfigFile)
        extraFiles = extras
    }
}
