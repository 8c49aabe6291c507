@testable import FinchDistributed
import Foundation
import XCTest

/// The same API in a program started without `mpirun`: MPI comes up as a
/// one-process world, so single-process training needs no separate code path.
final class SingleProcessCommunicatorTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipIf(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil,
                      "this process was started by mpirun, so its world is not a single process")
    }

    func testWorldIsOneProcessAndCollectivesAreIdentities() throws {
        let world = try Communicator.world()
        XCTAssertEqual(world.size, 1)
        XCTAssertEqual(world.rank, 0)
        XCTAssertTrue(try Communicator.world() === world, "world() must hand out one shared communicator")

        var values: [Float] = [1.5, -2, 7]
        try world.allReduce(&values, .average)
        XCTAssertEqual(values, [1.5, -2, 7])
        try world.broadcast(&values, root: 0)
        XCTAssertEqual(values, [1.5, -2, 7])
        XCTAssertEqual(try world.broadcastBytes(Data([9, 8, 7]), root: 0), Data([9, 8, 7]))
        XCTAssertEqual(try world.broadcastValue(["epochs": 3], root: 0), ["epochs": 3])
        XCTAssertEqual(try world.gatherBytes(Data([1, 2]), root: 0), [Data([1, 2])])
        XCTAssertEqual(try world.allGather(Int64(42)), [42])
        try world.barrier()
    }

    func testMessageToSelfArrives() throws {
        let world = try Communicator.world()
        // Small enough for MPI's eager protocol, so the blocking send returns before the receive.
        try world.sendBytes(Data("note to self".utf8), to: 0, tag: 11)
        XCTAssertEqual(try world.receiveBytes(from: 0, tag: 11), Data("note to self".utf8))
    }

    func testSplitAndGradientSyncOnOneProcess() throws {
        let world = try Communicator.world()
        let alone = try world.split(color: 5, key: 0)
        XCTAssertEqual(alone.size, 1)
        var grads: [Float] = [0.25, -4]
        try grads.withUnsafeMutableBufferPointer { try GradientSync(comm: alone, bucketBytes: 4).average($0) }
        XCTAssertEqual(grads, [0.25, -4])
        XCTAssertEqual(try GradientSync(comm: world).globalNorm(localSquaredSum: 9), 3)
    }

    func testErrorNamesOperationRankAndMPIReason() throws {
        let world = try Communicator.world()
        XCTAssertThrowsError(try world.send([Float(1)], to: 1, tag: 0)) { error in
            XCTAssertTrue("\(error)".hasPrefix("MPI_Send failed on rank 0: "), "\(error)")
            XCTAssertTrue("\(error)".contains("MPI_ERR_RANK"), "\(error)")
        }
        XCTAssertThrowsError(try world.split(color: -7, key: 0)) { error in
            XCTAssertTrue("\(error)".hasPrefix("MPI_Comm_split failed on rank 0"), "\(error)")
        }
        XCTAssertThrowsError(try GradientSync(comm: world, bucketBytes: 2)) { error in
            XCTAssertTrue("\(error)".contains("bucketBytes must hold at least one Float (4 bytes), got 2"), "\(error)")
        }
    }

    /// The singleton's own PMIx variables must not reach an `mpirun` started
    /// from this process, while the container settings must.
    func testJobEnvironmentDropsSingletonVariables() throws {
        _ = try Communicator.world()
        XCTAssertNotNil(ProcessInfo.processInfo.environment["PMIX_RANK"],
                        "OpenMPI's singleton no longer exports PMIX_RANK; this test needs another marker")
        let environment = MPIJob(processCount: 3).launchEnvironment()
        XCTAssertNil(environment["PMIX_RANK"])
        XCTAssertEqual(environment["OMPI_MCA_btl_vader_single_copy_mechanism"], "none")
    }
}
