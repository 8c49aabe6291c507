import Foundation
import FinchData
import FinchModel

/// Saving and resuming an SFT run. Only the coordinator touches the filesystem; the other
/// ranks receive what it loaded, so they need not see the checkpoint directory at all.
extension SFTTrainer {
    func save() throws {
        try world.agree(state.step, on: "the step to checkpoint")
        if world.isCoordinator {
            let url = try store.save(step: state.step, model: model.namedTensors(model.params),
                                     optimizer: model.namedTensors(optimizer.m, prefix: "exp_avg.")
                                         + model.namedTensors(optimizer.v, prefix: "exp_avg_sq."),
                                     trainerState: state, runConfigYAML: config.yaml(),
                                     modelConfigJSON: try modelConfigJSON(),
                                     extraFiles: [(name: "tokenizer.json", contents: try tokenizerJSON())])
            log("saved \(url.path)")
        }
        try world.barrier()  // no rank runs ahead of a checkpoint that might still fail
    }

    func restore(_ resume: String) throws {
        var found: SFTTrainerState?
        if world.isCoordinator {
            let point = try store.resolve(resume: resume)
            for warning in point.skipped { log("warning: passing over \(warning)") }
            if let dir = point.checkpoint {
                let ckpt = try LoadedCheckpoint<SFTTrainerState>(directory: dir)
                let saved = try JSONDecoder().decode(ModelConfig.self, from: ckpt.modelConfigJSON)
                guard saved == model.config else {
                    throw TrainError("\(dir.path)/config.json: the checkpoint's model differs from the configured one")
                }
                try model.load(model.params, from: ckpt.model)
                try model.load(optimizer.m, from: ckpt.optimizer, prefix: "exp_avg.")
                try model.load(optimizer.v, from: ckpt.optimizer, prefix: "exp_avg_sq.")
                found = ckpt.state
                log("resumed from \(dir.path) at step \(ckpt.state.step), sample \(ckpt.state.globalSample)")
            } else {
                log("resume \(resume): no checkpoint in \(store.root.path), starting fresh")
                found = state
            }
        }
        state = try world.broadcast(found)
        optimizer.step = state.optimizerStep
        for buffer in [model.params, optimizer.m, optimizer.v] { try world.broadcast(buffer) }
    }

    private func modelConfigJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(model.config)
    }

    /// tokenizer.json as the tokenizer writes it, so the checkpoint loads with its own tokenizer.
    private func tokenizerJSON() throws -> Data {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("finch-tokenizer-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try tokenizer.save(to: dir)
        return try Data(contentsOf: dir.appendingPathComponent("tokenizer.json"))
    }
}
