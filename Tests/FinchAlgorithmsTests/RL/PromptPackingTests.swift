import XCTest
import FinchKernels
import FinchModel
@testable import FinchAlgorithms
@testable import FinchTrain

/// Answers packed behind their shared prompt train exactly as padded rows do, up to float
/// rounding: the same losses, the same values and reference log-probs, the same update.
final class PromptPackingTests: XCTestCase {
    private let config = ModelConfig(family: .gpt2, vocabSize: 262, hiddenSize: 32, numLayers: 2, numHeads: 2, maxPositions: 24)

    /// Two prompts × 4 answers of different lengths (one stops early), as a rollout makes them.
    private func batch() -> [Trajectory] {
        var rng = RNG(seed: 9)
        return (0..<8).map { i in
            let prompt: [Int32] = i < 4 ? [256, 40, 41, 42, 43, 44] : [256, 50, 51]
            let length = [5, 9, 2, 7, 9, 4, 9, 1][i]
            let completion = (0..<length).map { _ in Int32(rng.below(256)) }
            return Trajectory(prompt: i / 4, sample: i % 4, promptTokens: prompt, completion: completion,
                              logprobs: completion.map { _ in -5.5 + 0.5 * rng.uniform() }, reward: Double(i % 3),
                              correct: false, formatOK: true, finish: .length, version: 0)
        }
    }

    /// The update's sums and the gradients it applied (left in the buffers after the step).
    private func update(_ algorithm: RLSection.Algorithm, packed: Bool) throws -> (sums: UpdateSums, grads: [Float], head: [Float]) {
        var section = RLSection()
        (section.algorithm, section.task, section.groupSize, section.packPrompts) = (algorithm, "digits", 4, packed)
        (section.microBatch, section.entropyCoef, section.klCoef) = (8, 0.01, 0.1)
        let model = try Transformer(config: config, seed: 2)
        let reference = try Transformer(config: config, seed: 3)
        let head = algorithm == .ppo ? ValueHead(width: 32) : nil
        if let head { for i in 0..<head.params.count { head.params[i] = 0.1 * Float(i % 5) - 0.2 } }
        let update = PolicyUpdate(section: section, model: model, valueHead: head, reference: reference,
                                  optimizer: AdamW(model: model, config: AdamWConfig()),
                                  headOptimizer: head.map { AdamW(valueHead: $0, config: AdamWConfig()) },
                                  world: .single(), gradClip: 0, padID: 258)
        let sums = try update.update(batch: batch(), beta: 0.1, lr: 1e-2).sums
        return (sums, model.grads.array, head?.grads.array ?? [])
    }

    func testPackedRowsTrainAsPaddedRows() throws {
        for algorithm in [RLSection.Algorithm.grpo, .ppo] {
            let padded = try update(algorithm, packed: false), packed = try update(algorithm, packed: true)
            XCTAssertEqual(packed.sums.tokens, padded.sums.tokens)
            XCTAssertEqual(packed.sums.clipped, padded.sums.clipped)
            for (name, a, b) in [("policy loss", packed.sums.policyLoss, padded.sums.policyLoss),
                                 ("value loss", packed.sums.valueLoss, padded.sums.valueLoss),
                                 ("entropy", packed.sums.entropy, padded.sums.entropy),
                                 ("KL", packed.sums.sequenceKL, padded.sums.sequenceKL)] {
                XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)), "\(algorithm) \(name)")
            }
            // Gradients: the difference against the largest entry (each is a sum over many tokens).
            for (name, a, b) in [("policy", packed.grads, padded.grads), ("value head", packed.head, padded.head)] {
                XCTAssertEqual(a.count, b.count)
                guard let scale = b.map(abs).max(), scale > 0 else { continue }
                let apart = zip(a, b).map { abs($0 - $1) }.max()! / scale
                print("\(algorithm) \(name) gradient: packed vs padded, max difference \(apart) of the largest entry")
                XCTAssertLessThan(apart, 1e-4, "\(algorithm) \(name)")
            }
        }
    }

    func testPackedLayoutPlacesEachAnswerAfterItsPrompt() {
        let rows = batch().map { LearnerRow($0, advantage: 0) }
        let packed = AnswerBatch.packed(rows[...], padID: 258)
        XCTAssertEqual(packed.batch, 2, "one row per prompt")
        XCTAssertEqual(packed.seqLen, 5 + (1 + 5) + (1 + 9) + (1 + 2) + (1 + 7))
        for (i, row) in rows.enumerated() {
            for (k, index) in packed.completionIndices[i].enumerated() {
                // The token predicted at that index is the answer's k-th, at the position it has unpacked.
                XCTAssertEqual(packed.targets[index], row.tokens[row.promptLength + k])
                XCTAssertEqual(Int(packed.positions![index]), row.promptLength - 1 + k)
            }
        }
        // Less work: 2 rows of 32 tokens against 8 padded rows of 14.
        XCTAssertLessThan(packed.batch * packed.seqLen, AnswerBatch.padded(rows[...], seqLen: 14, padID: 258).tokens.count)
    }
}
