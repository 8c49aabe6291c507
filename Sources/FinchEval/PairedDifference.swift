import FinchTrain
/// The difference between two checkpoints scored on the same problems: the mean of the
/// per-problem differences, its standard error and a 95% interval (normal approximation,
/// fine from a few dozen problems on), and how many problems got better or worse.
///
/// Pairing removes what the two runs share — which problems are easy — so a difference of a
/// point or two on a few hundred problems can be told from noise, where two independent
/// rates' intervals would overlap.
public struct PairedDifference: Equatable, Sendable {
    /// Mean score of the baseline and of the candidate (e.g. pass@1).
    public let baseline: Double
    public let candidate: Double
    /// Mean of candidate − baseline over problems, and its standard error.
    public let difference: Double
    public let standardError: Double
    /// Problems where the candidate scored higher, and lower.
    public let better: Int
    public let worse: Int

    /// `baseline[i]` and `candidate[i]` are the scores of problem i (at least two problems).
    public init(baseline: [Double], candidate: [Double]) throws {
        guard baseline.count == candidate.count, baseline.count >= 2 else {
            throw TrainError("paired comparison: needs the same problems, at least two (got \(baseline.count) and \(candidate.count))")
        }
        let n = Double(baseline.count)
        let differences = zip(candidate, baseline).map { $0 - $1 }
        let mean = differences.reduce(0, +) / n
        let variance = differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        self.baseline = baseline.reduce(0, +) / n
        self.candidate = candidate.reduce(0, +) / n
        difference = mean
        standardError = (variance / n).squareRoot()
        better = differences.filter { $0 > 0 }.count
        worse = differences.filter { $0 < 0 }.count
    }

    /// The 95% interval of the difference.
    public var interval95: ClosedRange<Double> {
        (difference - 1.96 * standardError)...(difference + 1.96 * standardError)
    }
}
