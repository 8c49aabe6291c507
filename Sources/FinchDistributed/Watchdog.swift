import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Ends a job one of whose ranks has gone silent: a process stopped (SIGSTOP, a debugger, a
/// frozen VM) or a node lost without its connections closing. MPI notices neither — a rank that
/// waits in a collective for such a peer waits forever — so every rank also keeps a TCP link to
/// rank 0 beside MPI, and a thread of its own sends a heartbeat on it every second saying which
/// step this rank is in and what it waits for. Rank 0 listens to everyone, the others to rank 0.
/// A peer unheard for `timeoutSeconds` ends the job: the message names the step, the operation
/// and the ranks that did not answer, and this process exits non-zero, so mpirun tears the rest
/// down. A slow healthy step (a long save or generation) never fires it: its heartbeat thread
/// keeps talking while the main thread works. A rank that exits closes its link, which only ends
/// the watching of it (MPI already ends a job whose rank died).
public final class Watchdog: @unchecked Sendable {
    /// What this rank's main thread is doing, as the heartbeats report it.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var step = 0
    private static let computing = "computing"
    nonisolated(unsafe) private static var operation = computing
    nonisolated(unsafe) private static var running: Watchdog?

    /// Records the training step this rank is in (or, for a rollout worker, producing).
    public static func note(step: Int) {
        lock.lock(); defer { lock.unlock() }
        Self.step = step
    }

    /// Runs `body` with `name` as this rank's reported operation (a collective, a wait for
    /// trajectories), then restores the one before; nested, the names join
    /// ("waiting for the rollout workers' trajectories: MPI_Gatherv to rank 0").
    @inline(__always)
    public static func during<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        lock.lock()
        let before = operation
        operation = before == computing ? name : "\(before): \(name)"
        lock.unlock()
        defer { lock.lock(); operation = before; lock.unlock() }
        return try body()
    }

    static var activity: (step: Int, operation: String) {
        lock.lock(); defer { lock.unlock() }
        return (step, operation)
    }

    /// Starts the watchdog on every rank of `comm` (collective). Nothing to do for one rank or a
    /// timeout of 0; a second call keeps the first watchdog.
    public static func start(comm: Communicator, timeoutSeconds: Double) throws {
        guard comm.size > 1, timeoutSeconds > 0, running == nil else { return }
        let links = try HeartbeatLinks.connect(comm: comm)
        let watchdog = Watchdog(rank: comm.rank, links: links, timeout: timeoutSeconds)
        running = watchdog
        let thread = Thread { watchdog.watch() }
        thread.name = "finch-watchdog"
        thread.start()
    }

    private let rank: Int
    private var links: [HeartbeatLinks.Link]
    private let timeout: Double
    private let interval: Double

    private init(rank: Int, links: [HeartbeatLinks.Link], timeout: Double) {
        (self.rank, self.links, self.timeout) = (rank, links, timeout)
        interval = min(1, timeout / 5)
    }

    private func watch() {
        var lastSent = Date.distantPast
        while links.contains(where: { !$0.closed }) {
            let now = Date()
            if now.timeIntervalSince(lastSent) >= interval {
                let (step, operation) = Self.activity
                let beat = Heartbeat(rank: rank, step: step, operation: operation).bytes
                for i in links.indices where !links[i].closed { links[i].send(beat) }
                lastSent = now
            }
            HeartbeatLinks.poll(&links, milliseconds: Int32(interval * 1000))
            let silent = links.filter { !$0.closed && Date().timeIntervalSince($0.lastHeard) > timeout }
            if !silent.isEmpty { fail(silent) }
        }
    }

    private func fail(_ silent: [HeartbeatLinks.Link]) -> Never {
        let (step, operation) = Self.activity
        let who = silent.map { link in
            "rank \(link.rank) (last heard \(Int(Date().timeIntervalSince(link.lastHeard))) s ago, "
                + "in step \(link.last?.step ?? 0), \(link.last?.operation ?? "starting"))"
        }.joined(separator: "; ")
        let message = "watchdog on rank \(rank): no heartbeat for over \(Int(timeout)) s from \(who); this rank is in step \(step), "
            + "\(operation). A stopped or frozen process or a lost node: ending the job (distributed.timeout_s: \(timeout)).\n"
        FileHandle.standardError.write(Data(message.utf8))
        // Not exit(): atexit handlers would finalise MPI from this thread while the main one waits in it.
        _exit(75)
    }
}

/// One heartbeat: who sends it, the step it is in and what it waits for, in 160 bytes.
struct Heartbeat: Equatable {
    static let size = 160
    private static let magic: [UInt8] = Array("FWD1".utf8)
    var rank: Int
    var step: Int
    var operation: String

    var bytes: [UInt8] {
        var out = Self.magic
        withUnsafeBytes(of: Int32(truncatingIfNeeded: rank).littleEndian) { out += $0 }
        withUnsafeBytes(of: Int64(step).littleEndian) { out += $0 }
        out += Array(operation.utf8.prefix(Self.size - out.count))
        return out + [UInt8](repeating: 0, count: Self.size - out.count)
    }

    init(rank: Int, step: Int, operation: String) {
        (self.rank, self.step, self.operation) = (rank, step, operation)
    }

    /// Nil for anything that is not a heartbeat.
    init?(_ bytes: ArraySlice<UInt8>) {
        guard bytes.count == Self.size, Array(bytes.prefix(4)) == Self.magic else { return nil }
        let b = Array(bytes)
        rank = Int(b[4..<8].withUnsafeBytes { Int32(littleEndian: $0.loadUnaligned(as: Int32.self)) })
        step = Int(b[8..<16].withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) })
        operation = String(decoding: b[16...].prefix { $0 != 0 }, as: UTF8.self)
    }
}
