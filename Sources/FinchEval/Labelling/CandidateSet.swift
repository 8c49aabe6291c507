import Foundation
import FinchData
import FinchModel
import FinchTasks

/// Candidate answers to one prompt for people (or a simulated labeller) to compare: one line
/// of the file `finch label sample` writes. It keeps the problem (`task`, `rule`,
/// `ground_truth`) so a labelled record can still be checked by the task's verifier.
public struct CandidateSet: Codable, Equatable, Sendable {
    /// The prompt's position in the prompts file (0-based).
    public var id: Int
    public var problem: TaskInstance
    public var completions: [String]

    public init(id: Int, problem: TaskInstance, completions: [String]) {
        (self.id, self.problem, self.completions) = (id, problem, completions)
    }

    enum CodingKeys: String, CodingKey { case id, completions }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        completions = try c.decode([String].self, forKey: .completions)
        problem = try TaskInstance(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        try problem.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(completions, forKey: .completions)
    }

    /// Every line of a candidates file; errors name the file and line.
    public static func read(_ url: URL) throws -> [CandidateSet] {
        try readJSONLines(url).map { line, data in
            do {
                let set = try JSONDecoder().decode(CandidateSet.self, from: data)
                guard set.completions.count >= 2 else { throw DataError(source: url.path, line: line, reason: "fewer than 2 completions") }
                return set
            } catch let error as DataError {
                throw error
            } catch {
                throw DataError(source: url.path, line: line, reason: "not a candidate set (id, prompt, completions, task, ground_truth): \(error)")
            }
        }
    }
}

/// `n` sampled answers to each problem from `model` (temperature `temperature`, one seed per
/// answer from `seed`, the prompt's index and the answer's number, as RL draws them).
public func sampleCandidates(model: Transformer, tokenizer: any Tokenizer, problems: [TaskInstance], firstID: Int = 0,
                             n: Int, temperature: Float, maxNewTokens: Int, seed: UInt64, batchSize: Int,
                             progress: (Int, Int) -> Void = { _, _ in }) throws -> [CandidateSet] {
    let template = try ChatTemplate(tokenizer: tokenizer)
    let rows = problems.indices.flatMap { p in (0..<n).map { (problem: p, sample: $0) } }
    var texts = [String](repeating: "", count: rows.count)
    for start in stride(from: 0, to: rows.count, by: batchSize) {
        let batch = Array(rows[start..<min(rows.count, start + batchSize)])
        let outputs = generate(model: model, prompts: batch.map { template.promptTokens(for: problems[$0.problem].prompt) },
                               maxNewTokens: maxNewTokens, sampling: SamplingParams(temperature: temperature),
                               stopTokens: template.stopTokens,
                               seeds: batch.map { answerSeed(base: seed, problem: firstID + $0.problem, sample: $0.sample) })
        for (i, out) in outputs.enumerated() { texts[start + i] = tokenizer.decode(out.tokens.filter { !template.stopTokens.contains($0) }) }
        progress(start + batch.count, rows.count)
    }
    return problems.indices.map { p in
        CandidateSet(id: firstID + p, problem: problems[p], completions: Array(texts[p * n..<(p + 1) * n]))
    }
}
