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
            let checkpoint: LoadedCheckpoint<RLTrainerState>? = try store.open(resume: resume, model: model.config, log: log)
            if let checkpoint {
                guard checkpoint.state.reference == state.reference else {
                    throw TrainError("\(checkpoint.directory.path)/trainer_state.json: the run's reference was \(checkpoint.state.reference), the config now gives \(state.reference)")
                }
                try checkpoint.restore(model, optimizer: optimizer)
                if let valueHead, let headOptimizer {
                    try valueHead.load(valueHead.params, from: checkpoint.model)
                    try valueHead.load(headOptimizer.m, from: checkpoint.optimizer, prefix: "exp_avg.")
                    try valueHead.load(headOptimizer.v, from: checkpoint.optimizer, prefix: "exp_avg_sq.")
                }
                log("resumed from \(checkpoint.directory.path) at step \(checkpoint.state.step), policy version \(checkpoint.state.policyVersion), β \(checkpoint.state.klController.beta)")
            }
            found = checkpoint?.state ?? state
        }
        state = try world.broadcast(found)
        try world.broadcast(model.params)
        guard let learnerWorld, let optimizer else { return }
        optimizer.step = state.optimizerStep
        // The head also learned during the critic warm-up, when the policy's optimiser stood still.
        headOptimizer?.step = state.optimizerStep + min(state.step, section.criticWarmup) * section.epochs * section.minibatches
        for buffer in [optimizer.m, optimizer.v] + [valueHead?.params, headOptimizer?.m, headOptimizer?.v].compactMap({ $0 }) {
            try learnerWorld.broadcast(buffer)
        }
    }
}
