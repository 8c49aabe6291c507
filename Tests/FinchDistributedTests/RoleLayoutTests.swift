import XCTest
@testable import FinchDistributed

final class RoleLayoutTests: XCTestCase {
    func testLayouts() throws {
        let split = try RoleLayout.make(worldSize: 4, learners: 1, rolloutWorkers: 3).get()
        XCTAssertFalse(split.isColocated)
        XCTAssertEqual((0..<4).map(split.role(ofRank:)),
                       [.learner(index: 0), .rolloutWorker(index: 0), .rolloutWorker(index: 1), .rolloutWorker(index: 2)])
        let defaulted = try RoleLayout.make(worldSize: 3, learners: nil, rolloutWorkers: 1).get()
        XCTAssertEqual(defaulted.learners, 2)
        let colocated = try RoleLayout.make(worldSize: 2, learners: nil, rolloutWorkers: 0).get()
        XCTAssertTrue(colocated.isColocated)
        XCTAssertEqual(colocated.role(ofRank: 1), .learner(index: 1))
    }

    func testLayoutsThatDoNotFitTheWorldAreRefused() {
        for (size, learners, workers) in [(2, 1, 2), (3, 1, 3), (1, nil, 1), (4, 2, 1)] as [(Int, Int?, Int)] {
            guard case .failure(let error) = RoleLayout.make(worldSize: size, learners: learners, rolloutWorkers: workers) else {
                XCTFail("\(learners.map(String.init) ?? "nil") learners + \(workers) workers on \(size) ranks accepted"); continue
            }
            XCTAssertTrue(error.description.contains("rank"), error.description)
        }
    }
}
