#if canImport(Glibc)
import Glibc
#endif
import Foundation
import FinchData
import FinchEval
import FinchTrain

/// What the labelling server knows: the candidate sets (read once; the samples file is never
/// written), and every label so far, each appended to the labels file and flushed to disk
/// (`fsync`) before the request that made it is answered, so a killed server loses nothing it
/// acknowledged and a restarted one continues where it stopped.
///
/// A label is (set id, labeller): labelling a set twice under one name — two tabs showing the
/// same item — is refused, so no label is duplicated. Undo removes the labeller's newest label
/// by rewriting the file atomically. Skips are remembered for the session only: a skipped set
/// comes back once everything else is labelled.
public final class LabelStore: @unchecked Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Pick the best of all candidates: Ziegler's best-of-N record.
        case best
        /// Pick the better of the first two candidates, side by side: a pairwise record.
        case pairs
    }

    public struct Stored: Equatable, Sendable {
        public var id: Int
        public var labeller: String
        /// The candidate picked (best-of-N), or the chosen one of the pair.
        public var choice: Int
    }

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case unknownSet(Int)
        case choiceOutOfRange(Int, count: Int)
        case alreadyLabelled(id: Int, labeller: String)
        case nothingToUndo(labeller: String)
        case badLabeller

        public var description: String {
            switch self {
            case .unknownSet(let id): return "no candidate set has id \(id)"
            case let .choiceOutOfRange(choice, count): return "choice \(choice) is not one of the \(count) candidates"
            case let .alreadyLabelled(id, labeller): return "set \(id) is already labelled by \(labeller)"
            case .nothingToUndo(let labeller): return "\(labeller) has no label to undo"
            case .badLabeller: return "the labeller's name must be 1 to 64 characters, without control characters"
            }
        }
    }

    public let mode: Mode
    public let sets: [CandidateSet]
    public let labelsURL: URL
    private let index: [Int: Int]
    private var labels: [Stored]
    private var skipped: [String: Set<Int>] = [:]
    private let lock = NSLock()

    /// Reads the candidate sets and any labels already in `labelsURL` (each must name a set of
    /// `samples` and be in this mode); errors name the file and line.
    public init(samples: URL, labels labelsURL: URL, mode: Mode) throws {
        sets = try CandidateSet.read(samples)
        var index: [Int: Int] = [:]
        for (i, set) in sets.enumerated() {
            guard index.updateValue(i, forKey: set.id) == nil else {
                throw DataError(source: samples.path, line: i + 1, reason: "id \(set.id) appears twice")
            }
            if mode == .pairs && set.completions.count < 2 { throw DataError(source: samples.path, line: i + 1, reason: "pairs need 2 candidates") }
        }
        self.index = index
        self.mode = mode
        self.labelsURL = labelsURL
        labels = []
        if FileManager.default.fileExists(atPath: labelsURL.path) {
            labels = try readJSONLines(labelsURL).map { line, data in
                guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                      let id = object["id"] as? Int, let labeller = object["labeller"] as? String,
                      let choice = object[mode == .best ? "best" : "chosen_index"] as? Int else {
                    throw DataError(source: labelsURL.path, line: line, reason: "not a \(mode.rawValue)-mode label (id, labeller, \(mode == .best ? "best" : "chosen_index"))")
                }
                guard let position = index[id], sets[position].completions.indices.contains(choice) else {
                    throw DataError(source: labelsURL.path, line: line, reason: "label of set \(id), choice \(choice), matches no candidate in \(samples.path)")
                }
                return Stored(id: id, labeller: labeller, choice: choice)
            }
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    public var allLabels: [Stored] { locked { labels } }

    /// How many sets `labeller` has labelled, of how many.
    public func progress(of labeller: String) -> (done: Int, total: Int) {
        locked { (labels.filter { $0.labeller == labeller }.count, sets.count) }
    }

    /// The next set for `labeller`: the first not yet labelled by them and not skipped, else the
    /// first skipped one; nil when every set is labelled.
    public func next(for labeller: String) -> CandidateSet? {
        locked {
            let done = Set(labels.filter { $0.labeller == labeller }.map(\.id)), skips = skipped[labeller] ?? []
            return sets.first { !done.contains($0.id) && !skips.contains($0.id) } ?? sets.first { !done.contains($0.id) }
        }
    }

    public func set(id: Int) -> CandidateSet? { index[id].map { sets[$0] } }

    /// Records and durably appends a label; returns only once it is on disk.
    public func label(id: Int, choice: Int, labeller: String) throws {
        try Self.check(labeller)
        try locked {
            guard let position = index[id] else { throw Refusal.unknownSet(id) }
            let count = mode == .pairs ? 2 : sets[position].completions.count
            guard (0..<count).contains(choice) else { throw Refusal.choiceOutOfRange(choice, count: count) }
            guard !labels.contains(where: { $0.id == id && $0.labeller == labeller }) else {
                throw Refusal.alreadyLabelled(id: id, labeller: labeller)
            }
            let stored = Stored(id: id, labeller: labeller, choice: choice)
            try append(line(stored))
            labels.append(stored)
            skipped[labeller]?.remove(id)
        }
    }

    public func skip(id: Int, labeller: String) throws {
        try Self.check(labeller)
        try locked {
            guard index[id] != nil else { throw Refusal.unknownSet(id) }
            skipped[labeller, default: []].insert(id)
        }
    }

    /// Removes `labeller`'s newest label (the file is rewritten atomically) and returns its set.
    public func undo(labeller: String) throws -> CandidateSet {
        try Self.check(labeller)
        return try locked {
            guard let last = labels.lastIndex(where: { $0.labeller == labeller }) else { throw Refusal.nothingToUndo(labeller: labeller) }
            var kept = labels
            let removed = kept.remove(at: last)
            try DurableFiles.replace(labelsURL, with: Data(kept.map { line($0) + "\n" }.joined().utf8))
            labels = kept
            return sets[index[removed.id]!]
        }
    }

    /// The JSONL line of a label: a record `finch rm` and `finch dpo` read directly.
    func line(_ label: Stored) -> String {
        let set = sets[index[label.id]!]
        switch mode {
        case .best:
            return LabelledComparison(candidates: set, best: label.choice, labeller: label.labeller).jsonLine
        case .pairs:
            return LabelledPair(candidates: set, chosen: label.choice, labeller: label.labeller).jsonLine
        }
    }

    private func append(_ line: String) throws {
        let fd = open(labelsURL.path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { throw TrainError("\(labelsURL.path): cannot open for appending (errno \(errno))") }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else { throw TrainError("\(labelsURL.path): cannot write the label to disk (errno \(errno))") }
    }

    static func check(_ labeller: String) throws {
        guard (1...64).contains(labeller.count), !labeller.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw Refusal.badLabeller
        }
    }
}
