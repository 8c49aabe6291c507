import Foundation
import FinchData

/// One labeller's choice among a candidate set, as a line of a labels file: Ziegler's
/// best-of-N preference record (`prompt`, `completions`, `best`, which `finch rm` and `finch
/// dpo` read directly) plus the set's `id` and problem, and who labelled it.
public struct LabelledComparison: Codable, Equatable, Sendable {
    public var candidates: CandidateSet
    public var best: Int
    public var labeller: String

    public init(candidates: CandidateSet, best: Int, labeller: String) {
        precondition(candidates.completions.indices.contains(best), "best must index a completion")
        (self.candidates, self.best, self.labeller) = (candidates, best, labeller)
    }

    enum CodingKeys: String, CodingKey { case best, labeller }

    public init(from decoder: Decoder) throws {
        candidates = try CandidateSet(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        best = try c.decode(Int.self, forKey: .best)
        labeller = try c.decode(String.self, forKey: .labeller)
    }

    public func encode(to encoder: Encoder) throws {
        try candidates.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(best, forKey: .best)
        try c.encode(labeller, forKey: .labeller)
    }

    /// One JSON line, keys sorted.
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)  // strings and numbers only
    }
}
