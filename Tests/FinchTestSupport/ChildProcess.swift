import FinchDistributed
import FinchTasks
import Foundation

/// How a child process ended: its exit status, whether a signal ended it, and everything it
/// wrote to stdout and stderr, interleaved.
public struct ChildProcessResult {
    public let status: Int32
    public let signalled: Bool
    public let output: String
}

/// Runs `executable` to the end, as a user's shell would. Its environment is this process's
/// from before MPI started (`MPIJob.environmentForChildren`), so a child `mpirun` or `finch`
/// works even after a test started MPI here, plus `environment`.
public func runChildProcess(_ executable: URL, _ arguments: [String],
                            environment: [String: String] = [:]) throws -> ChildProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = MPIJob.environmentForChildren.merging(environment) { _, new in new }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ChildProcessResult(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                              output: String(decoding: data, as: UTF8.self))
}

/// The suite's `finch` executable run with `arguments`.
public func runFinch(_ arguments: [String]) throws -> ChildProcessResult {
    try runChildProcess(try finchExecutable(), arguments)
}

/// Addition problems of 1 to `maxDigits` digits as SFT data (`train.jsonl`, `eval.jsonl`) in
/// `<dir>/data`, for tests that train through the command line; returns that directory.
public func writeAdditionSFTData(in dir: URL, count: Int, evalCount: Int, maxDigits: Int) throws -> URL {
    let data = dir.appendingPathComponent("data")
    try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    _ = try TaskDataset.generate(task: TaskCatalog.task(named: "addition", settings: TaskSettings(minDigits: 1, maxDigits: maxDigits)),
                                 count: count, evalCount: evalCount, seed: 1, format: .sft, directory: data)
    return data
}

/// What a test needs from the machine and did not get (a mount, namespaces): an error that
/// fails the test with the reason, never a skip.
public struct TestEnvironmentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
