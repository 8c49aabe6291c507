@testable import FinchDistributed
import XCTest

/// MPI's 32-bit counts and arguments, checked without starting MPI.
final class MPIIntegerLimitTests: XCTestCase {
    func testChunksCoverCountInOrderWithinLimit() {
        XCTAssertEqual(mpiChunks(count: 10, limit: 4), [0..<4, 4..<8, 8..<10])
        XCTAssertEqual(mpiChunks(count: 8, limit: 4), [0..<4, 4..<8])
        XCTAssertEqual(mpiChunks(count: 0, limit: 4), [])
        XCTAssertEqual(mpiChunks(count: 3_000_000_000).map(\.count), [Int(Int32.max), 3_000_000_000 - Int(Int32.max)])
    }

    func testOversizedIntegerArgumentNamesOperation() {
        XCTAssertThrowsError(try mpiInt(1 << 40, "tag", "MPI_Send")) { error in
            XCTAssertTrue("\(error)".contains("MPI_Send failed"), "\(error)")
            XCTAssertTrue("\(error)".contains("tag 1099511627776 does not fit in MPI's 32-bit int"), "\(error)")
        }
    }
}
