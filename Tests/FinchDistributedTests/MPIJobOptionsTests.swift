@testable import FinchDistributed
import Foundation
import XCTest

final class MPIJobOptionsTests: XCTestCase {
    private let cores = ProcessInfo.processInfo.activeProcessorCount

    func testOversubscribesOnlyBeyondCoreCount() {
        XCTAssertEqual(MPIJob(processCount: cores, timeoutSeconds: 30).mpirunOptions(),
                       ["-np", String(cores), "--timeout", "30"])
        XCTAssertEqual(MPIJob(processCount: cores + 1, timeoutSeconds: 30).mpirunOptions(),
                       ["-np", String(cores + 1), "--timeout", "30", "--oversubscribe"])
    }

    func testBLASThreadsShareTheCoresUnlessAlreadySet() {
        let environment = MPIJob(processCount: cores * 4).launchEnvironment()
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil {
            XCTAssertEqual(environment["OPENBLAS_NUM_THREADS"], "1")
            XCTAssertEqual(MPIJob(processCount: 1).launchEnvironment()["OPENBLAS_NUM_THREADS"], String(cores))
        } else {
            XCTAssertEqual(environment["OPENBLAS_NUM_THREADS"], ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"])
        }
    }
}
