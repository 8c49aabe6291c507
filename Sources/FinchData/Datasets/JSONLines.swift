import Foundation

/// Writes one JSON object per line (sorted keys, so generated files diff cleanly), atomically:
/// a crash never leaves half a dataset behind. Errors name the file.
public func writeJSONLines<Line: Encodable>(_ lines: [Line], to url: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var data = Data()
    for line in lines {
        data += try encoder.encode(line)
        data.append(UInt8(ascii: "\n"))
    }
    do {
        try data.write(to: url, options: .atomic)
    } catch {
        throw DataError(source: url.path, reason: "cannot write: \(error.localizedDescription)")
    }
}
