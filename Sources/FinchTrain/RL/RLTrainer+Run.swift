import FinchData
import FinchDistributed
import FinchKernels
import FinchModel
import Foundation

extension RLTrainer {
    /// Runs the role of this rank to `train.steps` (or `stopAfter`, with a checkpoint there;
    /// the schedule still follows `train.steps`, so resuming continues the same run).
    public func run(stopAfter: Int? = nil) throws {
        switch groups.role {
        case .rolloutWorker(let index): try serveRollouts(worker: index)
        case .learner: try learn(until: min(config.train.steps, stopAfter ?? config.train.steps))
        }
    }

    /// A rollout worker's loop: wait for an order and the weights it names, generate and score
    /// this worker's share of the batch's prompts, send the answers back; until told to stop.
    private func serveRollouts(worker: Int) throws {
        guard let comm = groups.rollout else { throw TrainError("rollout worker \(worker) has no rollout group") }
        let channel = RolloutChannel(comm: comm)
        let workers = groups.layout.rolloutWorkers
        while true {
            let order = try channel.nextOrder(weights: [model.params.buffer])
            if order.stop { return }
            let globals = Array(stream.globalIndices(ofBatch: order.batch))
            let share = (worker * globals.count / workers)..<((worker + 1) * globals.count / workers)
            let prompts = share.map { j -> (global: Int, problem: TaskInstance, tokens: [Int32]) in
                let i = stream.problemIndex(ofGlobal: globals[j])
                return (globals[j], stream.problems[i], stream.tokens[i])
            }
            try channel.submit(try TrajectoryCoding.encode(try engine.rollouts(for: prompts, version: order.version)))
            afterRollout?(order.batch)
        }
    }

    private func makeSource() -> RolloutSource {
        if groups.layout.isColocated {
            return ColocatedRollouts(engine: engine, stream: stream, world: learnerWorld!)
        }
        return RemoteRollouts(channel: isCoordinator ? groups.rollout.map(RolloutChannel.init) : nil,
                              learners: groups.learners, weights: [model.params.buffer], stream: stream,
                              groupSize: section.groupSize)
    }

    private func learn(until end: Int) throws {
        let layout = groups.layout
        log("\(section.algorithm.rawValue): \(model.config.family.rawValue) \(model.parameterCount) parameters, task \(task.name)"
            + (task.rule.map { " (\($0))" } ?? "") + ", \(stream.problems.count) prompts; \(config.train.steps) steps of "
            + "\(section.promptsPerStep) prompts × \(section.groupSize) answers; \(layout.learners) learner(s), "
            + (layout.isColocated ? "colocated rollouts" : "\(layout.rolloutWorkers) rollout worker(s)")
            + ", \(section.mode.rawValue) mode, \(KernelThreads.count) thread(s) per rank")
        let source = makeSource()
        if state.step == 0, !evalProblems.isEmpty { try evaluate() }
        // Async mode's first batch comes from the current weights. After a resume that makes it
        // one version fresher than in the uninterrupted run (whose weights of one step earlier
        // a checkpoint does not keep), so async resumes continue the run, not bit for bit.
        if section.mode == .async && state.step < end { try source.request(batch: state.step, version: state.policyVersion) }
        let started = Date(), startElapsed = state.elapsedSeconds
        while state.step < end {
            try step(source: source, end: end)
            state.elapsedSeconds = startElapsed + Date().timeIntervalSince(started)
            let last = state.step == config.train.steps
            if !evalProblems.isEmpty && ((config.train.evalEvery > 0 && state.step % config.train.evalEvery == 0) || last) {
                try evaluate()
            }
            if (config.checkpoint.every > 0 && state.step % config.checkpoint.every == 0) || state.step == end {
                try save()
            }
            afterStep?(state.step)
        }
        try source.finish()
    }

    /// One batch: collect it (requesting it first in sync mode, the next one first in async),
    /// check its staleness, update, publish the new version.
    private func step(source: RolloutSource, end: Int) throws {
        let started = Date()
        let s = state.step
        if section.mode == .sync { try source.request(batch: s, version: state.policyVersion) }
        let batch = try source.collect(batch: s)
        var wait = Date().timeIntervalSince(started)
        let oldest = batch.map(\.version).min() ?? state.policyVersion
        guard batch.allSatisfy({ $0.version <= state.policyVersion }), state.policyVersion - oldest <= section.stalenessBound else {
            throw TrainError("step \(s + 1): answers from policy version \(oldest) reached a learner at version \(state.policyVersion), beyond rl.max_staleness = \(section.stalenessBound)")
        }
        if section.mode == .async && s + 1 < end {
            // Colocated rollouts generate inside `request`: that time is waiting too.
            let requested = Date()
            try source.request(batch: s + 1, version: state.policyVersion)
            wait += Date().timeIntervalSince(requested)
        }

        let beta = state.klController.beta
        let lr = schedule.lr(at: s)
        let (local, gradNorm) = try learner!.update(batch: batch, beta: beta, lr: lr, policy: section.updatesPolicy(atStep: s))
        let sums = UpdateSums(array: try learnerWorld!.sum(local.array))
        let meanKL = sums.answers > 0 ? sums.sequenceKL / sums.answers : 0
        state.klController.update(meanKL: meanKL, answers: batch.count)
        state.step += 1
        state.promptCursor = state.step * section.promptsPerStep
        state.policyVersion += 1
        state.optimizerStep = optimizer!.step

        let n = Double(batch.count), tokens = max(sums.tokens, 1)
        let record = RLStepRecord(
            step: state.step, meanReward: batch.reduce(0) { $0 + $1.reward } / n,
            accuracy: Double(batch.filter(\.correct).count) / n, formatRate: Double(batch.filter(\.formatOK).count) / n,
            responseLength: Double(batch.reduce(0) { $0 + $1.completion.count }) / n,
            clipFraction: sums.clipped / tokens, kl: meanKL, entropy: sums.entropy / tokens,
            policyLoss: sums.policyLoss / tokens, valueLoss: sums.valueLoss / tokens, beta: beta,
            gradNorm: Double(gradNorm), lr: Double(lr), staleness: state.policyVersion - 1 - oldest,
            waitSeconds: wait, stepSeconds: Date().timeIntervalSince(started))
        guard isCoordinator else { return }
        history.append(record)
        metrics?.append(record.metrics, kind: "rl")
        if state.step % config.logging.every == 0 || state.step == config.train.steps || state.step == 1 {
            var parts = [String(format: "step %d/%d | reward %.3f | acc %.1f%% | format %.1f%% | len %.1f | clip %.3f | kl %.4f | ent %.3f",
                                record.step, config.train.steps, record.meanReward, record.accuracy * 100,
                                record.formatRate * 100, record.responseLength, record.clipFraction, record.kl, record.entropy)]
            if section.algorithm == .ppo { parts.append(String(format: "vloss %.4f", record.valueLoss)) }
            parts.append(String(format: "β %.4f | grad %.3f | wait %.2fs | %.2fs/step", record.beta, record.gradNorm,
                                record.waitSeconds, record.stepSeconds))
            log(parts.joined(separator: " | "))
        }
    }

    /// Greedy pass@1 on the held-out prompts, split over the learners.
    private func evaluate() throws {
        guard let learnerWorld else { return }
        let problems = evalProblems.prefix(config.train.evalSamples)
        let local = try evaluateTask(model: model, tokenizer: tokenizer, task: task,
                                     problems: problems[learnerWorld.share(of: problems.count)],
                                     options: TaskEvalOptions(maxNewTokens: section.maxNewTokens, batchSize: section.rolloutBatch))
        let counts = try local.counts.summed(over: learnerWorld)
        guard isCoordinator else { return }
        evaluations[state.step] = counts
        log(String(format: "eval step %d | held-out pass@1 %.1f%% | mean reward %.3f | format errors %.1f%% (%d prompts)",
                   state.step, counts.greedyPassAt1 * 100, counts.greedyMeanReward, counts.greedyFormatErrorRate * 100,
                   counts.problems))
        metrics?.append(["step": Double(state.step), "pass_at_1": counts.greedyPassAt1, "mean_reward": counts.greedyMeanReward,
                         "format_error_rate": counts.greedyFormatErrorRate, "problems": Double(counts.problems)], kind: "eval")
    }
}
