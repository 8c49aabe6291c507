import Foundation
import FinchTrain

/// What a run directory holds for a report: its metrics (`metrics.jsonl`, one series per kind
/// and name), the resolved config of its newest checkpoint, and its checkpoints. Reads a run
/// still in progress too: a last line cut mid-write is ignored.
public struct RunHistory {
    public struct Series {
        public var kind: String
        public var name: String
        /// (step, value), in file order; a later line for the same step (a resumed run) wins.
        public var points: [(step: Double, value: Double)]
    }

    public let directory: URL
    public let name: String
    public let series: [Series]
    public let configYAML: String?
    public let checkpoints: [String]

    /// Keys that count or time things rather than measure training; not drawn.
    static let bookkeeping: Set<String> = ["step", "kind", "global_sample", "elapsed_s", "examples", "problems", "records", "pairs"]

    public init(directory: URL, name: String? = nil) throws {
        self.directory = directory
        self.name = name ?? directory.lastPathComponent
        let metrics = directory.appendingPathComponent("metrics.jsonl")
        guard let text = try? String(contentsOf: metrics, encoding: .utf8) else {
            throw TrainError("\(metrics.path): no metrics file (is \(directory.path) a run's checkpoint.dir?)")
        }
        var order: [String] = [], byKey: [String: Series] = [:], seenSteps: [String: [Double: Int]] = [:]
        for line in text.split(separator: "\n") {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let kind = object["kind"] as? String, let step = (object["step"] as? NSNumber)?.doubleValue else { continue }
            for (name, value) in object where !Self.bookkeeping.contains(name) {
                guard let number = (value as? NSNumber)?.doubleValue, number.isFinite else { continue }
                let key = kind + "/" + name
                if byKey[key] == nil { order.append(key); byKey[key] = Series(kind: kind, name: name, points: []) }
                if let at = seenSteps[key]?[step] {
                    byKey[key]!.points[at].value = number
                } else {
                    seenSteps[key, default: [:]][step] = byKey[key]!.points.count
                    byKey[key]!.points.append((step, number))
                }
            }
        }
        series = order.map { byKey[$0]! }
        let store = CheckpointStore(root: directory, keepLast: 0)
        let complete = (try? store.finishedCheckpoints()) ?? []
        checkpoints = complete.map(\.lastPathComponent)
        configYAML = complete.last.flatMap { try? String(contentsOf: $0.appendingPathComponent("config.yaml"), encoding: .utf8) }
    }
}
