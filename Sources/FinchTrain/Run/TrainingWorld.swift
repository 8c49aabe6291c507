import Foundation
import FinchDistributed
import FinchModel

/// The ranks of a training job, as the algorithms see them: who coordinates, which share of
/// a global batch is mine, and the few collectives training needs. With no communicator it is
/// a world of one, so every algorithm runs unchanged without `mpirun`.
///
/// Rank 0 is the coordinator: it reads the config, loads checkpoints, prints, writes metrics
/// and saves. Every rank, the coordinator included, computes gradients on its own share.
public final class TrainingWorld {
    public let comm: Communicator?
    private var sync: GradientSync?
    private let bucketBytes: Int
    /// Whether a step's gradient sum starts during its last backward pass (`distributed.overlap_grad_sync`).
    public let overlapsGradientSync: Bool
    /// How `sumGradients(of:during:)` sums, chosen at its first (collective) call: through shared
    /// memory when every rank is on this node, else bucketed non-blocking all-reduces when
    /// overlapping, else nil (blocking buckets after the pass).
    private var stepSum: StepSum = .undecided
    private enum StepSum { case undecided, afterBackward, duringBackward(GradientSumDuringBackward) }
    /// Seconds the last `sumGradients(of:during:)` spent summing after its backward pass ended.
    public private(set) var exposedSyncSeconds = 0.0

    /// Whether ranks that share a node may sum through shared memory (tests turn it off to
    /// compare with MPI's all-reduce).
    let allowsSharedMemory: Bool

    public convenience init(comm: Communicator?, bucketBytes: Int = 25 << 20, overlap: Bool = true) throws {
        try self.init(comm: comm, bucketBytes: bucketBytes, overlap: overlap, sharedMemory: true)
    }

    init(comm: Communicator?, bucketBytes: Int, overlap: Bool, sharedMemory: Bool) throws {
        self.comm = comm
        self.bucketBytes = bucketBytes
        overlapsGradientSync = overlap
        allowsSharedMemory = sharedMemory
        if let comm, comm.size > 1 { sync = try GradientSync(comm: comm, bucketBytes: bucketBytes) }
    }

    public static func single() -> TrainingWorld { try! TrainingWorld(comm: nil) }

    public var rank: Int { comm?.rank ?? 0 }
    public var size: Int { comm?.size ?? 1 }
    public var isCoordinator: Bool { rank == 0 }

    /// This rank's contiguous share of `count` items (e.g. the samples of a global batch):
    /// rank r gets [r·count/size, (r+1)·count/size), a rule of the global index alone, so the
    /// same global batch is split the same way after a resume on any number of ranks.
    public func share(of count: Int) -> Range<Int> {
        (rank * count / size)..<((rank + 1) * count / size)
    }

    /// Element-wise sums over ranks (loss numerators, token counts, eval tallies), in Double.
    public func sum(_ values: [Double]) throws -> [Double] {
        guard let comm, comm.size > 1 else { return values }
        var v = values
        try comm.allReduce(&v, .sum)
        return v
    }

    /// Sums every rank's gradients in place, bucket by bucket.
    public func sumGradients(_ buffer: FlatBuffer) throws {
        try sync?.sum(buffer.buffer)
    }

    /// Runs `body` — a step's last backward pass through `pass`, after which `pass.model`'s
    /// trainable gradients are final — and sums every rank's gradients in place. Ranks on one
    /// node sum through shared memory (`SharedMemoryGradientSum`), others by bucketed
    /// all-reduces; with overlap on, the sum starts on each layer as soon as the pass has
    /// finished it. `exposedSyncSeconds` then holds how long the sum took after the pass.
    public func sumGradients<T>(of pass: TrainingPass, during body: () throws -> T) throws -> T {
        guard let comm, comm.size > 1 else { exposedSyncSeconds = 0; return try body() }
        let grads = pass.model.trainable.grads
        if case .undecided = stepSum {
            let sum: GradientSumDuringBackward? = try (allowsSharedMemory ? SharedMemoryGradientSum.make(comm: comm) : nil)
                ?? (overlapsGradientSync ? try OverlappedGradientSync(comm: comm, bucketBytes: bucketBytes) : nil)
            stepSum = sum.map { .duringBackward($0) } ?? .afterBackward
        }
        guard case .duringBackward(let sum) = stepSum else {
            let result = try body()
            let t0 = DispatchTime.now().uptimeNanoseconds
            try sumGradients(grads)
            exposedSyncSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            return result
        }
        try sum.begin(grads.buffer)
        // A LoRA model's trainable gradients are its adapters', which the pass does not track.
        if overlapsGradientSync && pass.model.lora == nil { pass.gradientsFinal = { sum.ready(from: $0) } }
        defer { pass.gradientsFinal = nil }
        let result: T
        do { result = try body() } catch { _ = try? sum.finish(); throw error }
        exposedSyncSeconds = try sum.finish()
        return result
    }

    /// Copies the coordinator's buffer to every rank.
    public func broadcast(_ buffer: FlatBuffer) throws {
        guard let comm, comm.size > 1 else { return }
        try comm.broadcast(buffer.buffer, root: 0)
    }

    /// The coordinator's weights on every rank: the model's, and its LoRA adapters if it has them.
    public func broadcastWeights(of model: Transformer) throws {
        try broadcast(model.params)
        if let lora = model.lora { try broadcast(lora.params) }
    }

    /// The coordinator's value on every rank (others pass nil). If the coordinator has none,
    /// every rank throws together instead of waiting for a value that will never come.
    public func broadcast<T: Codable>(_ value: T?) throws -> T {
        guard let comm, comm.size > 1 else {
            guard let value else { throw TrainError("broadcast: the coordinator has no value") }
            return value
        }
        return try comm.broadcastValue(value, root: 0)
    }

    /// Checks that every rank holds the same `value`, naming `what` and the ranks' values if not.
    public func agree(_ value: Int, on what: String) throws {
        guard let comm, comm.size > 1 else { return }
        let all = try comm.allGather(value)
        guard Set(all).count == 1 else { throw TrainError("ranks disagree on \(what): \(all)") }
    }

    public func barrier() throws { try comm?.barrier() }

    /// Ends the job if a rank goes silent for `timeoutSeconds` (`Watchdog`); 0 turns it off.
    public func startWatchdog(timeoutSeconds: Double) throws {
        if let comm { try Watchdog.start(comm: comm, timeoutSeconds: timeoutSeconds) }
    }

    /// Cores per rank on this node (`train.threads: 0`): the launcher says how many ranks share
    /// the node (OpenMPI or Slurm), and ranks that oversubscribe cores only slow each other down.
    public static var coresPerLocalRank: Int {
        let env = ProcessInfo.processInfo.environment
        let local = Int(env["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? env["SLURM_NTASKS_PER_NODE"] ?? "") ?? 1
        return max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, local))
    }

    /// Ends the whole job at once after an error on this rank: the peers may be waiting in a
    /// collective this rank will never join, and hanging is worse than stopping.
    public func abort(_ error: Error) -> Never {
        let message = "rank \(rank): \(error)"
        if let comm, comm.size > 1 { comm.abort(code: 1, message: message) }
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}

extension TrainingWorld {
    /// The same ranks with the gradient sum the config's `distributed:` section asks for:
    /// buckets of `bucket_mb` MiB, overlapped with backward or not (`overlap_grad_sync`).
    public func withGradientSync(_ d: DistributedSection) throws -> TrainingWorld {
        try TrainingWorld(comm: comm, bucketBytes: d.bucketMB << 20, overlap: d.overlapGradSync)
    }
}
