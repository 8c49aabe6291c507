import Foundation
import FinchTrain

/// Ziegler et al.'s normalisation of a reward model: r' = gain · r + bias, chosen so that
/// samples of the reference policy score mean 0 and standard deviation 1. Stored beside the
/// weights (`reward_normalization.json`) and applied wherever Finch reads the reward; the raw
/// `score.weight` stays as `transformers` computes it.
public struct RewardNormalization: Codable, Equatable, Sendable {
    public var gain: Double
    public var bias: Double
    /// How many answers set it, and their raw mean and standard deviation.
    public var samples: Int
    public var rawMean: Double
    public var rawStd: Double

    public static let fileName = "reward_normalization.json"
    public static let identity = RewardNormalization(gain: 1, bias: 0, samples: 0, rawMean: 0, rawStd: 1)

    public init(gain: Double, bias: Double, samples: Int, rawMean: Double, rawStd: Double) {
        (self.gain, self.bias, self.samples, self.rawMean, self.rawStd) = (gain, bias, samples, rawMean, rawStd)
    }

    /// From the count, sum and sum of squares of raw scores (what ranks add up).
    public init(count: Double, sum: Double, sumOfSquares: Double) {
        let mean = sum / count
        let std = max((sumOfSquares / count - mean * mean).squareRoot(), 1e-6)
        self.init(gain: 1 / std, bias: -mean / std, samples: Int(count), rawMean: mean, rawStd: std)
    }

    public func apply(_ raw: Double) -> Double { gain * raw + bias }

    public var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try! encoder.encode(self)  // five finite numbers always encode
    }

    /// The file in `dir`, or the identity when there is none (a model trained elsewhere).
    public static func read(from dir: URL) throws -> RewardNormalization {
        let url = dir.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return .identity }
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let n = try decoder.decode(RewardNormalization.self, from: Data(contentsOf: url))
            guard n.gain.isFinite, n.bias.isFinite, n.gain > 0 else { throw TrainError("gain must be positive and both finite") }
            return n
        } catch {
            throw TrainError("\(url.path): cannot read the reward normalisation: \(error)")
        }
    }
}
