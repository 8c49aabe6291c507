import FinchTrain
import FinchKernels

/// SFT's loss of a batch: Σ −w·log p over the tokens, where w is 1 on completion tokens and 0
/// on prompt and padding, divided by `normalizer` (the global batch's completion-token count
/// Σ w, so ranks that each hold a share of the batch add up to the global mean; 1 gives the
/// rank's plain sum). Returns the loss, this batch's Σ w, and d loss / d log p [N].
public func sftLoss(logprobs: [Float], weights: [Float], normalizer: Double)
    -> (loss: Double, weightSum: Double, dlogprobs: [Float]) {
    precondition(logprobs.count == weights.count, "sftLoss: one weight per log-prob")
    var dlogprobs = [Float](repeating: 0, count: logprobs.count)
    let sums = logprobs.withUnsafeBufferPointer { l in
        weights.withUnsafeBufferPointer { w in
            dlogprobs.withUnsafeMutableBufferPointer { d in
                crossEntropyLoss(logprobs: l.baseAddress!, weights: w.baseAddress!, dlogprobs: d.baseAddress!,
                                 N: logprobs.count, normalizer: normalizer)
            }
        }
    }
    return (sums.loss, sums.weightSum, dlogprobs)
}
