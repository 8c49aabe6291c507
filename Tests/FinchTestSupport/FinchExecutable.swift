import Foundation

/// The `finch` executable the package build puts beside the test bundle (`swift test` and
/// `launch/test` build it), for tests that run the command line as a user does. A missing one
/// is an error, not a skip: those tests must run wherever the suite does.
public func finchExecutable() throws -> URL {
    let url = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("finch")
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
        throw BrowserError("no finch executable at \(url.path); build the package first (swift build, or launch/test)")
    }
    return url
}
