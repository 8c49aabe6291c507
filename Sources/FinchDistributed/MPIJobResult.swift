/// How an `MPIJob` ended, with everything its ranks printed.
public struct MPIJobResult {
    /// `mpirun`'s exit code: 0 only if every rank exited 0; the code given to
    /// `MPI_Abort`, or the first failing rank's code, otherwise.
    public let exitCode: Int32
    /// Whether `mpirun` itself died of a signal (then `exitCode` is the signal number).
    public let terminatedBySignal: Bool
    /// Whether the job ran into its deadline.
    public let timedOut: Bool
    public let elapsedSeconds: Double
    /// Standard output and error of `mpirun` and all ranks, interleaved.
    public let output: String

    /// True when the job ran to completion and every rank exited 0.
    public var succeeded: Bool { exitCode == 0 && !terminatedBySignal && !timedOut }
}
