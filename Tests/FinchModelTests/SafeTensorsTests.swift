import Foundation
import XCTest
@testable import FinchModel

final class SafeTensorsTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    // MARK: Round trips

    func testF32RoundTripKeepsOrderShapesValuesAndMetadata() throws {
        let url = directory.appendingPathComponent("model.safetensors")
        let weight: [Float] = (0..<12).map { Float($0) * 0.25 - 1 }
        let bias: [Float] = [3.5, -7, 1e-8]
        try weight.withUnsafeBufferPointer { w in
            try bias.withUnsafeBufferPointer { b in
                try SafeTensorsWriter.write([.init(name: "z.weight", shape: [3, 4], data: w),
                                             .init(name: "a.bias", shape: [3], data: b)],
                                            metadata: ["format": "pt", "note": "quote \" and \\ slash"], to: url)
            }
        }
        let file = try SafeTensorsFile(url: url)
        XCTAssertEqual(file.names, ["z.weight", "a.bias"])
        XCTAssertEqual(file.metadata, ["format": "pt", "note": "quote \" and \\ slash"])
        XCTAssertEqual(file.tensor(named: "z.weight")?.shape, [3, 4])
        XCTAssertEqual(file.tensor(named: "a.bias")?.dtype, .f32)
        XCTAssertNil(file.tensor(named: "missing"))
        XCTAssertEqual(try file.floats("z.weight"), weight)
        XCTAssertEqual(try file.floats("a.bias"), bias)
        let dataStart = try XCTUnwrap(file.tensors.first?.fileByteRange.lowerBound)
        XCTAssertEqual(dataStart % 8, 0, "header must be padded so tensor data starts 8-byte aligned")
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int
        XCTAssertEqual(size, dataStart + 4 * (weight.count + bias.count))
    }

    func testCopyFloatsFillsBufferAndRejectsWrongSize() throws {
        let url = directory.appendingPathComponent("copy.safetensors")
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        try values.withUnsafeBufferPointer { try SafeTensorsWriter.write([.init(name: "t", shape: [2, 3], data: $0)], to: url) }
        let file = try SafeTensorsFile(url: url)
        var destination = [Float](repeating: 0, count: 6)
        try destination.withUnsafeMutableBufferPointer { try file.copyFloats("t", into: $0) }
        XCTAssertEqual(destination, values)
        var tooSmall = [Float](repeating: 0, count: 5)
        assertError(try tooSmall.withUnsafeMutableBufferPointer { try file.copyFloats("t", into: $0) },
                    mentions: [url.path, "'t'", "6 elements", "holds 5"])
        assertError(try file.floats("nope"), mentions: [url.path, "no tensor named 'nope'"])
    }

    func testBF16WriteRoundsToNearestEven() throws {
        let url = directory.appendingPathComponent("half.safetensors")
        // 1 + 2^-8 is halfway between BF16 neighbours 1 and 1 + 2^-7: ties go to the even
        // mantissa (1). 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: even is 1 + 2^-6.
        let values: [Float] = [1, -2.5, 0.15625, 1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-7 + 0x1p-9]
        let expected: [Float] = [1, -2.5, 0.15625, 1, 1 + 0x1p-6, 1 + 0x1p-7]
        try values.withUnsafeBufferPointer {
            try SafeTensorsWriter.write([.init(name: "h", shape: [6], data: $0)], dtype: .bf16, to: url)
        }
        let file = try SafeTensorsFile(url: url)
        XCTAssertEqual(file.tensor(named: "h")?.dtype, .bf16)
        XCTAssertEqual(file.tensor(named: "h")?.fileByteRange.count, 2 * values.count)
        XCTAssertEqual(try file.floats("h"), expected)
    }

    // MARK: Conversions from files written elsewhere

    func testF16AndBF16DecodeToKnownValues() throws {
        let f16Bits: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0400, 0x3555, 0x8000, 0x7C00]
        let f16Expected: [Float] = [1, -2, 65504, 0x1p-24, 0x1p-14, 0.333251953125, -0.0, .infinity]
        let bf16Bits: [UInt16] = [0x3F80, 0xC020, 0x4049, 0x3E20, 0xFF80]
        let bf16Expected: [Float] = [1, -2.5, 3.140625, 0.15625, -.infinity]
        let data = littleEndianBytes(f16Bits) + littleEndianBytes(bf16Bits)
        let header = """
        {"a":{"dtype":"F16","shape":[2,4],"data_offsets":[0,16]},"b":{"dtype":"BF16","shape":[5],"data_offsets":[16,26]}}
        """
        let url = try writeRaw("foreign.safetensors", header: header, data: data)
        let file = try SafeTensorsFile(url: url)
        let f16 = try file.floats("a")
        XCTAssertEqual(f16, f16Expected)
        XCTAssertEqual(f16[6].sign, .minus, "negative zero keeps its sign")
        XCTAssertEqual(try file.floats("b"), bf16Expected)
        XCTAssertTrue(HalfFloatBits.float(fromF16: 0x7E00).isNaN)
    }

    func testNonFloatDtypeIsListedButNotReadAsFloat() throws {
        let url = try writeRaw("ids.safetensors", header: #"{"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#,
                               data: [UInt8](repeating: 1, count: 16))
        let file = try SafeTensorsFile(url: url)
        XCTAssertEqual(file.tensor(named: "ids")?.dtype, .i64)
        assertError(try file.floats("ids"), mentions: [url.path, "'ids'", "I64"])
    }

    // MARK: Damaged files

    func testTruncatedFileNamesTensorAndSizes() throws {
        let url = directory.appendingPathComponent("model.safetensors")
        let values = [Float](repeating: 0.5, count: 64)
        try values.withUnsafeBufferPointer {
            try SafeTensorsWriter.write([.init(name: "h.0.attn.c_attn.weight", shape: [8, 8], data: $0)], to: url)
        }
        let fullSize = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(fullSize - 10))
        try handle.close()
        assertError(try SafeTensorsFile(url: url),
                    mentions: [url.path, "truncated", "'h.0.attn.c_attn.weight'", "ends at byte \(fullSize)",
                               "has \(fullSize - 10) bytes"])
    }

    func testCorruptedHeaderJSON() throws {
        let url = try writeRaw("bad.safetensors", header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#,
                               data: [0, 0, 0, 0])
        assertError(try SafeTensorsFile(url: url), mentions: [url.path, "corrupted header", "not valid JSON"])
    }

    func testHeaderLengthBeyondFile() throws {
        let url = directory.appendingPathComponent("short.safetensors")
        var bytes = littleEndianBytes([UInt16(500), 0, 0, 0])
        bytes += Array("{}".utf8)
        try Data(bytes).write(to: url)
        assertError(try SafeTensorsFile(url: url), mentions: [url.path, "header length 500", "2 bytes"])
        let tiny = directory.appendingPathComponent("tiny.safetensors")
        try Data([1, 2, 3]).write(to: tiny)
        assertError(try SafeTensorsFile(url: tiny), mentions: [tiny.path, "too short"])
    }

    func testOffsetsOutOfRange() throws {
        let url = try writeRaw("range.safetensors",
                               header: #"{"w":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}}"#,
                               data: [UInt8](repeating: 0, count: 16))
        assertError(try SafeTensorsFile(url: url), mentions: [url.path, "truncated", "'w'", "ends at byte"])
    }

    func testOffsetsInconsistentWithShapeOverlappingOrLeavingGaps() throws {
        let data = [UInt8](repeating: 0, count: 16)
        let span = try writeRaw("span.safetensors",
                                header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#, data: data)
        assertError(try SafeTensorsFile(url: span), mentions: [span.path, "'w'", "needs 12 bytes", "span 16"])
        let overlap = try writeRaw("overlap.safetensors", header: """
            {"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}
            """, data: data)
        assertError(try SafeTensorsFile(url: overlap), mentions: [overlap.path, "'a' and 'b' overlap"])
        let gap = try writeRaw("gap.safetensors",
                               header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, data: data)
        assertError(try SafeTensorsFile(url: gap), mentions: [gap.path, "gap of 8", "'a'"])
        let tail = try writeRaw("tail.safetensors",
                                header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: data)
        assertError(try SafeTensorsFile(url: tail), mentions: [tail.path, "8 unused bytes"])
    }

    func testUnknownDtypeAndBadMetadata() throws {
        let dtype = try writeRaw("dtype.safetensors",
                                 header: #"{"w":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}"#, data: [0])
        assertError(try SafeTensorsFile(url: dtype), mentions: [dtype.path, "'w'", "unknown dtype 'Q4'"])
        let metadata = try writeRaw("meta.safetensors", header: #"{"__metadata__":{"epoch":3}}"#, data: [])
        assertError(try SafeTensorsFile(url: metadata), mentions: [metadata.path, "__metadata__"])
    }

    func testWriterRejectsShapeMismatchAndDuplicateNames() throws {
        let url = directory.appendingPathComponent("out.safetensors")
        let values: [Float] = [1, 2, 3]
        try values.withUnsafeBufferPointer { buffer in
            assertError(try SafeTensorsWriter.write([.init(name: "w", shape: [2, 2], data: buffer)], to: url),
                        mentions: [url.path, "'w'", "[2, 2]", "3 values"])
            assertError(try SafeTensorsWriter.write([.init(name: "w", shape: [3], data: buffer),
                                                     .init(name: "w", shape: [3], data: buffer)], to: url),
                        mentions: [url.path, "'w' is given twice"])
        }
    }

    // MARK: Helpers

    /// Builds a file from a header string and data bytes, padding nothing, as a foreign writer might.
    private func writeRaw(_ name: String, header: String, data: [UInt8]) throws -> URL {
        let url = directory.appendingPathComponent(name)
        let headerBytes = Array(header.utf8)
        var length = UInt64(headerBytes.count).littleEndian
        var bytes = withUnsafeBytes(of: &length) { Array($0) }
        bytes += headerBytes + data
        try Data(bytes).write(to: url)
        return url
    }

    private func littleEndianBytes(_ words: [UInt16]) -> [UInt8] {
        words.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    private func assertError<T>(_ expression: @autoclosure () throws -> T, mentions fragments: [String],
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            let message = "\(error)"
            for fragment in fragments {
                XCTAssertTrue(message.contains(fragment), "'\(message)' does not mention '\(fragment)'", file: file, line: line)
            }
        }
    }
}
