import FinchTrain
import FinchData
import FinchTasks
import Foundation

/// The prompts of an RL run, in the order every rank agrees on: global prompt g is problem
/// `order.exampleIndex(g)` of the prompt file (a fresh shuffle each epoch), and batch b is
/// prompts [b·P, (b+1)·P). Any rank can compute any batch from the batch number alone, so
/// the coordinator assigns work by number and a resumed run continues the same stream.
struct PromptStream {
    let problems: [TaskInstance]
    /// Chat-templated prompt tokens of each problem.
    let tokens: [[Int32]]
    let promptsPerBatch: Int
    private var order: SampleOrder

    init(file: String, task: any VerifiableTask, template: ChatTemplate, promptsPerBatch: Int, seed: UInt64,
         maxPositions: Int) throws {
        let problems = try TaskInstanceFile.read(URL(fileURLWithPath: file), task: task)
        guard !problems.isEmpty else { throw TrainError("\(file): no prompts") }
        let tokens = problems.map { template.promptTokens(for: $0.prompt) }
        if let longest = tokens.indices.max(by: { tokens[$0].count < tokens[$1].count }), tokens[longest].count >= maxPositions {
            throw TrainError("\(file): prompt \(longest + 1) is \(tokens[longest].count) tokens, which leaves no room to answer in the model's \(maxPositions) positions")
        }
        self.problems = problems
        self.tokens = tokens
        self.promptsPerBatch = promptsPerBatch
        order = SampleOrder(seed: seed, datasetSize: problems.count)
    }

    /// A checksum of the tokenised prompts, to catch ranks that read different files.
    var fingerprint: UInt64 {
        var h = XXHash64()
        for t in tokens { t.withUnsafeBytes { h.update($0) } }
        return h.finalize()
    }

    /// The global prompt indices of batch `batch`.
    func globalIndices(ofBatch batch: Int) -> Range<Int> {
        (batch * promptsPerBatch)..<((batch + 1) * promptsPerBatch)
    }

    /// The problem behind global prompt `global`.
    mutating func problemIndex(ofGlobal global: Int) -> Int {
        order.exampleIndex(forGlobalSample: global)
    }
}
