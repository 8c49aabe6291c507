import XCTest
import Foundation
import FinchDistributed
import FinchTestSupport
@testable import FinchAlgorithms
import FinchEval
@testable import FinchTrain

/// Data-parallel SFT under real `mpirun` jobs started from inside `swift test`.
///
/// The outer tests (this class) prepare a shared directory, launch the inner tests of
/// `SFTOnRanks` as the ranks of a job, and compare what the job wrote (its metrics file and
/// checkpoints) with a single-process run made here.
final class DataParallelSFTTests: XCTestCase {
    private var fixture: SFTFixture!

    override func setUpWithError() throws { fixture = try SFTFixture() }
    override func tearDownWithError() throws { fixture.remove() }

    private func runRanks(_ method: String, ranks: Int, env: [String: String]) throws -> MPIJobResult {
        try MPITestHarness.runInnerTests([MPITestHarness.testName(SFTOnRanks.self, method)], processCount: ranks,
                                         environment: env.merging(["FINCH_TEST_DIR": fixture.dir.path]) { a, _ in a })
    }

    private func assertSucceeded(_ r: MPIJobResult, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(r.succeeded, "\(what): mpirun exited \(r.exitCode):\n\(r.output)", file: file, line: line)
    }

    /// One process with the whole batch, for reference.
    private func singleProcessLosses(steps: Int, batch: Int) throws -> [Int: Double] {
        let trainer = try SFTTrainer(config: try fixture.config(steps: steps, every: 0, run: "reference", batch: batch),
                                     log: { _ in })
        try trainer.run()
        return trainer.losses
    }

    private func assertClose(_ ranks: [Int: (loss: Double, globalSample: Int)], _ reference: [Int: Double],
                             steps: ClosedRange<Int>, batch: Int, file: StaticString = #filePath, line: UInt = #line) {
        var worst = 0.0
        for step in steps {
            guard let r = ranks[step], let ref = reference[step] else {
                XCTFail("no loss for step \(step)", file: file, line: line); continue
            }
            worst = max(worst, abs(r.loss - ref) / abs(ref))
            XCTAssertEqual(r.globalSample, step * batch, "step \(step) must end at sample \(step * batch)", file: file, line: line)
        }
        print("max relative loss difference vs one process: \(worst)")
        XCTAssertLessThan(worst, 1e-4, file: file, line: line)
    }

    func testTwoRanksTrainLikeOneRankWithTheWholeBatch() throws {
        let reference = try singleProcessLosses(steps: 6, batch: 8)
        assertSucceeded(try runRanks("testTrain", ranks: 2, env: ["FINCH_TEST_RUN": "dp", "FINCH_TEST_STEPS": "6"]), "2 ranks")
        assertClose(try fixture.trainMetrics(run: "dp"), reference, steps: 1...6, batch: 8)
    }

    /// Saved on 2 ranks, resumed on 3, then on 1: the same samples, in the same order, as one
    /// uninterrupted run — none skipped or repeated.
    func testResumeOnDifferentRankCounts() throws {
        let reference = try singleProcessLosses(steps: 9, batch: 8)
        assertSucceeded(try runRanks("testTrain", ranks: 2, env: ["FINCH_TEST_RUN": "elastic", "FINCH_TEST_STOP": "3"]), "2 ranks")
        assertSucceeded(try runRanks("testTrain", ranks: 3, env: ["FINCH_TEST_RUN": "elastic", "FINCH_TEST_STOP": "6",
                                                                   "FINCH_TEST_RESUME": "auto"]), "3 ranks")
        assertSucceeded(try runRanks("testTrain", ranks: 1, env: ["FINCH_TEST_RUN": "elastic", "FINCH_TEST_STOP": "9",
                                                                   "FINCH_TEST_RESUME": "auto"]), "1 rank")
        assertClose(try fixture.trainMetrics(run: "elastic"), reference, steps: 1...9, batch: 8)
    }

    /// Gradients summed during the backward pass — through shared memory or by non-blocking
    /// all-reduces — give the same weights, bit for bit, as MPI's all-reduce after it.
    func testOverlappedGradientSumTrainsLikeTheBlockingOne() throws {
        assertSucceeded(try runRanks("testOverlapChangesNothing", ranks: 2, env: ["FINCH_TEST_RUN": "overlap"]), "2 ranks")
    }

    /// A rank killed mid-run ends the job quickly and non-zero; the last checkpoint stays whole.
    func testKilledRankEndsTheJobAndKeepsTheLastCheckpoint() throws {
        let r = try runRanks("testKilledRank", ranks: 2, env: ["FINCH_TEST_RUN": "killed"])
        XCTAssertFalse(r.succeeded, "the job must fail when a rank dies:\n\(r.output)")
        XCTAssertFalse(r.timedOut, "the job must end by itself, not at the timeout")
        XCTAssertLessThan(r.elapsedSeconds, 60)
        let store = CheckpointStore(root: fixture.path("killed"), keepLast: 0)
        let point = try store.resolve(resume: "auto")
        XCTAssertEqual(point.checkpoint?.lastPathComponent, "step-00000004")
        XCTAssertNoThrow(try CheckpointStore.verify(checkpoint: XCTUnwrap(point.checkpoint)))
    }
}

/// The ranks' side of `DataParallelSFTTests`; each method does nothing outside an mpirun job.
final class SFTOnRanks: XCTestCase {
    private var env: [String: String] { ProcessInfo.processInfo.environment }

    private func trainer(world: TrainingWorld, steps: Int, every: Int) throws -> SFTTrainer {
        let fixture = SFTFixture(existing: URL(fileURLWithPath: env["FINCH_TEST_DIR"]!))
        let config = try fixture.config(steps: steps, every: every, run: env["FINCH_TEST_RUN"]!, batch: 8)
        return try SFTTrainer(config: config, world: world, resume: env["FINCH_TEST_RESUME"], log: { _ in })
    }

    func testTrain() {
        MPITestHarness.onEveryRank { comm in
            let world = try TrainingWorld(comm: comm, bucketBytes: 4096)  // several buckets even for a tiny model
            let trainer = try self.trainer(world: world, steps: Int(self.env["FINCH_TEST_STEPS"] ?? "9")!, every: 3)
            try trainer.run(stopAfter: self.env["FINCH_TEST_STOP"].flatMap { Int($0) })
            var h = XXHash64()
            h.update(UnsafeRawBufferPointer(trainer.model.params.buffer))
            try world.agree(Int(bitPattern: UInt(truncatingIfNeeded: h.finalize())), on: "the final weights")
        }
    }

    func testOverlapChangesNothing() {
        MPITestHarness.onEveryRank { comm in
            var weights: [[Float]] = []
            // Shared memory during backward, MPI's non-blocking all-reduces during backward,
            // MPI's blocking all-reduces after it.
            for (name, sharedMemory, overlap) in [("shm", true, true), ("iallreduce", false, true), ("blocking", false, false)] {
                let world = try TrainingWorld(comm: comm, bucketBytes: 4096, overlap: overlap, sharedMemory: sharedMemory)
                let fixture = SFTFixture(existing: URL(fileURLWithPath: self.env["FINCH_TEST_DIR"]!))
                let config = try fixture.config(steps: 4, every: 0, run: "overlap-\(name)", batch: 8)
                let trainer = try SFTTrainer(config: config, world: world, log: { _ in })
                try trainer.run()
                weights.append(Array(trainer.model.params.buffer))
            }
            for (i, name) in ["shared memory", "non-blocking all-reduce"].enumerated() {
                let differing = zip(weights[i], weights[2]).filter { $0 != $1 }.count
                XCTAssertEqual(differing, 0, "weights that differ between \(name) and the blocking all-reduce")
            }
        }
    }

    func testKilledRank() {
        MPITestHarness.onEveryRank { comm in
            let trainer = try self.trainer(world: try TrainingWorld(comm: comm), steps: 12, every: 2)
            trainer.afterStep = { step in
                if step == 5 && comm.rank == 1 { kill(getpid(), SIGKILL) }
            }
            try trainer.run()
        }
    }
}

extension SFTFixture {
    /// A fixture over a directory another process already filled.
    init(existing dir: URL) { self.init(unchecked: dir) }
}
