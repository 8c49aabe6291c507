import FinchTrain
/// The unbiased pass@k estimator of Chen et al. (2021, "Evaluating Large Language Models
/// Trained on Code"): given `samples` answers to a problem of which `correct` are right, the
/// probability that `k` of them drawn without replacement include a right one,
/// 1 − C(samples − correct, k) / C(samples, k).
///
/// The ratio of binomials is computed as a product of `correct` factors
/// ∏ (1 − k / i) for i in samples − correct + 1 … samples, which never overflows.
public func unbiasedPassAtK(samples: Int, correct: Int, k: Int) -> Double {
    precondition(samples >= 1 && (0...samples).contains(correct) && (1...samples).contains(k),
                 "pass@k needs 0 <= correct <= samples and 1 <= k <= samples")
    if correct == 0 { return 0 }
    if samples - correct < k { return 1 }
    var allWrong = 1.0
    for i in (samples - correct + 1)...samples {
        allWrong *= 1 - Double(k) / Double(i)
    }
    return 1 - allWrong
}
