import Foundation

/// Appends one JSON object per line to the run's metrics file, so a crashed or resumed run
/// keeps its history and any tool can plot it.
public final class MetricsLog {
    private let handle: FileHandle?
    public let path: String

    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw TrainError("\(path): cannot open the metrics file for writing")
        }
        h.seekToEndOfFile()
        handle = h
    }

    public func append(_ record: [String: Double], kind: String) {
        var fields = record.sorted { $0.key < $1.key }.map { key, value -> String in
            let v = value.isFinite ? (value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)) : "null"
            return "\"\(key)\":\(v)"
        }
        fields.insert("\"kind\":\"\(kind)\"", at: 0)
        handle?.write(Data(("{" + fields.joined(separator: ",") + "}\n").utf8))
    }

    deinit { try? handle?.close() }
}

/// "1h02m", "3m05s", "42s": how long, at a glance.
public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite && seconds >= 0 else { return "?" }
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
    if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return "\(s)s"
}
