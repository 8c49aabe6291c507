import Foundation

/// Appends one JSON object per line to the run's metrics file, so a crashed or resumed run
/// keeps its history and any tool can plot it (`finch report`); with `tensorboard`, the same
/// scalars also go to a TensorBoard event file beside it, tagged `<kind>/<name>`.
public final class MetricsLog {
    private let handle: FileHandle?
    private let events: TensorBoardEvents?
    public let path: String

    public init(path: String, tensorboard: Bool = false) throws {
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
        events = tensorboard ? try TensorBoardEvents(directory: url.deletingLastPathComponent()) : nil
    }

    /// Throws, naming the file, when the line cannot be written (a full disk): the run stops
    /// with that error, its last checkpoint intact, rather than crashing in the write.
    public func append(_ record: [String: Double], kind: String) throws {
        var fields = record.sorted { $0.key < $1.key }.map { key, value -> String in
            let v = value.isFinite ? (value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)) : "null"
            return "\"\(key)\":\(v)"
        }
        fields.insert("\"kind\":\"\(kind)\"", at: 0)
        do {
            try handle?.write(contentsOf: Data(("{" + fields.joined(separator: ",") + "}\n").utf8))
        } catch {
            throw TrainError("\(path): cannot append to the metrics file: \(error.localizedDescription)")
        }
        if let events, let step = record["step"] {
            try events.write(step: Int(step), scalars: record.filter { $0.key != "step" && $0.value.isFinite }.sorted { $0.key < $1.key }
                .map { (tag: "\(kind)/\($0.key)", value: Float($0.value)) })
        }
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
