import FinchKernels
@testable import FinchModel
import XCTest

/// `TrainingPass.gradientsFinal` promises that, when it is called with an offset, every gradient
/// from that offset to the end of the buffer already has its final value for this backward pass:
/// what lets the gradient all-reduce start on those buckets while the pass goes on.
final class GradientReadinessTests: XCTestCase {
    func testEveryReportedSuffixIsFinalAndTheLastCoversAll() throws {
        for (name, config) in TinyConfigs.all {
            let model = try Transformer(config: config, seed: 3)
            let pass = TrainingPass(model: model)
            var rng = RNG(seed: 9)
            let B = 2, T = 8
            let tokens = randomTokens(B * T, vocab: config.vocabSize, rng: &rng)
            let targets = randomTokens(B * T, vocab: config.vocabSize, rng: &rng)
            let weights = [Float](repeating: 1, count: B * T)
            // Gradients accumulate (a previous micro-batch's are in the buffer), as in a real step.
            backpropagateBatchLoss(pass, tokens: targets, targets: tokens, weights: weights, B: B, T: T)
            var snapshots: [(offset: Int, suffix: [Float])] = []
            pass.gradientsFinal = { offset in
                snapshots.append((offset, Array(model.grads.buffer[offset...])))
            }
            backpropagateBatchLoss(pass, tokens: tokens, targets: targets, weights: weights, B: B, T: T)
            pass.gradientsFinal = nil
            let final = Array(model.grads.buffer)
            XCTAssertEqual(snapshots.map(\.offset), snapshots.map(\.offset).sorted(by: >), "\(name): suffixes only grow")
            XCTAssertEqual(snapshots.last?.offset, 0, "\(name): the last call covers the whole buffer")
            XCTAssertEqual(snapshots.count, config.numLayers + 2, "\(name): the final norm, each block, the embeddings")
            for (offset, suffix) in snapshots {
                let maxDiff = zip(suffix, final[offset...]).map { abs($0 - $1) }.max() ?? 0
                print("\(name): suffix from \(offset): max difference from the final gradients \(maxDiff)")
                XCTAssertEqual(maxDiff, 0, "\(name): gradients from \(offset) changed after they were reported final")
            }
        }
    }

    func testLoRAModelsReportNothing() throws {
        let model = try Transformer(config: TinyConfigs.gpt2, seed: 3)
        model.attach(try LoRAAdapters(config: LoRAConfig(r: 2, alpha: 4, targetModules: []), model: TinyConfigs.gpt2, seed: 1))
        let pass = TrainingPass(model: model)
        var calls = 0
        pass.gradientsFinal = { _ in calls += 1 }
        var rng = RNG(seed: 2)
        let tokens = randomTokens(8, vocab: 23, rng: &rng)
        backpropagateBatchLoss(pass, tokens: tokens, targets: tokens, weights: [Float](repeating: 1, count: 8), B: 1, T: 8)
        XCTAssertEqual(calls, 0)
    }
}
