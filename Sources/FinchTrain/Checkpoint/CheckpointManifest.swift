import Foundation

/// `manifest.json`: the list of a checkpoint's files with their sizes and XXH64 checksums.
///
/// It is written last, so its presence means every other file was complete when it was
/// written; checking sizes and checksums against it catches files truncated or damaged
/// afterwards (a full disk, a partial copy between machines, bit rot).
struct CheckpointManifest: Codable, Equatable {
    struct Entry: Codable, Equatable {
        var name: String
        var size: Int
        /// XXH64 of the file's bytes as 16 lowercase hex digits; `xxhsum -H64` prints the same.
        var xxh64: String
    }

    static let currentFormatVersion = 1
    /// Bytes read per chunk while checksumming, so multi-gigabyte files stream through.
    private static let readChunk = 8 << 20

    var formatVersion: Int
    var step: Int
    var files: [Entry]

    private enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", step, files
    }

    /// Describes the named files in `directory` by measuring and checksumming them.
    static func describing(_ names: [String], in directory: URL, step: Int) throws -> CheckpointManifest {
        let entries = try names.map { name -> Entry in
            let url = directory.appendingPathComponent(name)
            return Entry(name: name, size: try fileSize(url), xxh64: try checksum(of: url))
        }
        return CheckpointManifest(formatVersion: currentFormatVersion, step: step, files: entries)
    }

    /// Reads the manifest of the checkpoint at `directory`.
    static func read(from directory: URL) throws -> CheckpointManifest {
        let url = directory.appendingPathComponent(CheckpointLayout.manifestFile)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CheckpointError(path: url.path, reason: "missing: the checkpoint was never completed")
        }
        let manifest: CheckpointManifest
        do {
            manifest = try JSONDecoder().decode(CheckpointManifest.self, from: Data(contentsOf: url))
        } catch {
            throw CheckpointError(path: url.path, reason: "unreadable manifest: \(error)")
        }
        guard manifest.formatVersion == currentFormatVersion else {
            throw CheckpointError(path: url.path, reason: "format_version \(manifest.formatVersion) is not supported (expected \(currentFormatVersion))")
        }
        return manifest
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Checks that every required file is listed and that every listed file exists with
    /// its recorded size and, when `checksums` is set, its recorded checksum.
    func verify(directory: URL, checksums: Bool) throws {
        let listed = Set(files.map(\.name))
        for required in CheckpointLayout.requiredFiles where !listed.contains(required) {
            throw CheckpointError(path: directory.appendingPathComponent(CheckpointLayout.manifestFile).path,
                                  reason: "does not list required file \(required)")
        }
        guard CheckpointLayout.weightFiles.filter(listed.contains).count == 1 else {
            throw CheckpointError(path: directory.appendingPathComponent(CheckpointLayout.manifestFile).path,
                                  reason: "must list exactly one weights file of \(CheckpointLayout.weightFiles.joined(separator: ", "))")
        }
        for entry in files {
            let url = directory.appendingPathComponent(entry.name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw CheckpointError(path: url.path, reason: "missing, but listed in the manifest")
            }
            let size = try Self.fileSize(url)
            guard size == entry.size else {
                throw CheckpointError(path: url.path, reason: "size \(size) bytes, but the manifest says \(entry.size)")
            }
            if checksums {
                let actual = try Self.checksum(of: url)
                guard actual == entry.xxh64 else {
                    throw CheckpointError(path: url.path, reason: "checksum xxh64 \(actual), but the manifest says \(entry.xxh64): the file is corrupted")
                }
            }
        }
    }

    private static func fileSize(_ url: URL) throws -> Int {
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            guard let size = attributes[.size] as? Int else {
                throw CheckpointError(path: url.path, reason: "cannot determine the file size")
            }
            return size
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(path: url.path, reason: "cannot read file attributes: \(error.localizedDescription)")
        }
    }

    private static func checksum(of url: URL) throws -> String {
        var hasher = XXHash64()
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: readChunk), !chunk.isEmpty {
                chunk.withUnsafeBytes { hasher.update($0) }
            }
        } catch {
            throw CheckpointError(path: url.path, reason: "cannot read to checksum: \(error.localizedDescription)")
        }
        let hex = String(hasher.finalize(), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
