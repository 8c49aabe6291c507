import FinchTrain
/// Running sums for a mean and variance that several ranks add up before use (PPO's advantage
/// whitening over all learners).
public struct MomentSums: Equatable, Sendable {
    public var count = 0.0, sum = 0.0, sumOfSquares = 0.0

    public init() {}

    public init(_ values: [Double]) {
        for v in values { add(v) }
    }

    public mutating func add(_ value: Double) {
        count += 1; sum += value; sumOfSquares += value * value
    }

    public var array: [Double] { [count, sum, sumOfSquares] }
    public init(array: [Double]) { (count, sum, sumOfSquares) = (array[0], array[1], array[2]) }

    public var mean: Double { count > 0 ? sum / count : 0 }
    /// Population variance, never negative despite rounding.
    public var variance: Double { count > 0 ? max(0, sumOfSquares / count - mean * mean) : 0 }
}
