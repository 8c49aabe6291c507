import FinchDistributed
import Foundation
import FinchTestSupport
import XCTest

/// Inner tests: run as every rank of `mpirun -np 2` and `-np 3` by `MultiRankJobTests`.
final class PointToPointOnRanks: XCTestCase {
    /// Passes a typed buffer and a blob once around the ring 0 → 1 → … → 0.
    /// Rank 0 sends first and everyone else receives first, so blocking sends
    /// cannot deadlock however large the messages.
    func testRingPassesBuffersAndBlobs() {
        MPITestHarness.onEveryRank { world in
            let next = (world.rank + 1) % world.size
            let previous = (world.rank + world.size - 1) % world.size
            let values = { (rank: Int) in (0..<1000).map { Float($0 + rank * 1000) } }
            let blob = { (rank: Int) in Data("from rank \(rank) ".utf8 + Array(repeating: UInt8(rank), count: rank * 100_000)) }
            var received = [Float](repeating: -1, count: 1000)
            var receivedBlob = Data()
            if world.rank == 0 {
                try world.send(values(world.rank), to: next, tag: 7)
                try world.sendBytes(blob(world.rank), to: next, tag: 8)
            }
            try world.receive(into: &received, from: previous, tag: 7)
            receivedBlob = try world.receiveBytes(from: previous, tag: 8)
            if world.rank != 0 {
                try world.send(values(world.rank), to: next, tag: 7)
                try world.sendBytes(blob(world.rank), to: next, tag: 8)
            }
            XCTAssertEqual(received, values(previous))
            XCTAssertEqual(receivedBlob, blob(previous))
        }
    }

    func testEmptyBlobIsStillOneMessage() {
        MPITestHarness.onEveryRank { world in
            if world.rank == 0 {
                try world.sendBytes(Data(), to: 1, tag: 3)
                try world.send([Float](), to: 1, tag: 4)
            } else if world.rank == 1 {
                XCTAssertEqual(try world.receiveBytes(from: 0, tag: 3), Data())
                var nothing: [Float] = []
                try world.receive(into: &nothing, from: 0, tag: 4)
            }
            try world.barrier()
        }
    }

    func testReceivingAShorterMessageThanExpectedThrows() {
        MPITestHarness.onEveryRank { world in
            if world.rank == 0 {
                try world.send([Float](repeating: 1, count: 3), to: 1, tag: 5)
            } else if world.rank == 1 {
                var buffer = [Float](repeating: 0, count: 4)
                XCTAssertThrowsError(try world.receive(into: &buffer, from: 0, tag: 5)) { error in
                    XCTAssertTrue("\(error)".contains("MPI_Recv failed on rank 1: expected 4 elements from rank 0 with tag 5, got 3"),
                                  "\(error)")
                }
            }
            try world.barrier()
        }
    }

    func testSendToMissingRankNamesOperationRankAndMPIReason() {
        MPITestHarness.onEveryRank { world in
            XCTAssertThrowsError(try world.send([Float(1)], to: world.size, tag: 0)) { error in
                guard let error = error as? DistributedError else { return XCTFail("unexpected \(error)") }
                XCTAssertEqual(error.operation, "MPI_Send")
                XCTAssertEqual(error.rank, world.rank)
                XCTAssertTrue(error.reason.contains("MPI_ERR_RANK"), error.reason)
            }
        }
    }
}
