import FinchDistributed
import Foundation
import FinchTestSupport
import XCTest

/// Inner tests: run as every rank of `mpirun -np 2` and `-np 3` by `MultiRankJobTests`.
/// Expected values are computed from the world size, so the same tests hold for any size.
final class CollectivesOnRanks: XCTestCase {
    func testAllReduceOfFloatArrays() {
        MPITestHarness.onEveryRank { world in
            let ranks = Float(world.size)
            let mine: [Float] = [Float(world.rank + 1), -Float(world.rank), 0.5]
            var sum = mine, average = mine, maximum = mine, minimum = mine
            try world.allReduce(&sum, .sum)
            try world.allReduce(&average, .average)
            try world.allReduce(&maximum, .max)
            try world.allReduce(&minimum, .min)
            let rankTotal = ranks * (ranks - 1) / 2
            XCTAssertEqual(sum, [rankTotal + ranks, -rankTotal, 0.5 * ranks])
            XCTAssertEqual(average[0], (rankTotal + ranks) / ranks, accuracy: 1e-6)
            XCTAssertEqual(average[1], -rankTotal / ranks, accuracy: 1e-6)
            XCTAssertEqual(average[2], 0.5, accuracy: 1e-6)
            XCTAssertEqual(maximum, [ranks, 0, 0.5])
            XCTAssertEqual(minimum, [1, -(ranks - 1), 0.5])
        }
    }

    func testAllReduceOfUnsafeBufferDoublesAndIntegers() {
        MPITestHarness.onEveryRank { world in
            let floats = UnsafeMutableBufferPointer<Float>.allocate(capacity: 5)
            defer { floats.deallocate() }
            for index in floats.indices { floats[index] = Float(index * (world.rank + 1)) }
            try world.allReduce(floats, .sum)
            let rankSum = world.size * (world.size + 1) / 2
            XCTAssertEqual(Array(floats), (0..<5).map { Float($0 * rankSum) })

            var doubles: [Double] = [Double(world.rank) + 0.25]
            try world.allReduce(&doubles, .max)
            XCTAssertEqual(doubles, [Double(world.size - 1) + 0.25])

            var integers: [Int64] = [Int64(world.rank) * 1_000_000_000_000, Int64(world.rank + 1)]
            try world.allReduce(&integers, .sum)
            let rankTotal = Int64(world.size * (world.size - 1) / 2)
            XCTAssertEqual(integers, [rankTotal * 1_000_000_000_000, rankTotal + Int64(world.size)])
            var averaged: [Int64] = [Int64(world.rank * 2)]
            try world.allReduce(&averaged, .average)
            XCTAssertEqual(averaged, [Int64(world.size - 1)])
        }
    }

    func testBroadcastOfTypedBufferFromLastRank() {
        MPITestHarness.onEveryRank { world in
            let root = world.size - 1
            var values: [Float] = world.rank == root ? [3, 1, 4, 1, 5] : [0, 0, 0, 0, 0]
            try world.broadcast(&values, root: root)
            XCTAssertEqual(values, [3, 1, 4, 1, 5])
        }
    }

    func testBroadcastOfBytesWhoseLengthOnlyTheRootKnows() {
        MPITestHarness.onEveryRank { world in
            let blob = Data((0..<70_001).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let received = try world.broadcastBytes(world.rank == 1 ? blob : Data(), root: 1)
            XCTAssertEqual(received, blob)
        }
    }

    func testBroadcastOfCodableValue() {
        struct RunSettings: Codable, Equatable {
            var name: String
            var learningRate: Double
            var layers: [Int]
        }
        MPITestHarness.onEveryRank { world in
            let settings = RunSettings(name: "ünïcode run", learningRate: 3e-4, layers: [4, 8, 4])
            let received = try world.broadcastValue(world.rank == 0 ? settings : nil, root: 0)
            XCTAssertEqual(received, settings)
        }
    }

    func testBroadcastValueWithoutRootValueFailsOnEveryRank() {
        MPITestHarness.onEveryRank { world in
            XCTAssertThrowsError(try world.broadcastValue(Optional<[Int]>.none, root: 0)) { error in
                XCTAssertTrue("\(error)".contains("broadcastValue(Array<Int>)"), "\(error)")
                XCTAssertTrue("\(error)".contains("root rank 0 had nothing to send"), "\(error)")
            }
            // The failed broadcast left no message in flight: the next collective still matches up.
            var check: [Int] = [1]
            try world.allReduce(&check, .sum)
            XCTAssertEqual(check, [world.size])
        }
    }

    func testGatherOfBytesArrivesInRankOrderAtRoot() {
        MPITestHarness.onEveryRank { world in
            // Rank 0 contributes an empty blob, later ranks progressively longer ones.
            let blob = { (rank: Int) in Data(repeating: UInt8(rank + 10), count: rank * 3) }
            let gathered = try world.gatherBytes(blob(world.rank), root: 0)
            if world.rank == 0 {
                XCTAssertEqual(gathered, (0..<world.size).map(blob))
            } else {
                XCTAssertNil(gathered)
            }
        }
    }

    func testAllGatherOfScalars() {
        MPITestHarness.onEveryRank { world in
            XCTAssertEqual(try world.allGather(Int64(world.rank * 7)), (0..<world.size).map { Int64($0 * 7) })
            XCTAssertEqual(try world.allGather(Double(world.rank) / 2), (0..<world.size).map { Double($0) / 2 })
            try world.barrier()
        }
    }

    func testInvalidRootNamesOperationRankAndMPIReason() {
        MPITestHarness.onEveryRank { world in
            var values: [Float] = [1]
            XCTAssertThrowsError(try world.broadcast(&values, root: world.size)) { error in
                guard let error = error as? DistributedError else { return XCTFail("unexpected \(error)") }
                XCTAssertEqual(error.operation, "MPI_Bcast")
                XCTAssertEqual(error.rank, world.rank)
                XCTAssertTrue(error.reason.contains("MPI_ERR_ROOT"), error.reason)
                XCTAssertTrue(error.description.contains("MPI_Bcast failed on rank \(world.rank)"), error.description)
            }
        }
    }
}
