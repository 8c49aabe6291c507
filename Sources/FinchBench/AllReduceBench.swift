import FinchAlgorithms
import FinchTrain
import Foundation
import FinchDistributed
import FinchModel

public struct AllReduceBenchResult: Codable, Sendable {
    public let preset: String
    public let ranks: Int
    public let bytes: Int
    public let bucket_mb: Int
    /// Finch's gradient sync (bucketed in-place all-reduce) of the model's gradient buffer.
    public let finch_ms: Double
    /// One plain MPI_Allreduce (in place) of the same bytes.
    public let mpi_allreduce_ms: Double
}

/// Gradient-sync time of a preset's whole gradient buffer, against a single in-place
/// `MPI_Allreduce` of the same bytes: the medians of `reps` timed calls after two warm-ups.
public func benchAllReduce(preset: BenchPreset, world: TrainingWorld, comm: Communicator, bucketMB: Int,
                           reps: Int = 10) throws -> AllReduceBenchResult {
    let count = ParameterLayout(config: preset.config).count
    let grads = FlatBuffer(count: count)
    for i in 0..<count { grads[i] = Float(i % 7) * 1e-3 }
    func median(_ body: () throws -> Void) throws -> Double {
        var t: [Double] = []
        for r in 0..<(reps + 2) {
            try comm.barrier()
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            if r >= 2 { t.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6) }
        }
        return t.sorted()[t.count / 2]
    }
    let finch = try median { try world.sumGradients(grads) }
    let plain = try median { try comm.allReduce(grads.buffer, .sum) }
    return AllReduceBenchResult(preset: preset.name, ranks: comm.size, bytes: count * 4, bucket_mb: bucketMB,
                                finch_ms: finch, mpi_allreduce_ms: plain)
}
