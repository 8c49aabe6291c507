import Foundation
import FinchModel

/// Where to resume from: a checkpoint directory, or none, plus why newer ones were passed over.
public struct ResumePoint: Sendable {
    /// The checkpoint to load, or nil to start fresh.
    public let checkpoint: URL?
    /// One message per newer checkpoint that failed verification, naming the file at fault;
    /// the caller should show them, since they usually mean a crash or a full disk.
    public let skipped: [String]
}

extension CheckpointStore {
    /// Chooses the checkpoint to resume from.
    ///
    /// - `"auto"`: the newest step directory in the root that verifies, skipping (and
    ///   reporting) damaged or unfinished ones; nil checkpoint when there is none.
    /// - anything else: a checkpoint directory path, which must verify or this throws an
    ///   error naming the file at fault.
    public func resolve(resume: String) throws -> ResumePoint {
        guard resume == "auto" else {
            let directory = URL(fileURLWithPath: resume)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CheckpointError(path: directory.path, reason: "no such checkpoint directory")
            }
            try Self.verify(checkpoint: directory)
            return ResumePoint(checkpoint: directory, skipped: [])
        }
        var skipped: [String] = []
        for candidate in try stepDirectories() {
            do {
                try Self.verify(checkpoint: candidate.url)
                return ResumePoint(checkpoint: candidate.url, skipped: skipped)
            } catch {
                skipped.append("skipping checkpoint \(candidate.url.lastPathComponent): \(error)")
            }
        }
        return ResumePoint(checkpoint: nil, skipped: skipped)
    }

    /// Checks the checkpoint at `directory` against its manifest: every required file
    /// listed, every listed file present with the recorded size and checksum.
    public static func verify(checkpoint directory: URL) throws {
        _ = try verifiedManifest(of: directory)
    }

    static func verifiedManifest(of directory: URL) throws -> CheckpointManifest {
        let manifest = try CheckpointManifest.read(from: directory)
        try manifest.verify(directory: directory, checksums: true)
        return manifest
    }
}

extension CheckpointStore {
    /// The checkpoint `resume` names, opened and checked against the configured model, or nil
    /// (said through `log`) when "auto" finds none. Checkpoints passed over are logged too.
    func open<State: Decodable>(resume: String, model: ModelConfig, log: (String) -> Void) throws -> LoadedCheckpoint<State>? {
        let point = try resolve(resume: resume)
        for warning in point.skipped { log("warning: passing over \(warning)") }
        guard let dir = point.checkpoint else {
            log("resume \(resume): no checkpoint in \(root.path), starting fresh")
            return nil
        }
        let checkpoint = try LoadedCheckpoint<State>(directory: dir)
        try PolicyFiles.checkModel(checkpoint.modelConfigJSON, in: dir, is: model)
        return checkpoint
    }
}

extension LoadedCheckpoint {
    /// Fills what the transformer trains (its parameters, or its LoRA adapters) and their AdamW
    /// moments (`exp_avg.*`, `exp_avg_sq.*`).
    func restore(_ model: Transformer, optimizer: AdamW?) throws {
        let trainable = model.trainable
        guard model.trainable.isAdapters == (self.model.url.lastPathComponent == CheckpointLayout.adapterFile) else {
            throw CheckpointError(path: self.model.url.path, reason: trainable.isAdapters
                ? "holds full weights, but this run trains LoRA adapters (model.lora)"
                : "holds LoRA adapters, but this run trains every weight (no model.lora)")
        }
        try model.loadTrainable(trainable.params, from: self.model)
        guard let optimizer else { return }
        try model.loadTrainable(optimizer.m, from: self.optimizer, prefix: "exp_avg.")
        try model.loadTrainable(optimizer.v, from: self.optimizer, prefix: "exp_avg_sq.")
    }
}

extension CheckpointStore {
    /// Refuses to start a run that would write over an earlier one: a root that already holds
    /// checkpoints needs `--resume auto` (continue it) or `--overwrite` (start over); and
    /// `--resume auto` with checkpoints none of which verifies would silently start fresh over
    /// them, so it needs `--overwrite` too. The message names the directory and its newest checkpoint.
    public func checkStart(resume: String?, overwrite: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CheckpointError(path: root.path, reason: "checkpoint.dir is a file, not a directory")
        }
        guard !overwrite, let newest = try stepDirectories().first else { return }
        switch resume {
        case nil:
            throw CheckpointError(path: root.path, reason: "already holds checkpoints (newest: \(newest.url.lastPathComponent)); continue that run with --resume auto, or start over with --overwrite")
        case "auto"?:
            let point = try resolve(resume: "auto")
            if point.checkpoint == nil {
                throw CheckpointError(path: root.path, reason: "holds checkpoints but none verifies (\(point.skipped.first ?? newest.url.lastPathComponent)); repair or move them, or start over with --overwrite")
            }
        default:
            return
        }
    }
}
