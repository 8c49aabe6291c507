import FinchData
import FinchModel
import Foundation

/// Saving and resuming an RL run. The coordinator writes and reads the files; the learners
/// receive the policy, value head and optimiser state, and rollout workers get the policy with
/// their next order (and here, at start-up, like everyone else).
///
/// The checkpoint is a loadable model directory: `model.safetensors` holds the policy under
/// Hugging Face names and, for PPO, the value head under TRL's `v_head.summary.*` names.
extension RLTrainer {
    func save() throws {
        guard let learnerWorld, let optimizer else { return }
        try learnerWorld.agree(state.step, on: "the step to checkpoint")
        if isCoordinator {
            var weights = model.namedTensors(model.params)
            var moments = model.namedTensors(optimizer.m, prefix: "exp_avg.") + model.namedTensors(optimizer.v, prefix: "exp_avg_sq.")
            if let valueHead, let headOptimizer {
                weights += valueHead.namedTensors(valueHead.params)
                moments += valueHead.namedTensors(headOptimizer.m, prefix: "exp_avg.")
                    + valueHead.namedTensors(headOptimizer.v, prefix: "exp_avg_sq.")
            }
            let url = try store.save(step: state.step, model: weights, optimizer: moments, trainerState: state,
                                     runConfigYAML: config.yaml(), modelConfigJSON: try PolicyFiles.modelConfigJSON(model.config),
                                     extraFiles: [(name: "tokenizer.json", contents: try PolicyFiles.tokenizerJSON(tokenizer))])
            log("saved \(url.path) (policy version \(state.policyVersion))")
        }
        try learnerWorld.barrier()
    }

    func restore(_ resume: String, world: TrainingWorld) throws {
        var found: RLTrainerState?
        if isCoordinator {
            let point = try store.resolve(resume: resume)
            for warning in point.skipped { log("warning: passing over \(warning)") }
            if let dir = point.checkpoint {
                let ckpt = try LoadedCheckpoint<RLTrainerState>(directory: dir)
                try PolicyFiles.checkModel(ckpt.modelConfigJSON, in: dir, is: model.config)
                guard ckpt.state.reference == state.reference else {
                    throw TrainError("\(dir.path)/trainer_state.json: the run's reference was \(ckpt.state.reference), the config now gives \(state.reference)")
                }
                try model.load(model.params, from: ckpt.model)
                if let optimizer {
                    try model.load(optimizer.m, from: ckpt.optimizer, prefix: "exp_avg.")
                    try model.load(optimizer.v, from: ckpt.optimizer, prefix: "exp_avg_sq.")
                }
                if let valueHead, let headOptimizer {
                    try valueHead.load(valueHead.params, from: ckpt.model)
                    try valueHead.load(headOptimizer.m, from: ckpt.optimizer, prefix: "exp_avg.")
                    try valueHead.load(headOptimizer.v, from: ckpt.optimizer, prefix: "exp_avg_sq.")
                }
                found = ckpt.state
                log("resumed from \(dir.path) at step \(ckpt.state.step), policy version \(ckpt.state.policyVersion), β \(ckpt.state.klController.beta)")
            } else {
                log("resume \(resume): no checkpoint in \(store.root.path), starting fresh")
                found = state
            }
        }
        state = try world.broadcast(found)
        try world.broadcast(model.params)
        guard let learnerWorld, let optimizer else { return }
        optimizer.step = state.optimizerStep
        headOptimizer?.step = state.optimizerStep
        for buffer in [optimizer.m, optimizer.v] + [valueHead?.params, headOptimizer?.m, headOptimizer?.v].compactMap({ $0 }) {
            try learnerWorld.broadcast(buffer)
        }
    }
}
