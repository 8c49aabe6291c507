import Foundation

/// One labeller's choice between the first two candidates of a set (the page's pairs mode), as a
/// line of a labels file: TRL's pairwise record (`prompt`, `chosen`, `rejected`) plus the set's
/// `id` and problem, which candidate was chosen (`chosen_index`), and who labelled it.
public struct LabelledPair: Equatable, Sendable {
    public var candidates: CandidateSet
    /// 0 or 1: the candidate preferred to the other.
    public var chosen: Int
    public var labeller: String

    public init(candidates: CandidateSet, chosen: Int, labeller: String) {
        precondition(chosen == 0 || chosen == 1, "a pair's choice is 0 or 1")
        (self.candidates, self.chosen, self.labeller) = (candidates, chosen, labeller)
    }

    /// One JSON line, keys sorted.
    public var jsonLine: String {
        let p = candidates.problem
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let groundTruth = (try? JSONSerialization.jsonObject(with: encoder.encode(p.groundTruth), options: .fragmentsAllowed)) ?? NSNull()
        let object: [String: Any] = [
            "id": candidates.id, "prompt": p.prompt, "task": p.task, "rule": p.rule ?? NSNull(), "ground_truth": groundTruth,
            "chosen": candidates.completions[chosen], "rejected": candidates.completions[1 - chosen],
            "chosen_index": chosen, "labeller": labeller,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])  // JSON values only
        return String(decoding: data, as: UTF8.self)
    }
}
