import Foundation

/// What the coordinator asks of the rollout workers: generate batch `batch` with the weights of
/// policy version `version` that follow this order — or stop.
public struct RolloutOrder: Codable, Equatable, Sendable {
    public var batch: Int
    public var version: Int
    public var stop: Bool

    public init(batch: Int, version: Int, stop: Bool = false) {
        self.batch = batch
        self.version = version
        self.stop = stop
    }

    public static let stopping = RolloutOrder(batch: -1, version: -1, stop: true)
}

/// The link between the coordinator (root 0 of the rollout group) and the rollout workers:
/// orders and weights go out by broadcast, results come back by gather.
///
/// Every exchange is collective over the group, so the two sides stay in lock step: a worker
/// cannot run ahead on old weights, because it receives the next order only together with
/// the weights it names. Which buffers travel is the caller's choice: the whole policy after a
/// full update, only the adapters after a LoRA one.
public final class RolloutChannel {
    public let comm: Communicator

    public init(comm: Communicator) { self.comm = comm }

    /// Coordinator: sends `order` and, unless it is a stop, the weights it refers to.
    public func publish(_ order: RolloutOrder, weights: [UnsafeMutableBufferPointer<Float>]) throws {
        precondition(comm.rank == 0, "only the coordinator publishes orders")
        try Watchdog.during("sending the rollout workers an order and weights") {
            _ = try comm.broadcastValue(order, root: 0)
            if !order.stop { for buffer in weights { try comm.broadcast(buffer, root: 0) } }
        }
    }

    /// Worker: waits for the next order and receives the weights that come with it into
    /// `weights` (the same buffers, in the same order, as the coordinator publishes).
    public func nextOrder(weights: [UnsafeMutableBufferPointer<Float>]) throws -> RolloutOrder {
        try Watchdog.during("waiting for the learners' order and weights") {
            let order: RolloutOrder = try comm.broadcastValue(nil, root: 0)
            if !order.stop { for buffer in weights { try comm.broadcast(buffer, root: 0) } }
            return order
        }
    }

    /// Worker: returns its results for the current order.
    public func submit(_ results: Data) throws {
        _ = try Watchdog.during("sending trajectories to the learners") { try comm.gatherBytes(results, root: 0) }
    }

    /// Coordinator: every worker's results for the current order, in worker order.
    public func collect() throws -> [Data] {
        precondition(comm.rank == 0, "only the coordinator collects results")
        return try Watchdog.during("waiting for the rollout workers' trajectories") { Array(try comm.gatherBytes(Data(), root: 0)!.dropFirst()) }
    }
}
