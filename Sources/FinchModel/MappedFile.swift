#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory, unmapped when the last reference goes.
///
/// Weight files are large and read once, piecemeal; mapping them lets the kernel page
/// in only what is touched and keeps them out of the Swift heap. A class, so the
/// mapping lives exactly as long as a reader that hands out views into it.
final class MappedFile {
    /// The file's bytes; empty (and unmapped) for an empty file, which mmap rejects.
    let bytes: UnsafeRawBufferPointer

    /// Maps `path`, or throws a message saying why the file cannot be opened or mapped.
    init(path: String) throws(MappedFileError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw MappedFileError(reason: "cannot open: \(Self.lastErrorText())") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw MappedFileError(reason: "cannot stat: \(Self.lastErrorText())") }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw MappedFileError(reason: "cannot map into memory: \(Self.lastErrorText())")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let address = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: address), bytes.count) }
    }

    private static func lastErrorText() -> String { String(cString: strerror(errno)) }
}

/// Why a file could not be mapped; callers add the path to the message.
struct MappedFileError: Error {
    let reason: String
}
