/// Which ranks of an RL job learn and which generate.
///
/// Ranks `0..<learners` are learners (rank 0, the coordinator, among them); the remaining
/// `rolloutWorkers` ranks generate. With no rollout workers every learner also generates its
/// share of each batch (colocated), which is how a single process runs RL on a laptop.
public struct RoleLayout: Equatable, Sendable {
    public enum Role: Equatable, Sendable {
        /// Learner number `index` (its rank in the learner group).
        case learner(index: Int)
        /// Rollout worker number `index` (0 is the first rank after the learners).
        case rolloutWorker(index: Int)
    }

    public let worldSize: Int
    public let learners: Int
    public let rolloutWorkers: Int

    /// `learners` nil means every rank that is not a rollout worker. Returns the reason when
    /// the numbers do not fit the world.
    public static func make(worldSize: Int, learners: Int?, rolloutWorkers: Int) -> Result<RoleLayout, RoleLayoutError> {
        guard rolloutWorkers >= 0 else { return .failure(RoleLayoutError("rollout_workers must be at least 0")) }
        let learnerCount = learners ?? (worldSize - rolloutWorkers)
        guard learnerCount >= 1 else {
            return .failure(RoleLayoutError("\(rolloutWorkers) rollout worker(s) on \(worldSize) rank(s) leave no rank to learn; rank 0 must be a learner"))
        }
        guard learnerCount + rolloutWorkers == worldSize else {
            return .failure(RoleLayoutError("\(learnerCount) learner(s) + \(rolloutWorkers) rollout worker(s) = \(learnerCount + rolloutWorkers) ranks, but the job has \(worldSize)"))
        }
        return .success(RoleLayout(worldSize: worldSize, learners: learnerCount, rolloutWorkers: rolloutWorkers))
    }

    private init(worldSize: Int, learners: Int, rolloutWorkers: Int) {
        self.worldSize = worldSize
        self.learners = learners
        self.rolloutWorkers = rolloutWorkers
    }

    /// Learners generate their own rollouts.
    public var isColocated: Bool { rolloutWorkers == 0 }

    public func role(ofRank rank: Int) -> Role {
        precondition(rank >= 0 && rank < worldSize, "rank \(rank) outside a world of \(worldSize)")
        return rank < learners ? .learner(index: rank) : .rolloutWorker(index: rank - learners)
    }
}

public struct RoleLayoutError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The communicators of an RL job, split from the world by role.
///
/// - `learners`: the learner ranks, for gradient all-reduce and for sharing each assembled
///   batch; nil on rollout workers.
/// - `rollout`: rank 0 plus the rollout workers (rank 0 is its root): weights go out by
///   broadcast on it and trajectories come back by gather. Nil on other learners and when
///   colocated.
public final class RoleGroups {
    public let layout: RoleLayout
    public let role: RoleLayout.Role
    public let learners: Communicator?
    public let rollout: Communicator?

    /// Collective over `world`: every rank must call it with the same layout. Without a world
    /// (a plain single process) there is one learner and nothing to split.
    public init(world: Communicator?, layout: RoleLayout) throws {
        self.layout = layout
        let rank = world?.rank ?? 0
        role = layout.role(ofRank: rank)
        guard let world, world.size > 1 else {
            learners = world
            rollout = nil
            return
        }
        let isLearner = rank < layout.learners
        let learnerSplit = try world.split(color: isLearner ? 0 : 1, key: rank)
        learners = isLearner ? learnerSplit : nil
        if layout.isColocated {
            rollout = nil
        } else {
            let inRollout = rank == 0 || !isLearner
            let rolloutSplit = try world.split(color: inRollout ? 0 : 1, key: rank)
            rollout = inRollout ? rolloutSplit : nil
        }
    }
}
