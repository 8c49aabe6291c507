/// `distributed:` — how ranks share the work. Optional: a run without it uses the defaults,
/// and a single process ignores it.
public struct DistributedSection: ConfigSection {
    public var bucketMB = 25
    public var overlapGradSync = true
    public var learners: Int?
    public var rolloutWorkers = 0
    public var timeoutSeconds = 60.0

    public init() {}

    public init(bucketMB: Int = 25, learners: Int? = nil, rolloutWorkers: Int = 0) {
        self.bucketMB = bucketMB
        self.learners = learners
        self.rolloutWorkers = rolloutWorkers
    }

    public static let keys: [ConfigKey<DistributedSection>] = [
        .value("bucket_mb", \.bucketMB, .integer(atLeast: 1),
               "Gradient all-reduce bucket size in MiB: large enough that per-call latency is negligible, small enough that MPI's scratch memory stays modest."),
        .value("overlap_grad_sync", \.overlapGradSync, .boolean,
               "Start each gradient bucket's all-reduce as soon as the backward pass has finished its layers (as PyTorch DDP does) instead of after the whole pass; the sums are the same."),
        .value("learners", \.learners, .integer(atLeast: 1), "RL: ranks that train (default: every rank that is not a rollout worker)."),
        .value("rollout_workers", \.rolloutWorkers, .integer(atLeast: 0),
               "RL: ranks that only generate and score; 0 means learners generate their own (colocated)."),
        .value("timeout_s", \.timeoutSeconds, .number(.nonNegative),
               "Seconds without a heartbeat from a rank (stopped, frozen, its node lost) before the watchdog ends the job, naming it; 0 turns the watchdog off. Slow steps do not count: heartbeats come from a thread of their own."),
    ]
}
