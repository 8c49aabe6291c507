import XCTest
import Foundation
import FinchTestSupport
@testable import FinchTrain

/// Finch's TensorBoard event files against bytes TensorBoard's own record writer and protobuf
/// messages produced for the same events (scripts/make-tensorboard-golden.py).
final class TensorBoardEventsTests: XCTestCase {
    func testEventFileMatchesTensorBoardsOwnWriterByteForByte() throws {
        let dir = try makeTemporaryDirectory(for: self)
        do {
            let events = try TensorBoardEvents(directory: dir, wallTime: 1_700_000_000.0)
            try events.write(step: 0, scalars: [("train/loss", 2.5), ("train/lr", 0)], wallTime: 1_700_000_000.25)
            try events.write(step: 7, scalars: [("train/loss", 1.125), ("train/grad_norm", Float(1.0 / 3.0))], wallTime: 1_700_000_001.5)
            try events.write(step: 123_456_789, scalars: [("eval/exact_match", -0.0078125)], wallTime: 1_700_000_002.75)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("tfevents") }
        XCTAssertEqual(files.count, 1)
        let written = try Data(contentsOf: dir.appendingPathComponent(files[0]))
        let golden = try Data(contentsOf: goldenFixture("tensorboard/golden.tfevents"))
        XCTAssertEqual(written, golden, "Finch's event file differs from TensorBoard's (\(written.count) vs \(golden.count) bytes)")
    }

    /// CRC-32C's standard check value, and TFRecord's mask of it.
    func testCRC32C() {
        XCTAssertEqual(TensorBoardEvents.crc32c(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(TensorBoardEvents.crc32c([]), 0)
    }

    /// A run with `logging.tensorboard: true` writes every metrics.jsonl scalar as an event too.
    func testMetricsLogWritesTheSameScalarsToTensorBoard() throws {
        let dir = try makeTemporaryDirectory(for: self)
        do {
            let log = try MetricsLog(path: dir.appendingPathComponent("metrics.jsonl").path, tensorboard: true)
            try log.append(["step": 1, "loss": 0.5, "lr": 1e-3], kind: "train")
            try log.append(["step": 2, "exact_match": .nan], kind: "eval")
        }
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.contains("tfevents") })
        let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
        // Walk the records: each length, its CRC, the event, its CRC.
        var offset = 0, events: [[UInt8]] = []
        while offset < bytes.count {
            let length = Int(bytes[offset..<offset + 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
            let data = Array(bytes[(offset + 12)..<(offset + 12 + length)])
            let crc = bytes[(offset + 12 + length)..<(offset + 16 + length)].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
            XCTAssertEqual(crc, TensorBoardEvents.maskedCRC(data))
            events.append(data)
            offset += 16 + length
        }
        XCTAssertEqual(events.count, 3, "the version event, then one per appended record")
        let text = String(decoding: events[1], as: UTF8.self)
        XCTAssertTrue(text.contains("train/loss") && text.contains("train/lr"), text)
        XCTAssertFalse(String(decoding: events[2], as: UTF8.self).contains("exact_match"), "a NaN is left out, as in metrics.jsonl's null")
    }
}
