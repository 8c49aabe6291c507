import XCTest
@testable import FinchAlgorithms
@testable import FinchModel
@testable import FinchTrain

/// Every numeric key of a run config given the values a careless or hostile user types —
/// negative, zero, huge, NaN, infinite, text, a list, a mapping, more digits than any integer:
/// each either loads to a sane value or fails with an error naming the key. Nothing traps, and
/// a model that loads is checked before it is allocated.
final class HostileOverrideTests: XCTestCase {
    static let base = """
    model: {init: scratch, config: {model_type: gpt2, vocab_size: 262, n_embd: 32, n_layer: 2, n_head: 2, n_positions: 64}}
    data: {train: train.jsonl, max_length: 64}
    train: {steps: 10}
    checkpoint: {dir: runs/x}
    """

    static let keys = ["train.steps", "train.batch_size", "train.lr", "train.min_lr", "train.warmup_steps", "train.weight_decay",
                       "train.beta1", "train.beta2", "train.eps", "train.grad_clip", "train.eval_every", "train.eval_samples",
                       "train.threads", "data.max_length", "data.seed", "checkpoint.every", "checkpoint.keep_last", "logging.every",
                       "model.seed", "model.config.n_embd", "model.config.n_layer", "model.config.n_head", "model.config.n_positions",
                       "model.config.n_inner", "model.config.vocab_size", "model.config.layer_norm_epsilon"]
    static let values = ["-1", "0", "1e300", "-1e300", ".nan", ".inf", "-.inf", "abc", "[1]", "{a: 1}", "99999999999999999999999",
                         "4294967296", "1000000000000", "0.5", "true", "''"]

    func testEveryNumericKeyWithHostileValuesLoadsSanelyOrNamesTheKey() throws {
        var refused = 0, loaded = 0
        for key in Self.keys {
            for value in Self.values {
                let name = String(key.split(separator: ".").last!)
                do {
                    let config = try SFTRunConfig.parse(yaml: Self.base, file: "hostile.yaml", overrides: ["\(key)=\(value)"])
                    let t = config.train
                    for number in [t.lr, t.minLR, t.weightDecay, t.beta1, t.beta2, t.eps, t.gradClip] {
                        XCTAssertTrue(number.isFinite && number >= 0, "\(key)=\(value) loaded a non-finite or negative \(number)")
                    }
                    XCTAssertTrue(t.steps >= 1 && t.steps <= TrainSection.maxSteps && t.batchSize >= 1 && t.batchSize <= TrainSection.maxBatchSize,
                                  "\(key)=\(value) loaded steps \(t.steps), batch \(t.batchSize)")
                    XCTAssertLessThanOrEqual(t.minLR, t.lr, "\(key)=\(value)")
                    if case .scratch(let model) = config.model.initialization {
                        do {
                            try model.validate()
                            XCTAssertLessThanOrEqual(model.estimatedParameterCount, ModelConfig.maxParameters)
                        } catch {
                            XCTAssertTrue("\(error)".contains(name), "\(key)=\(value): '\(error)' does not name \(name)")
                        }
                    }
                    loaded += 1
                } catch {
                    refused += 1
                    XCTAssertTrue("\(error)".contains(name), "\(key)=\(value): '\(error)' does not name \(name)")
                }
            }
        }
        print("hostile overrides: \(Self.keys.count * Self.values.count) cases, \(refused) refused by key, \(loaded) loaded sanely")
        XCTAssertGreaterThan(refused, loaded)
    }
}
