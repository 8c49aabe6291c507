import XCTest
import Foundation
@testable import FinchTrain

/// A new run never writes over an earlier one without being told: `checkStart` refuses a
/// checkpoint directory that holds checkpoints unless the run resumes it or says `--overwrite`.
final class RunOverwriteTests: XCTestCase {
    func testStartingOverAnEarlierRunNeedsResumeOrOverwrite() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("finch-overwrite-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = CheckpointStore(root: root, keepLast: 0)
        XCTAssertNoThrow(try store.checkStart(resume: nil, overwrite: false), "a missing directory is a fresh run")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("data"), withIntermediateDirectories: true)
        XCTAssertNoThrow(try store.checkStart(resume: nil, overwrite: false), "data beside no checkpoint is a fresh run")

        // A damaged checkpoint (no manifest): refused without --resume, and --resume auto would start fresh over it.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("step-00000004"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try store.checkStart(resume: nil, overwrite: false)) { error in
            XCTAssertTrue("\(error)".contains(root.path) && "\(error)".contains("newest: step-00000004") && "\(error)".contains("--overwrite"), "\(error)")
        }
        XCTAssertThrowsError(try store.checkStart(resume: "auto", overwrite: false)) { error in
            XCTAssertTrue("\(error)".contains("none verifies"), "\(error)")
        }
        XCTAssertNoThrow(try store.checkStart(resume: nil, overwrite: true))
        XCTAssertNoThrow(try store.checkStart(resume: "auto", overwrite: true))
        XCTAssertNoThrow(try store.checkStart(resume: root.appendingPathComponent("step-00000004").path, overwrite: false),
                         "an explicit checkpoint is verified when it is opened")
    }
}
