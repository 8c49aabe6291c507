import FinchTrain
import FinchData
import FinchTasks
import FinchDistributed
import Foundation

/// Where a learner's batches come from. `request` starts batch b with the current weights
/// (version v); `collect` returns it, in (prompt, sample) order, identical on every learner.
/// Sync mode requests and collects each batch before its update; async mode requests batch
/// b + 1 before training on batch b.
protocol RolloutSource {
    func request(batch: Int, version: Int) throws
    func collect(batch: Int) throws -> [Trajectory]
    /// Tells dedicated rollout workers to stop; nothing for colocated rollouts.
    func finish() throws
}

/// Sorts a batch and checks it is exactly the answers asked for: every (prompt, sample) once,
/// with its tries 0, 1, … in order, none beyond `revisions`.
func assembled(_ parts: [[Trajectory]], batch: Int, stream: PromptStream, groupSize: Int, revisions: Int = 0) throws -> [Trajectory] {
    let all = parts.joined().sorted { ($0.prompt, $0.sample, $0.revision) < ($1.prompt, $1.sample, $1.revision) }
    let expected = stream.globalIndices(ofBatch: batch).flatMap { p in (0..<groupSize).map { (p, $0) } }
    let firstTries = all.filter { $0.revision == 0 }
    var complete = firstTries.count == expected.count
        && zip(firstTries, expected).allSatisfy { $0.prompt == $1.0 && $0.sample == $1.1 }
    for (previous, next) in zip(all, all.dropFirst()) where next.revision > 0 {
        let follows = previous.prompt == next.prompt && previous.sample == next.sample && previous.revision + 1 == next.revision
        if !follows || next.revision > revisions || previous.correct { complete = false }
    }
    if all.first.map({ $0.revision > 0 }) == true { complete = false }
    guard complete else {
        throw TrainError("batch \(batch): received \(all.count) answers that are not the \(expected.count) requested (prompts \(stream.globalIndices(ofBatch: batch)), \(groupSize) each" + (revisions > 0 ? ", each with up to \(revisions) revision(s) after a wrong try)" : ")"))
    }
    return all
}

/// Learners generate their own answers: each its share of the batch's prompts, with its own
/// copy of the weights (identical on every learner), then every learner gets the whole batch.
final class ColocatedRollouts: RolloutSource {
    let engine: RolloutEngine
    var stream: PromptStream
    let learners: Communicator?
    let world: TrainingWorld
    private var pending: [Int: [Trajectory]] = [:]

    init(engine: RolloutEngine, stream: PromptStream, world: TrainingWorld) {
        self.engine = engine
        self.stream = stream
        self.world = world
        learners = world.comm
    }

    func request(batch: Int, version: Int) throws {
        let globals = Array(stream.globalIndices(ofBatch: batch))
        let mine = world.share(of: globals.count).map { globals[$0] }
        let prompts = mine.map { g -> (global: Int, problem: TaskInstance, tokens: [Int32]) in
            let i = stream.problemIndex(ofGlobal: g)
            return (g, stream.problems[i], stream.tokens[i])
        }
        let local = try engine.rollouts(for: prompts, version: version)
        guard let comm = learners, comm.size > 1 else {
            pending[batch] = try assembled([local], batch: batch, stream: stream, groupSize: engine.section.groupSize,
                                           revisions: engine.section.revisions)
            return
        }
        var whole = Data()
        if let gathered = try comm.gatherBytes(try TrajectoryCoding.encode(local), root: 0) {
            let parts = try gathered.enumerated().map { try TrajectoryCoding.decode($1, from: "learner \($0)") }
            whole = try TrajectoryCoding.encode(assembled(parts, batch: batch, stream: stream, groupSize: engine.section.groupSize,
                                                          revisions: engine.section.revisions))
        }
        pending[batch] = try TrajectoryCoding.decode(try comm.broadcastBytes(whole, root: 0), from: "the coordinator")
    }

    func collect(batch: Int) throws -> [Trajectory] {
        guard let trajectories = pending.removeValue(forKey: batch) else { throw TrainError("batch \(batch) was never requested") }
        return trajectories
    }

    func finish() throws {}
}

/// Dedicated rollout workers: the coordinator publishes orders with the weights and gathers
/// the answers; other learners receive each assembled batch from the coordinator.
final class RemoteRollouts: RolloutSource {
    let channel: RolloutChannel?     // on the coordinator
    let learners: Communicator?      // all learners, to share batches
    let weights: [UnsafeMutableBufferPointer<Float>]
    let stream: PromptStream
    let groupSize: Int
    let revisions: Int

    init(channel: RolloutChannel?, learners: Communicator?, weights: [UnsafeMutableBufferPointer<Float>],
         stream: PromptStream, groupSize: Int, revisions: Int) {
        self.channel = channel
        self.learners = learners
        self.weights = weights
        self.stream = stream
        self.groupSize = groupSize
        self.revisions = revisions
    }

    func request(batch: Int, version: Int) throws {
        try channel?.publish(RolloutOrder(batch: batch, version: version), weights: weights)
    }

    func collect(batch: Int) throws -> [Trajectory] {
        var data: Data?
        if let channel {
            let parts = try channel.collect().enumerated().map { worker, bytes in
                try TrajectoryCoding.decode(bytes, from: "rollout worker \(worker)")
            }
            let whole = try assembled(parts, batch: batch, stream: stream, groupSize: groupSize, revisions: revisions)
            guard let learners, learners.size > 1 else { return whole }
            data = try TrajectoryCoding.encode(whole)
        }
        guard let learners, learners.size > 1 else { throw TrainError("a learner without the coordinator has no batch source") }
        let shared = try learners.broadcastBytes(data ?? Data(), root: 0)
        return try TrajectoryCoding.decode(shared, from: "the coordinator")
    }

    func finish() throws {
        try channel?.publish(.stopping, weights: weights)
    }
}
