import XCTest
@testable import FinchData

final class SampleOrderTests: XCTestCase {
    func testEachEpochVisitsEveryExampleOnce() {
        let size = 37
        var order = SampleOrder(seed: 42, datasetSize: size)
        for epoch in 0..<4 {
            let visited = (0..<size).map { order.exampleIndex(forGlobalSample: epoch * size + $0) }
            XCTAssertEqual(visited.sorted(), Array(0..<size), "epoch \(epoch) is not a permutation")
        }
    }

    func testEpochsAndSeedsGiveDifferentOrders() {
        let size = 50
        let epoch0 = SampleOrder.permutation(seed: 7, datasetSize: size, epoch: 0)
        XCTAssertNotEqual(epoch0, SampleOrder.permutation(seed: 7, datasetSize: size, epoch: 1))
        XCTAssertNotEqual(epoch0, SampleOrder.permutation(seed: 8, datasetSize: size, epoch: 0))
        XCTAssertNotEqual(epoch0, Array(0..<size), "the order must actually be shuffled")
    }

    func testIndependentInstancesAgreeInAnyAccessOrder() {
        let size = 23
        var sequential = SampleOrder(seed: 99, datasetSize: size)
        let forward = (0..<(5 * size)).map { sequential.exampleIndex(forGlobalSample: $0) }

        // A resumed trainer starts mid-stream, and ranks jump between epochs.
        var resumed = SampleOrder(seed: 99, datasetSize: size)
        let jumbled = (0..<(5 * size)).reversed().map { ($0, resumed.exampleIndex(forGlobalSample: $0)) }
        for (globalSample, index) in jumbled {
            XCTAssertEqual(index, forward[globalSample], "sample \(globalSample)")
        }
        XCTAssertEqual(Array(forward[(2 * size)..<(3 * size)]), SampleOrder.permutation(seed: 99, datasetSize: size, epoch: 2))
    }

    func testSingleExampleDataset() {
        var order = SampleOrder(seed: 1, datasetSize: 1)
        XCTAssertEqual((0..<5).map { order.exampleIndex(forGlobalSample: $0) }, [0, 0, 0, 0, 0])
    }
}
