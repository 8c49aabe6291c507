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
            let checkpoint: LoadedCheckpoint<SFTTrainerState>? = try store.open(resume: resume, model: model.config, log: log)
            if let checkpoint {
                try checkpoint.restore(model, optimizer: optimizer)
                log("resumed from \(checkpoint.directory.path) at step \(checkpoint.state.step), sample \(checkpoint.state.globalSample)")
            }
            found = checkpoint?.state ?? state
        }
        state = try world.broadcast(found)
        optimizer.step = state.optimizerStep
        for buffer in [model.params, optimizer.m, optimizer.v] { try world.broadcast(buffer) }
    }
}
