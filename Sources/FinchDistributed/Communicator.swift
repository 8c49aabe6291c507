import CMPI
import Foundation

/// A group of processes that communicate: the whole job (`world()`) or a
/// subgroup made by `split(color:key:)`.
///
/// Each communicator reports MPI failures as thrown `DistributedError`s rather
/// than MPI's default of killing the job, so a caller can log what failed and
/// then decide, typically by calling `abort(code:message:)`. MPI handles are
/// not thread-safe, so a communicator is not `Sendable`: use it from the
/// thread that created the world communicator.
public final class Communicator {
    /// This process's index in the communicator, `0..<size`.
    public let rank: Int
    /// The number of processes in the communicator.
    public let size: Int
    /// The MPI handle, for the collective and point-to-point extensions.
    let handle: MPI_Comm
    /// Whether this object must free the handle; the world communicator is MPI's own.
    private let ownsHandle: Bool

    /// The world communicator, created once so every caller shares one object.
    private static var sharedWorld: Communicator?

    /// All processes of the job, initialising MPI on first use.
    ///
    /// Under `mpirun` that is every launched rank; a program started directly
    /// becomes a one-process world (OpenMPI's singleton mode), so the same code
    /// serves single-process runs and tests.
    public static func world() throws -> Communicator {
        if let world = sharedWorld { return world }
        try MPIRuntime.start()
        let world = try Communicator(adopting: cmpi_comm_world(), ownsHandle: false)
        sharedWorld = world
        return world
    }

    private init(adopting handle: MPI_Comm, ownsHandle: Bool) throws {
        self.handle = handle
        self.ownsHandle = ownsHandle
        try checkMPI(MPI_Comm_set_errhandler(handle, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0
        var size: Int32 = 0
        try checkMPI(MPI_Comm_rank(handle, &rank), "MPI_Comm_rank")
        try checkMPI(MPI_Comm_size(handle, &size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)
    }

    deinit {
        if ownsHandle && !MPIRuntime.isFinalised {
            var handle: MPI_Comm? = handle
            MPI_Comm_free(&handle)
        }
    }

    /// Returns once every process of the communicator has called it.
    public func barrier() throws {
        try Watchdog.during("MPI_Barrier") { try checkMPI(MPI_Barrier(handle), "MPI_Barrier") }
    }

    /// Partitions the communicator: processes passing the same `color` land in
    /// the same new communicator, ranked there by `key` (ties by current rank).
    ///
    /// Collective: every process of this communicator must call it. Typical
    /// use is grouping ranks for model or pipeline parallelism, where each
    /// group then reduces independently of the others.
    public func split(color: Int, key: Int) throws -> Communicator {
        let operation = "MPI_Comm_split"
        var newHandle: MPI_Comm?
        try checkMPI(MPI_Comm_split(handle, try mpiInt(color, "color", operation),
                                    try mpiInt(key, "key", operation), &newHandle), operation)
        guard let newHandle, newHandle != cmpi_comm_null() else {
            throw DistributedError(operation: operation, rank: MPIRuntime.worldRank,
                                   reason: "color \(color) produced no communicator")
        }
        return try Communicator(adopting: newHandle, ownsHandle: true)
    }

    /// Ends the whole job at once, from any single rank.
    ///
    /// A rank that hits an error while its peers wait in a collective would
    /// otherwise leave them blocked forever; `MPI_Abort` makes `mpirun` kill
    /// every rank within a fraction of a second and exit with `code`. The
    /// message goes to standard error first, prefixed with the world rank, so
    /// the job's log says which rank gave up and why.
    ///
    /// The other ways a rank can end are covered by `mpirun` itself (OpenMPI
    /// 4.1, measured with two ranks, the survivor blocked in an all-reduce):
    /// a rank that exits non-zero, exits 0 without finalising MPI, or dies of
    /// a signal (even SIGKILL) makes `mpirun` kill the others and exit
    /// non-zero (the rank's code, or 128 + signal) about a second later. Only
    /// a rank that hangs while alive goes unnoticed; `mpirun --timeout`
    /// (which `MPIJob` always sets) is the backstop for that.
    public func abort(code: Int32, message: String) -> Never {
        let rankText = MPIRuntime.worldRank.map(String.init) ?? "?"
        FileHandle.standardError.write(Data("finch: rank \(rankText) aborting the job (code \(code)): \(message)\n".utf8))
        if MPIRuntime.isInitialised && !MPIRuntime.isFinalised {
            MPI_Abort(handle, code)
        }
        exit(code)
    }
}
