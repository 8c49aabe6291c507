import XCTest
import FinchData
@testable import FinchTrain

/// RL in one process (colocated roles): what GRPO and PPO learn on the toy digits task.
final class RLTrainerTests: XCTestCase {
    private var fixture: RLFixture!

    override func setUpWithError() throws { fixture = try RLFixture() }
    override func tearDownWithError() throws { fixture.remove() }

    private func run(_ config: RunConfig) throws -> RLTrainer {
        let trainer = try RLTrainer(config: config, world: nil, task: DigitsTask(), log: { print($0) })
        try trainer.run()
        return trainer
    }

    private func meanReward(_ records: ArraySlice<RLStepRecord>) -> Double {
        records.reduce(0) { $0 + $1.meanReward } / Double(records.count)
    }

    func testGRPOLearnsToWriteDigits() throws {
        let trainer = try run(try fixture.config(steps: 30, run: "grpo"))
        let first = meanReward(trainer.history.prefix(5)), last = meanReward(trainer.history.suffix(5))
        print("GRPO digits: mean reward of steps 1-5 \(first), of steps 26-30 \(last)")
        XCTAssertGreaterThan(last, first + 0.3)
    }
}
