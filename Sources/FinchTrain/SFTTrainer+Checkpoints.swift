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
                                     modelConfigJSON: try PolicyFiles.modelConfigJSON(model.config),
                                     extraFiles: [(name: "tokenizer.json", contents: try PolicyFiles.tokenizerJSON(tokenizer))])
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
                try PolicyFiles.checkModel(ckpt.modelConfigJSON, in: dir, is: model.config)
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
}
