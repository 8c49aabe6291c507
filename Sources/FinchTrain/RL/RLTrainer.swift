import FinchData
import FinchDistributed
import FinchKernels
import FinchModel
import Foundation

/// Reinforcement learning with verifiable (or learned) rewards: GRPO or PPO, over MPI roles.
///
/// Ranks `0..<learners` train (data-parallel, as in SFT); the rest are rollout workers that
/// receive each policy version by broadcast, generate and score answers, and send them back.
/// With no rollout workers the learners generate for themselves (colocated), which is how one
/// process runs everything. Rank 0 coordinates: it orders batches, assembles the answers,
/// logs, evaluates with the other learners, and saves checkpoints.
///
/// Every trajectory carries the version of the weights that produced it, and a batch whose
/// answers are older than `rl.max_staleness` versions stops the run: staleness is never silent.
public final class RLTrainer {
    public let config: RunConfig
    public let section: RLSection
    public let groups: RoleGroups
    public let model: Transformer
    public let tokenizer: any Tokenizer
    public internal(set) var state: RLTrainerState
    /// Step records of this process (coordinator), for tests and summaries.
    public internal(set) var history: [RLStepRecord] = []
    /// Held-out greedy results by step (coordinator), the first at the starting step.
    public internal(set) var evaluations: [Int: TaskEvalCounts] = [:]
    /// Called on every learner after each step, with the step number (progress hooks, fault drills).
    public var afterStep: ((Int) -> Void)?
    /// Called on every rollout worker after it sends a batch, with the batch number (fault drills).
    public var afterRollout: ((Int) -> Void)?

    let task: any VerifiableTask
    let learnerWorld: TrainingWorld?
    let valueHead: ValueHead?
    let optimizer: AdamW?
    let headOptimizer: AdamW?
    let store: CheckpointStore
    let log: (String) -> Void
    var stream: PromptStream
    let evalProblems: [TaskInstance]
    let engine: RolloutEngine
    let learner: RLLearner?
    let schedule: LRSchedule
    let metrics: MetricsLog?

    /// Builds the run on every rank of `world` (nil: a single process). `task` replaces the
    /// catalog's task named by `rl.task` (tests use toy tasks); `reward` replaces the task's
    /// verifier as the reward source (a reward model).
    public init(config: RunConfig, world: Communicator?, resume: String? = nil, task: (any VerifiableTask)? = nil,
                reward: (any RewardSource)? = nil, log: @escaping (String) -> Void = { print($0) }) throws {
        guard let section = config.rl else { throw RunConfigError(location: "rl", message: "an RL run needs an 'rl:' section") }
        self.config = config
        self.section = section
        let d = config.distributed
        let layout: RoleLayout
        switch RoleLayout.make(worldSize: world?.size ?? 1, learners: d.learners, rolloutWorkers: d.rolloutWorkers) {
        case .success(let made): layout = made
        case .failure(let reason): throw RunConfigError(location: "distributed", message: reason.description)
        }
        try Self.validate(section, layout: layout)
        groups = try RoleGroups(world: world, layout: layout)
        let isCoordinator = (world?.rank ?? 0) == 0
        self.log = isCoordinator ? log : { _ in }
        KernelThreads.set(config.train.threads > 0 ? config.train.threads : TrainingWorld.coresPerLocalRank)

        let task = try task ?? TaskCatalog.task(named: section.task, settings: TaskSettings(rule: section.rule, reward: section.reward))
        self.task = task
        let policy = try LoadedPolicy(section: config.model)
        model = policy.model
        tokenizer = policy.tokenizer
        let template = try ChatTemplate(tokenizer: tokenizer)
        stream = try PromptStream(file: config.data.train, task: task, template: template,
                                  promptsPerBatch: section.promptsPerStep, seed: config.data.seed,
                                  maxPositions: model.config.maxPositions)
        evalProblems = try config.data.eval.map { try TaskInstanceFile.read(URL(fileURLWithPath: $0), task: task) } ?? []
        engine = RolloutEngine(model: model, tokenizer: tokenizer, reward: reward ?? TaskReward(task: task), section: section)
        let t = config.train
        schedule = LRSchedule(maxLR: Float(t.lr), minLR: Float(t.minLR), warmupSteps: t.warmupSteps, totalSteps: t.steps)
        store = CheckpointStore(root: URL(fileURLWithPath: config.checkpoint.dir), keepLast: config.checkpoint.keepLast)
        metrics = isCoordinator ? try MetricsLog(path: config.logging.metrics) : nil
        state = RLTrainerState(step: 0, promptCursor: 0, policyVersion: 0, optimizerStep: 0,
                               klController: KLController(beta: section.klCoef, target: section.klTarget, horizon: section.klHorizon),
                               reference: Self.describeReference(config.model), elapsedSeconds: 0)

        if case .learner = groups.role {
            learnerWorld = try TrainingWorld(comm: groups.learners).withBuckets(mb: d.bucketMB)
        } else {
            learnerWorld = nil
        }
        if let learnerWorld {
            let adam = AdamWConfig(beta1: Float(t.beta1), beta2: Float(t.beta2), eps: Float(t.eps), weightDecay: Float(t.weightDecay))
            let head = section.algorithm == .ppo ? ValueHead(width: model.config.hiddenSize) : nil
            valueHead = head
            optimizer = AdamW(model: model, config: adam)
            headOptimizer = head.map { AdamW(valueHead: $0, config: adam) }
            let needsReference = section.klCoef > 0 || section.klTarget != nil
            let reference = needsReference ? try LoadedPolicy(section: config.model).model : nil
            learner = RLLearner(section: section, model: model, valueHead: head, reference: reference, optimizer: optimizer!,
                                headOptimizer: headOptimizer, world: learnerWorld, gradClip: Float(t.gradClip),
                                padID: tokenizer.padID)
            if let reference { try learnerWorld.broadcast(reference.params) }
        } else {
            (valueHead, optimizer, headOptimizer, learner) = (nil, nil, nil, nil)
        }

        let everyone = try TrainingWorld(comm: world)
        try everyone.agree(Int(bitPattern: UInt(truncatingIfNeeded: stream.fingerprint)),
                           on: "the prompts in \(config.data.train) (every rank must read the same file)")
        if let resume {
            try restore(resume, world: everyone)
        } else {
            try everyone.broadcast(model.params)
        }
    }

    /// The configured run's consistency checks that no single key can express.
    private static func validate(_ s: RLSection, layout: RoleLayout) throws {
        if s.algorithm == .grpo && s.groupSize < 2 {
            throw RunConfigError(location: "rl.group_size", message: "GRPO compares answers within a group; it needs at least 2, got \(s.groupSize)")
        }
        if s.criticWarmup > 0 && s.algorithm != .ppo {
            throw RunConfigError(location: "rl.critic_warmup", message: "only PPO has a critic to warm up; \(s.algorithm.rawValue) has none")
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

    static func describeReference(_ model: ModelSection) -> String {
        switch model.initialization {
        case .scratch: return "scratch initialisation, seed \(model.seed)"
        case .checkpoint(let path): return "checkpoint \(path)"
        }
    }

    public var isCoordinator: Bool { groups.role == .learner(index: 0) }
}
