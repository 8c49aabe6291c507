import FinchData
import FinchTasks
import FinchDistributed
import FinchModel
import FinchTrain

/// A rollout worker's role: wait for an order and the weights it names, generate and score
/// this worker's share of the batch's prompts, send the answers back; until told to stop.
/// It holds only the policy's weights (no optimiser, no gradients are used) and the prompts.
final class RolloutWorker {
    let index: Int
    let groups: RoleGroups
    let model: Transformer
    var stream: PromptStream
    let engine: RolloutEngine
    /// Called after each batch is sent, with the batch number (fault drills).
    var afterRollout: ((Int) -> Void)?

    init(index: Int, groups: RoleGroups, model: Transformer, stream: PromptStream, engine: RolloutEngine) {
        self.index = index
        self.groups = groups
        self.model = model
        self.stream = stream
        self.engine = engine
    }

    func serve() throws {
        guard let comm = groups.rollout else { throw TrainError("rollout worker \(index) has no rollout group") }
        let channel = RolloutChannel(comm: comm)
        let workers = groups.layout.rolloutWorkers
        while true {
            let order = try channel.nextOrder(weights: [model.trainable.params.buffer])
            if order.stop { return }
            Watchdog.note(step: order.batch + 1)
            let globals = Array(stream.globalIndices(ofBatch: order.batch))
            let share = (index * globals.count / workers)..<((index + 1) * globals.count / workers)
            let prompts = share.map { j -> (global: Int, problem: TaskInstance, tokens: [Int32]) in
                let i = stream.problemIndex(ofGlobal: globals[j])
                return (globals[j], stream.problems[i], stream.tokens[i])
            }
            try channel.submit(try TrajectoryCoding.encode(try engine.rollouts(for: prompts, version: order.version)))
            afterRollout?(order.batch)
        }
    }
}
