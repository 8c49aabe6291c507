import CMPI
import Foundation

/// The process-wide MPI state: MPI may be initialised once per process and
/// never again after it is finalised, so this is the one place that does both.
///
/// MPI is called only from the thread that initialised it (the "funneled"
/// threading level): Finch's kernels use threads for arithmetic, but all
/// communication happens between steps on the main thread.
enum MPIRuntime {
    /// This process's rank in `MPI_COMM_WORLD`, recorded once MPI is up so that
    /// every error message can say which process failed.
    private(set) static var worldRank: Int?

    /// The environment as it was before MPI started. A singleton MPI process
    /// adds PMIx and OpenMPI variables that describe *itself*; a child `mpirun`
    /// launched from it must not inherit those (see `MPIJob`).
    private(set) static var environmentBeforeStart: [String: String]?

    static var isInitialised: Bool {
        var flag: Int32 = 0
        MPI_Initialized(&flag)
        return flag != 0
    }

    static var isFinalised: Bool {
        var flag: Int32 = 0
        MPI_Finalized(&flag)
        return flag != 0
    }

    /// Initialises MPI unless something else in the process already did, and
    /// arranges for `MPI_Finalize` at exit so that `mpirun` sees a clean end.
    ///
    /// Without `mpirun` (no `OMPI_COMM_WORLD_SIZE` in the environment) OpenMPI
    /// starts as a singleton: a world of one process, so single-process runs and
    /// tests need no separate code path.
    static func start() throws {
        if isFinalised {
            throw DistributedError(operation: "MPI_Init_thread", rank: worldRank,
                                   reason: "MPI was already finalised in this process and cannot be restarted")
        }
        if !isInitialised {
            environmentBeforeStart = ProcessInfo.processInfo.environment
            var provided: Int32 = 0
            try checkMPI(MPI_Init_thread(nil, nil, cmpi_thread_funneled(), &provided), "MPI_Init_thread")
            atexit { MPIRuntime.finishAtExit() }
            if provided < cmpi_thread_funneled() {
                throw DistributedError(operation: "MPI_Init_thread", rank: nil,
                                       reason: "the MPI library grants thread level \(provided), below MPI_THREAD_FUNNELED")
            }
        }
        var rank: Int32 = 0
        try checkMPI(MPI_Comm_rank(cmpi_comm_world(), &rank), "MPI_Comm_rank")
        worldRank = Int(rank)
    }

    /// Finalises MPI at process exit. Only the initialisation done by `start()`
    /// registers this, so MPI started by a host program is left to that program.
    private static func finishAtExit() {
        if isInitialised && !isFinalised {
            MPI_Finalize()
        }
    }
}
