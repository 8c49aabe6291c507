import Foundation

/// Runs a program as an MPI job under `mpirun`, with the settings this kind of
/// machine needs and a hard deadline, and reports how it ended.
///
/// Lives in the library rather than in a test target because SwiftPM test
/// targets cannot depend on one another: every layer's tests that need
/// several ranks (and a `finch` command that relaunches itself) use this one
/// launcher. `launch/mpirun-local` applies the same settings for humans.
public struct MPIJob {
    /// Ranks to start (`mpirun -np`).
    public var processCount: Int
    /// After this many seconds `mpirun` kills the job (its `--timeout`); a few
    /// seconds later this process kills `mpirun` itself should it not exit.
    public var timeoutSeconds: Int

    public init(processCount: Int, timeoutSeconds: Int = 120) {
        self.processCount = processCount
        self.timeoutSeconds = timeoutSeconds
    }

    /// How long past the deadline `mpirun` gets to tear the job down before it is killed.
    private static let teardownGraceSeconds = 10.0

    /// Starts `executable` on every rank and waits for the job to end.
    ///
    /// Standard output and error of all ranks go to one temporary file rather
    /// than a pipe, so a rank that outlives a killed `mpirun` cannot block the
    /// reader and ranks never stall on a full pipe.
    public func run(executable: String, arguments: [String] = [],
                    environment extra: [String: String] = [:]) throws -> MPIJobResult {
        let logURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("finch-mpijob-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: logURL.path, contents: nil) else {
            throw DistributedError(operation: "MPIJob.run", rank: nil, reason: "cannot create output log \(logURL.path)")
        }
        defer { try? FileManager.default.removeItem(at: logURL) }
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }

        let process = Process()
        // Through `env`, so that `mpirun` is found on PATH wherever OpenMPI is installed.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["mpirun"] + mpirunOptions() + [executable] + arguments
        process.environment = launchEnvironment().merging(extra) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log

        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        let start = Date()
        do {
            try process.run()
        } catch {
            throw DistributedError(operation: "MPIJob.run", rank: nil, reason: "cannot start mpirun: \(error)")
        }
        let deadline = DispatchTime.now() + .milliseconds(Int((Double(timeoutSeconds) + Self.teardownGraceSeconds) * 1000))
        if finished.wait(timeout: deadline) == .timedOut {
            process.terminate()
            if finished.wait(timeout: .now() + .seconds(5)) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                finished.wait()
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        // Decoded leniently: a rank killed mid-write may leave a broken UTF-8 sequence.
        let output = String(decoding: (try? Data(contentsOf: logURL)) ?? Data(), as: UTF8.self)
        return MPIJobResult(exitCode: process.terminationStatus,
                            terminatedBySignal: process.terminationReason == .uncaughtSignal,
                            timedOut: elapsed >= Double(timeoutSeconds), elapsedSeconds: elapsed, output: output)
    }

    /// `mpirun` options: oversubscribe when there are more ranks than cores
    /// (OpenMPI refuses otherwise), and let `mpirun` enforce the deadline itself
    /// so it can tear the job down cleanly.
    func mpirunOptions() -> [String] {
        var options = ["-np", String(processCount), "--timeout", String(timeoutSeconds)]
        if processCount > ProcessInfo.processInfo.activeProcessorCount {
            options.append("--oversubscribe")
        }
        return options
    }

    /// This process's environment from before MPI started here, for any child process: a
    /// singleton MPI process carries PMIx and OpenMPI variables that describe itself, and a
    /// child `mpirun` (or `finch`) that inherits them fails, silently.
    public static var environmentForChildren: [String: String] {
        MPIRuntime.environmentBeforeStart ?? ProcessInfo.processInfo.environment
    }

    /// The environment for `mpirun`: this process's environment from before MPI
    /// started (a singleton MPI process carries PMIx variables that would
    /// confuse a child `mpirun`), plus the settings a container needs.
    func launchEnvironment() -> [String: String] {
        var environment = Self.environmentForChildren
        if geteuid() == 0 {
            // OpenMPI refuses to run as root unless told twice.
            environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        }
        // Containers usually forbid the cross-memory-attach calls of the shared-memory transport.
        environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
        if environment["OPENBLAS_NUM_THREADS"] == nil {
            // Split the cores between ranks so BLAS threads do not oversubscribe them.
            let cores = ProcessInfo.processInfo.activeProcessorCount
            environment["OPENBLAS_NUM_THREADS"] = String(max(1, cores / max(1, processCount)))
        }
        return environment
    }
}
