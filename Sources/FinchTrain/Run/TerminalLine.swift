#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The live progress line on a terminal: redrawn in place (carriage return, clear line) when
/// standard output is a TTY, so a run shows its step, loss and ETA without scrolling; other
/// output first clears it. When standard output is a file or a pipe (a log) nothing is drawn
/// and the usual one line per `logging.every` is all there is. Ranks started by a launcher
/// draw nothing either: OpenMPI gives each rank a pseudo-terminal even when `mpirun` itself
/// writes to a file, and Slurm forwards output line by line.
public final class TerminalLine: @unchecked Sendable {
    public static let shared = TerminalLine(isTerminal: isatty(STDOUT_FILENO) != 0 && !launchedByMPI)

    /// Whether an MPI launcher (OpenMPI, a PMI-based one, Slurm's srun) started this process.
    /// Read before MPI starts (`finch` touches `shared` first thing): a process that initialises
    /// MPI by itself gets OpenMPI's variables set in its own environment.
    static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_PROCID"].contains { environment[$0] != nil }
    }

    public let isTerminal: Bool
    private var shown = false
    private let lock = NSLock()

    init(isTerminal: Bool) { self.isTerminal = isTerminal }

    /// Draws `line` in place of the previous progress line (terminals only).
    public func show(_ line: String) {
        guard isTerminal else { return }
        lock.lock(); defer { lock.unlock() }
        fputs("\r\u{1B}[2K" + line, stdout)
        fflush(stdout)
        shown = true
    }

    /// Clears the progress line so the next ordinary line starts clean.
    public func clear() {
        guard isTerminal else { return }
        lock.lock(); defer { lock.unlock() }
        if shown { fputs("\r\u{1B}[2K", stdout); shown = false }
    }
}
