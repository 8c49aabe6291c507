import Foundation
import FinchData

/// How often two labellers who labelled the same candidate set made the same choice: for each
/// set labelled by two or more people, every pair of them counts once, agreeing or not.
/// Ziegler et al. report this (60–80% between their labellers) as the ceiling of what a reward
/// model fit to such labels can reach.
public struct LabellerAgreement: Equatable, Sendable {
    /// Pairs of labels on the same set, and how many chose the same candidate.
    public var pairs = 0
    public var agreeing = 0
    /// Sets that more than one labeller labelled.
    public var sharedSets = 0
    /// Per pair of labellers (names sorted): (pairs, agreeing).
    public var byLabellers: [String: (pairs: Int, agreeing: Int)] = [:]

    public var rate: Double { pairs > 0 ? Double(agreeing) / Double(pairs) : .nan }

    public static func == (a: LabellerAgreement, b: LabellerAgreement) -> Bool {
        a.pairs == b.pairs && a.agreeing == b.agreeing && a.sharedSets == b.sharedSets
            && a.byLabellers.mapValues { [$0.pairs, $0.agreeing] } == b.byLabellers.mapValues { [$0.pairs, $0.agreeing] }
    }

    /// From labels (set id, labeller, choice); a labeller's repeated label of a set counts once (the last).
    public init(labels: [(id: Int, labeller: String, choice: Int)]) {
        var bySet: [Int: [String: Int]] = [:]
        for label in labels { bySet[label.id, default: [:]][label.labeller] = label.choice }
        for (_, choices) in bySet where choices.count > 1 {
            sharedSets += 1
            let names = choices.keys.sorted()
            for i in names.indices {
                for j in names.indices where j > i {
                    let same = choices[names[i]] == choices[names[j]]
                    pairs += 1
                    agreeing += same ? 1 : 0
                    let key = "\(names[i]) & \(names[j])"
                    byLabellers[key, default: (0, 0)].pairs += 1
                    byLabellers[key, default: (0, 0)].agreeing += same ? 1 : 0
                }
            }
        }
    }

    /// The labels of a labels file (best-of-N `best`, or pairwise `chosen_index`); errors name file:line.
    public static func labels(_ url: URL) throws -> [(id: Int, labeller: String, choice: Int)] {
        try readJSONLines(url).map { line, data -> (id: Int, labeller: String, choice: Int) in
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let id = object["id"] as? Int, let labeller = object["labeller"] as? String,
                  let choice = (object["best"] ?? object["chosen_index"]) as? Int else {
                throw DataError(source: url.path, line: line, reason: "expected a label with id, labeller and best (or chosen_index)")
            }
            return (id, labeller, choice)
        }
    }
}
