import FinchData
import FinchTasks
import FinchDistributed
import FinchEval
import FinchKernels
import FinchModel
import FinchTrain
import Foundation

/// Reinforcement learning with verifiable (or learned) rewards: GRPO or PPO, over MPI roles.
///
/// Ranks `0..<learners` train (`RLLearner`, data-parallel as in SFT); the rest are rollout
/// workers (`RolloutWorker`) that receive each policy version by broadcast, generate and score
/// answers, and send them back. With no rollout workers the learners generate for themselves
/// (colocated), which is how one process runs everything. Rank 0 coordinates: it orders
/// batches, assembles the answers, logs, evaluates with the other learners, and saves.
///
/// Every trajectory carries the version of the weights that produced it, and a batch whose
/// answers are older than `rl.max_staleness` versions stops the run: staleness is never silent.
public final class RLTrainer {
    public let config: RLRunConfig
    public let groups: RoleGroups
    public let model: Transformer
    private let role: Role

    private enum Role {
        case learner(RLLearner)
        case rolloutWorker(RolloutWorker)
    }

    /// Builds the run on every rank of `world` (nil: a single process). `task` replaces the
    /// catalog's task named by `rl.task` (tests use toy tasks); `reward` replaces the task's
    /// verifier as the reward source (a reward model).
    public init(config: RLRunConfig, world: Communicator?, resume: String? = nil, task: (any VerifiableTask)? = nil,
                reward: (any RewardSource)? = nil, log: @escaping (String) -> Void = { print($0) }) throws {
        self.config = config
        let section = config.rl
        let d = config.distributed
        let layout: RoleLayout
        switch RoleLayout.make(worldSize: world?.size ?? 1, learners: d.learners, rolloutWorkers: d.rolloutWorkers) {
        case .success(let made): layout = made
        case .failure(let reason): throw RunConfigError(location: "distributed", message: reason.description)
        }
        try Self.validate(section, layout: layout)
        if (config.model.lora?.settings.dropout ?? 0) > 0 {
            throw RunConfigError(location: "model.lora.dropout", message: "must be 0 in RL: the importance ratios compare π and π_old, which dropout would make two different networks")
        }
        if config.model.lora != nil && section.rolloutPrecision == .bf16 {
            throw RunConfigError(location: "rl.rollout_precision", message: "bf16 decodes a BF16 copy of the base matrices, which would drop model.lora's adapters; use fp32")
        }
        groups = try RoleGroups(world: world, layout: layout)

        let task = try task ?? Self.catalogTask(section)
        let policy = try TrainingRun<RLSection, RLTrainerState>.loadPolicy(config)
        model = policy.model
        let template = try ChatTemplate(tokenizer: policy.tokenizer, format: config.data.chatFormat)
        let stream = try PromptStream(file: config.data.train, task: task, template: template,
                                      promptsPerBatch: section.promptsPerStep, seed: config.data.seed,
                                      maxPositions: model.config.maxPositions)
        let learned = try section.rewardModel.map {
            try RewardModelReward(directory: URL(fileURLWithPath: $0), task: task, template: template, batchSize: section.rolloutBatch)
        }
        let engine = RolloutEngine(model: model, template: template, task: task, reward: reward ?? learned ?? TaskReward(task: task),
                                   section: section)
        switch groups.role {
        case .learner:
            let learners = try TrainingWorld(comm: groups.learners).withGradientSync(d)
            role = .learner(try RLLearner(config: config, world: learners, groups: groups, policy: policy, task: task,
                                          stream: stream, engine: engine, log: log))
        case .rolloutWorker(let index):
            role = .rolloutWorker(RolloutWorker(index: index, groups: groups, model: model, stream: stream, engine: engine))
        }

        let everyone = try TrainingWorld(comm: world)
        try everyone.agree(Int(bitPattern: UInt(truncatingIfNeeded: stream.fingerprint)),
                           on: "the prompts in \(config.data.train) (every rank must read the same file)")
        if let resume, case .learner(let learner) = role { try learner.restore(resume) }
        try everyone.broadcastWeights(of: model)  // rollout workers start from the learners' weights
    }

    /// The task `rl.task` names, with `rl.rule` and `rl.reward`; an error names the key at fault.
    static func catalogTask(_ section: RLSection) throws -> any VerifiableTask {
        do {
            return try TaskCatalog.task(named: section.task, settings: TaskSettings(rule: section.rule, reward: section.reward))
        } catch {
            // The catalog's reasons start with the setting at fault ("rule does not apply…",
            // "unknown reward…", "needs a rule…"); anything else is about the task itself.
            let reason = (error as? DataError)?.reason ?? "\(error)"
            let words = reason.split(separator: " ").prefix(3).map(String.init)
            let key = words.contains("rule") ? "rl.rule" : words.contains("reward") ? "rl.reward" : "rl.task"
            throw RunConfigError(location: key, message: "\(error)")
        }
    }

    /// Runs the role of this rank to `train.steps` (or `stopAfter`, with a checkpoint there;
    /// the schedule still follows `train.steps`, so resuming continues the same run).
    public func run(stopAfter: Int? = nil) throws {
        switch role {
        case .rolloutWorker(let worker): try worker.serve()
        case .learner(let learner): try learner.learn(until: learner.run.endStep(stopAfter: stopAfter))
        }
    }

    private var learner: RLLearner? {
        if case .learner(let learner) = role { return learner }
        return nil
    }

    /// The learner's resumable state (nil on rollout workers, which keep none).
    public var state: RLTrainerState? { learner?.run.state }
    /// PPO's value head (learners).
    var valueHead: ValueHead? { learner?.valueHead }
    /// Step records of this process (coordinator), for tests and summaries.
    public var history: [RLStepRecord] { learner?.history ?? [] }
    /// Held-out greedy results by step (coordinator), the first at the starting step.
    public var evaluations: [Int: TaskEvalCounts] { learner?.evaluations ?? [:] }
    /// Called on every learner after each step, with the step number (progress hooks, fault drills).
    public var afterStep: ((Int) -> Void)? {
        get { learner?.run.afterStep }
        set { learner?.run.afterStep = newValue }
    }
    /// Called on every rollout worker after it sends a batch, with the batch number (fault drills).
    public var afterRollout: ((Int) -> Void)? {
        get { if case .rolloutWorker(let worker) = role { return worker.afterRollout }; return nil }
        set { if case .rolloutWorker(let worker) = role { worker.afterRollout = newValue } }
    }

    public var isCoordinator: Bool { groups.role == .learner(index: 0) }

    /// The configured run's consistency checks that no single key can express.
    private static func validate(_ s: RLSection, layout: RoleLayout) throws {
        if s.algorithm == .grpo && s.groupSize < 2 {
            throw RunConfigError(location: "rl.group_size", message: "GRPO compares answers within a group; it needs at least 2, got \(s.groupSize)")
        }
        if s.rolloutPrecision != .fp32 && s.mode == .async {
            throw RunConfigError(location: "rl.rollout_precision", message: "learners recompute log π_old of BF16 rollouts with their current weights, which in async mode are one version newer than the weights that sampled; use sync mode or fp32 rollouts")
        }
        if s.stalenessBound < (s.mode == .async ? 1 : 0) {
            throw RunConfigError(location: "rl.max_staleness", message: "async mode trains on answers one version old; the bound must be at least 1")
        }
        if s.trajectoriesPerStep < layout.learners * s.minibatches {
            throw RunConfigError(location: "rl.minibatches", message: "\(s.trajectoriesPerStep) answers per step cannot fill \(s.minibatches) minibatch(es) on each of \(layout.learners) learner(s)")
        }
        if !layout.isColocated && s.promptsPerStep < layout.rolloutWorkers {
            throw RunConfigError(location: "rl.prompts_per_step", message: "\(s.promptsPerStep) prompts per step leave some of the \(layout.rolloutWorkers) rollout workers idle")
        }
    }
}
