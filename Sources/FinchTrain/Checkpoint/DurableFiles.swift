#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// File operations that survive a power cut once they return.
///
/// A checkpoint is only useful if, after a crash, it is either entirely on disk or
/// clearly absent. That needs `fsync` on files before they are renamed into place and on
/// their directories after, which Foundation does not expose, hence these POSIX calls.
public enum DurableFiles {
    /// Writes `data` to a new file at `url` and flushes it to disk.
    static func write(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url)
        } catch {
            throw CheckpointError(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
        try sync(url, isDirectory: false)
    }

    /// Flushes a file's contents, or a directory's entries, to disk.
    static func sync(_ url: URL, isDirectory: Bool) throws {
        let descriptor = open(url.path, isDirectory ? O_RDONLY | O_DIRECTORY : O_RDONLY)
        guard descriptor >= 0 else { throw failure(url, "cannot open to sync") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure(url, "cannot sync to disk") }
    }

    /// Renames `source` to `destination` in one atomic step (same file system), replacing a
    /// destination file; a non-empty destination directory makes it fail.
    static func moveAtomically(_ source: URL, to destination: URL) throws {
        guard rename(source.path, destination.path) == 0 else {
            throw failure(destination, "cannot rename \(source.lastPathComponent) into place")
        }
    }

    /// Replaces the small file at `url` so readers see either the old or the new contents,
    /// never a mix: write a temporary sibling, sync it, rename it over, sync the directory.
    public static func replace(_ url: URL, with data: Data) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(CheckpointLayout.temporaryName(url.lastPathComponent))
        try write(data, to: temporary)
        try moveAtomically(temporary, to: url)
        try sync(directory, isDirectory: true)
    }

    private static func failure(_ url: URL, _ action: String) -> CheckpointError {
        CheckpointError(path: url.path, reason: "\(action): \(String(cString: strerror(errno)))")
    }
}
