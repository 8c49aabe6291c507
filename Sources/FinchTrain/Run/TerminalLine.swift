#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The live progress line on a terminal: redrawn in place (carriage return, clear line) when
/// standard output is a TTY, so a run shows its step, loss and ETA without scrolling; other
/// output first clears it. When standard output is a file or a pipe (a log, `mpirun`'s
/// forwarding) nothing is drawn and the usual one line per `logging.every` is all there is.
public final class TerminalLine: @unchecked Sendable {
    public static let shared = TerminalLine(isTerminal: isatty(STDOUT_FILENO) != 0)

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
