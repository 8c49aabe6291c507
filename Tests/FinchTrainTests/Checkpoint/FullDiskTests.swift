import XCTest
import FinchDistributed
import Foundation
import FinchTestSupport
@testable import FinchTrain

/// A disk that fills up under a run, on a 1 MiB tmpfs: during a checkpoint save, and before
/// a metrics line (which crashed Finch in FileHandle.write before). Either way `finch sft` exits with an error naming the file it could not
/// write, and every checkpoint saved before stays whole and verifiable. Needs permission to
/// mount a tmpfs (root, as in CI here): without it the tests fail, saying so.
final class FullDiskTests: XCTestCase {
    private var mountPoint: URL?

    override func tearDown() {
        if let mountPoint {
            _ = try? run("/bin/umount", [mountPoint.path])
            try? FileManager.default.removeItem(at: mountPoint)
        }
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> ChildProcessResult {
        try runChildProcess(URL(fileURLWithPath: executable), arguments)
    }

    /// A fresh 1 MiB tmpfs, and an SFT config whose checkpoints (about 420 kB each) fill it at the third save.
    private func smallDisk() throws -> (disk: URL, config: URL) {
        let dir = try makeTemporaryDirectory(for: self)
        let disk = dir.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        let mounted = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.path])
        guard mounted.status == 0 else {
            throw TestEnvironmentError("these tests need to mount a 1 MiB tmpfs (run the suite as root, as CI does): "
                                       + mounted.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        mountPoint = disk
        let data = try writeAdditionSFTData(in: dir, count: 64, evalCount: 4, maxDigits: 2)
        let config = dir.appendingPathComponent("sft.yaml")
        try """
        model: {init: scratch, config: {model_type: gpt2, vocab_size: 262, n_embd: 32, n_layer: 2, n_head: 2, n_positions: 48}}
        data: {train: \(data.path)/train.jsonl, max_length: 48}
        train: {steps: 12, batch_size: 4, threads: 1}
        checkpoint: {dir: \(disk.path)/run, every: 4, keep_last: 2}
        logging: {every: 1}
        """.write(to: config, atomically: true, encoding: .utf8)
        return (disk, config)
    }

    func testDiskFullDuringASaveKeepsThePreviousCheckpoints() throws {
        let (disk, config) = try smallDisk()
        let r = try run(try finchExecutable().path, ["sft", "--config", config.path])
        XCTAssertFalse(r.signalled, r.output)
        XCTAssertNotEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("No space left on device"), r.output)
        XCTAssertTrue(r.output.contains("\(disk.path)/run/.tmp-step-00000012"), "the error must name the file:\n\(r.output)")
        let run = disk.appendingPathComponent("run")
        XCTAssertEqual(try String(contentsOf: run.appendingPathComponent("latest"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), "step-00000008")
        for step in ["step-00000004", "step-00000008"] {
            XCTAssertNoThrow(try CheckpointStore.verify(checkpoint: run.appendingPathComponent(step)), step)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: run.path).filter { $0.hasPrefix(".tmp-") }, [],
                       "the failed save must not leave its half-written directory behind")
    }

    func testDiskFullBeforeAMetricsLineIsAnErrorNotACrash() throws {
        let (disk, config) = try smallDisk()
        // Fill the disk first: the metrics file can still be created (an inode), not written.
        let filler = disk.appendingPathComponent("filler")
        _ = FileManager.default.createFile(atPath: filler.path, contents: nil)
        let handle = try FileHandle(forWritingTo: filler)
        while (try? handle.write(contentsOf: Data(count: 4096))) != nil {}
        try handle.close()
        let r = try run(try finchExecutable().path, ["sft", "--config", config.path])
        XCTAssertFalse(r.signalled, "a full disk must not crash the run:\n\(r.output)")
        XCTAssertNotEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("\(disk.path)/run/metrics.jsonl: cannot append to the metrics file"), r.output)
    }
}
