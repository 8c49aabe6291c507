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

/// The non-blank lines of a JSONL file with their 1-based line numbers, for readers whose
/// errors name the line. `\r\n` files read the same as `\n` ones.
public func readJSONLines(_ url: URL) throws -> [(number: Int, line: Data)] {
    let data: Data
    do {
        data = try Data(contentsOf: url)
    } catch {
        throw DataError(source: url.path, reason: "cannot read: \(error.localizedDescription)")
    }
    var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    return lines.enumerated().compactMap { index, raw in
        let line = raw.last == UInt8(ascii: "\r") ? Data(raw.dropLast()) : Data(raw)
        let blank = line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        return blank ? nil : (index + 1, line)
    }
}
