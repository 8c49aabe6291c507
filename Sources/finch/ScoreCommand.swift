import ArgumentParser
import FinchData
import FinchEval
import FinchKernels
import FinchTrain
import FinchModel
import Foundation

/// `finch score`: the model's log-probs of given token ids, the check a user runs to compare a
/// converted model with `transformers` (`log_softmax(logits)[t, ids[t+1]]`).
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print log p(token t+1 | tokens ≤ t) for token id sequences read from standard input.",
        discussion: """
        Each input line is a JSON list of token ids (one sequence); each output line the JSON list of \
        its log-probs, one fewer than its ids. Only config.json and the weights are read: no tokenizer \
        is needed. Sequences longer than the context are scored in windows (each restarting the context).
        """)

    @Option(help: "Checkpoint or Hugging Face model directory (config.json and the weights).") var checkpoint: String
    @Option(help: "Kernel threads.") var threads = 1

    func run() throws {
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must lie within 1...1024, got \(threads)") }
        KernelThreads.set(threads)
        let scorer = NextTokenScorer(model: try LoadedPolicy.model(checkpoint: URL(fileURLWithPath: checkpoint)))
        var number = 0
        while let line = readLine(strippingNewline: true) {
            number += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            guard let ids = (try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed]))
                .flatMap({ JSONScalars.integerArray($0) }) else {
                throw DataError(source: "standard input", line: number, reason: "expected a JSON list of integer token ids")
            }
            let sequence = ids.map { Int32(clamping: $0) }
            if let problem = scorer.problem(with: sequence) {
                throw DataError(source: "standard input", line: number, reason: problem)
            }
            let scores = scorer.logProbs(sequence).map(Double.init)
            print(String(decoding: try JSONSerialization.data(withJSONObject: scores), as: UTF8.self))
        }
    }
}
