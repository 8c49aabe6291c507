import FinchModel
import Foundation

/// Saves training checkpoints under one root directory so that a crash at any moment
/// leaves either a complete, verifiable checkpoint or nothing that looks like one.
///
/// Each save builds `.tmp-step-NNNNNNNN-<pid>/` in the root, syncs every file and the
/// directory, renames it to `step-NNNNNNNN/`, syncs the root, then atomically points the
/// `latest` file at it. The directory's `manifest.json`, written last, records every
/// file's size and checksum; loading refuses a checkpoint that does not match it.
///
/// One process (rank 0) saves into a root at a time: a save removes every `.tmp-*`
/// entry it finds, assuming any it did not make are left over from a crash.
public struct CheckpointStore: Sendable {
    public let root: URL
    /// How many complete checkpoints to keep after a save; 0 keeps all.
    public let keepLast: Int

    public init(root: URL, keepLast: Int) {
        self.root = root
        self.keepLast = keepLast
    }

    /// Durably saves the checkpoint for `step` and returns its directory, then prunes old ones.
    ///
    /// - Parameters:
    ///   - model: parameters in the order to store them, saved as F32 with `format: pt`
    ///     metadata so `transformers` loads the directory directly, into `weightsFile`
    ///     (`model.safetensors`, or `adapter_model.safetensors` for LoRA adapters, which PEFT loads).
    ///   - optimizer: optimizer state, e.g. AdamW moments named `exp_avg.<param>` and
    ///     `exp_avg_sq.<param>`.
    ///   - trainerState: everything else needed to resume (RNG states, data position,
    ///     metrics), stored in `trainer_state.json` beside a `format_version`.
    ///   - runConfigYAML: the resolved run configuration, stored as `config.yaml`.
    ///   - modelConfigJSON: the Hugging Face `config.json` contents.
    ///   - extraFiles: further files by name, such as `tokenizer.json`.
    @discardableResult
    public func save<TrainerState: Encodable>(
        step: Int, model: [SafeTensorsWriter.Tensor], optimizer: [SafeTensorsWriter.Tensor],
        trainerState: TrainerState, runConfigYAML: String, modelConfigJSON: Data,
        extraFiles: [(name: String, contents: Data)] = [], weightsFile: String = TrainableParameters.modelWeightsFile
    ) throws -> URL {
        guard CheckpointLayout.weightFiles.contains(weightsFile) else {
            throw CheckpointError(path: root.path, reason: "cannot save weights as \(weightsFile)")
        }
        guard step >= 0 else { throw CheckpointError(path: root.path, reason: "cannot save negative step \(step)") }
        try checkExtraFileNames(extraFiles.map(\.name))
        try createRootIfNeeded()
        let name = CheckpointLayout.directoryName(step: step)
        let staging = root.appendingPathComponent(CheckpointLayout.temporaryName(name))
        try removeIfPresent(staging)
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw CheckpointError(path: staging.path, reason: "cannot create: \(error.localizedDescription)")
        }

        do {
            try writeContents(into: staging, step: step, model: model, weightsFile: weightsFile, optimizer: optimizer,
                              trainerState: trainerState, runConfigYAML: runConfigYAML, modelConfigJSON: modelConfigJSON,
                              extraFiles: extraFiles)
        } catch {
            // A failed save (often a full disk) should not also keep gigabytes of staging.
            try? FileManager.default.removeItem(at: staging)
            throw error
        }

        let final = root.appendingPathComponent(name)
        try moveIntoPlace(staging, replacing: final)
        try DurableFiles.replace(root.appendingPathComponent(CheckpointLayout.latestFile), with: Data((name + "\n").utf8))
        try pruneOldCheckpoints(keeping: final)
        return final
    }

    /// Step directories in the root, newest first.
    /// The step directories that have a manifest (written last, so the save finished), oldest
    /// first; not checksummed, so cheap enough for a report of a running job.
    public func finishedCheckpoints() throws -> [URL] {
        try stepDirectories().reversed().map(\.url)
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent(CheckpointLayout.manifestFile).path) }
    }

    func stepDirectories() throws -> [(step: Int, url: URL)] {
        guard FileManager.default.fileExists(atPath: root.path) else { return [] }
        return try entryNames().compactMap { name in
            CheckpointLayout.step(fromDirectoryName: name).map { ($0, root.appendingPathComponent(name)) }
        }.sorted { $0.step > $1.step }
    }

    // MARK: Saving

    /// Writes and syncs every file of the checkpoint into `staging`, the manifest last.
    private func writeContents<TrainerState: Encodable>(
        into staging: URL, step: Int, model: [SafeTensorsWriter.Tensor], weightsFile: String, optimizer: [SafeTensorsWriter.Tensor],
        trainerState: TrainerState, runConfigYAML: String, modelConfigJSON: Data,
        extraFiles: [(name: String, contents: Data)]
    ) throws {
        for (file, tensors) in [(weightsFile, model), (CheckpointLayout.optimizerFile, optimizer)] {
            let url = staging.appendingPathComponent(file)
            try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: url)
            try DurableFiles.sync(url, isDirectory: false)
        }
        let stateURL = staging.appendingPathComponent(CheckpointLayout.trainerStateFile)
        let stateFile = TrainerStateFile(formatVersion: TrainerStateFile<TrainerState>.currentFormatVersion,
                                         step: step, state: trainerState)
        let stateJSON: Data
        do {
            stateJSON = try stateFile.encoded()
        } catch {
            throw CheckpointError(path: stateURL.path, reason: "cannot encode the trainer state: \(error)")
        }
        try DurableFiles.write(stateJSON, to: stateURL)
        try DurableFiles.write(Data(runConfigYAML.utf8), to: staging.appendingPathComponent(CheckpointLayout.runConfigFile))
        try DurableFiles.write(modelConfigJSON, to: staging.appendingPathComponent(CheckpointLayout.modelConfigFile))
        for extra in extraFiles {
            try DurableFiles.write(extra.contents, to: staging.appendingPathComponent(extra.name))
        }
        let manifest = try CheckpointManifest.describing([weightsFile] + CheckpointLayout.requiredFiles + extraFiles.map(\.name),
                                                         in: staging, step: step)
        try DurableFiles.write(try manifest.encoded(), to: staging.appendingPathComponent(CheckpointLayout.manifestFile))
        try DurableFiles.sync(staging, isDirectory: true)
    }

    private func checkExtraFileNames(_ names: [String]) throws {
        let reserved = Set(CheckpointLayout.requiredFiles + CheckpointLayout.weightFiles + [CheckpointLayout.manifestFile])
        var seen = Set<String>()
        for name in names {
            guard !name.isEmpty, !name.hasPrefix("."), !name.contains("/"), !reserved.contains(name),
                  seen.insert(name).inserted else {
                throw CheckpointError(path: root.path, reason: "invalid or repeated extra file name '\(name)' (plain names only, not \(reserved.sorted().joined(separator: ", ")))")
            }
        }
    }

    private func createRootIfNeeded() throws {
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError(path: root.path, reason: "cannot create the checkpoint root: \(error.localizedDescription)")
        }
    }

    /// Renames the finished staging directory to its final name. Saving a step that
    /// already exists (a rerun after resuming) first moves the old one aside: rename
    /// cannot replace a non-empty directory, and deleting it first would leave a window
    /// with neither copy.
    private func moveIntoPlace(_ staging: URL, replacing final: URL) throws {
        if FileManager.default.fileExists(atPath: final.path) {
            let aside = root.appendingPathComponent(CheckpointLayout.temporaryName("replaced-" + final.lastPathComponent))
            try removeIfPresent(aside)
            try DurableFiles.moveAtomically(final, to: aside)
        }
        try DurableFiles.moveAtomically(staging, to: final)
        try DurableFiles.sync(root, isDirectory: true)
    }

    // MARK: Retention

    /// Removes leftover `.tmp-*` entries and all but the newest `keepLast` complete
    /// checkpoints, never the one just saved. Incomplete step directories are left for a
    /// person to inspect and never count toward the kept ones, so a damaged newest
    /// checkpoint cannot push out a good older one.
    private func pruneOldCheckpoints(keeping justSaved: URL) throws {
        for name in try entryNames() where name.hasPrefix(CheckpointLayout.temporaryPrefix) {
            try removeIfPresent(root.appendingPathComponent(name))
        }
        guard keepLast > 0 else { return }
        let complete = try stepDirectories().filter { isComplete($0.url) }.map(\.url)
        let others = complete.filter { $0.lastPathComponent != justSaved.lastPathComponent }
        for stale in others.dropFirst(keepLast - 1) {
            // Renamed away first so a crash mid-delete leaves a `.tmp-*` entry, not a
            // half-deleted step directory that would look like a damaged checkpoint.
            let doomed = root.appendingPathComponent(CheckpointLayout.temporaryName("deleting-" + stale.lastPathComponent))
            try DurableFiles.moveAtomically(stale, to: doomed)
            try removeIfPresent(doomed)
        }
    }

    /// A cheap completeness test for retention: the manifest reads and every file it lists
    /// has its recorded size. Checksums are left to loading, which reads the files anyway.
    private func isComplete(_ directory: URL) -> Bool {
        guard let manifest = try? CheckpointManifest.read(from: directory) else { return false }
        return (try? manifest.verify(directory: directory, checksums: false)) != nil
    }

    // MARK: File system

    private func entryNames() throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: root.path)
        } catch {
            throw CheckpointError(path: root.path, reason: "cannot list the checkpoint root: \(error.localizedDescription)")
        }
    }

    private func removeIfPresent(_ url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            throw CheckpointError(path: url.path, reason: "cannot remove: \(error.localizedDescription)")
        }
    }
}
