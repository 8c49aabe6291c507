import Foundation

/// Scalar summaries in TensorBoard's event-file format, written natively (no TensorFlow or
/// protobuf library): each record is its length (UInt64, little-endian), the masked CRC-32C of
/// those 8 bytes, the serialized `Event` protobuf, and the masked CRC-32C of the protobuf. The
/// first event names the format version ("brain.Event:2"), as TensorBoard's own writer does.
/// `tensorboard --logdir runs/` then shows Finch runs beside any others.
public final class TensorBoardEvents {
    public let url: URL
    private let handle: FileHandle

    /// Opens a new event file in `directory` (`events.out.tfevents.<seconds>.<host>.finch`).
    public init(directory: URL, wallTime: Double = Date().timeIntervalSince1970) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: "/", with: "_")
        url = directory.appendingPathComponent("events.out.tfevents.\(Int(wallTime)).\(host).\(getpid()).finch")
        guard FileManager.default.createFile(atPath: url.path, contents: nil), let h = FileHandle(forWritingAtPath: url.path) else {
            throw TrainError("\(url.path): cannot create the TensorBoard event file")
        }
        handle = h
        try append(Self.record(Self.event(wallTime: wallTime, step: 0, fileVersion: "brain.Event:2")))
    }

    deinit { try? handle.close() }

    /// One event holding a scalar summary per (tag, value), at `step`.
    public func write(step: Int, scalars: [(tag: String, value: Float)], wallTime: Double = Date().timeIntervalSince1970) throws {
        try append(Self.record(Self.event(wallTime: wallTime, step: step, scalars: scalars)))
    }

    private func append(_ record: [UInt8]) throws {
        do {
            try handle.write(contentsOf: Data(record))
        } catch {
            throw TrainError("\(url.path): cannot append to the TensorBoard event file: \(error.localizedDescription)")
        }
    }

    // MARK: The format

    /// The `Event` message: wall_time (1, double), step (2, int64), file_version (3) or summary (5).
    /// Like protobuf's own serializer, fields holding their default (0) are left out.
    static func event(wallTime: Double, step: Int, fileVersion: String? = nil, scalars: [(tag: String, value: Float)] = []) -> [UInt8] {
        var out: [UInt8] = []
        if wallTime != 0 { out.append(0x09); out += withUnsafeBytes(of: wallTime.bitPattern.littleEndian, Array.init) }
        if step != 0 { out.append(0x10); out += varint(UInt64(bitPattern: Int64(step))) }
        if let fileVersion { out += field(3, Array(fileVersion.utf8)) }
        if !scalars.isEmpty {
            // Summary { repeated Value value = 1 }, Value { string tag = 1; float simple_value = 2 (in a oneof: always written) }
            let summary = scalars.flatMap { scalar -> [UInt8] in
                field(1, field(1, Array(scalar.tag.utf8)) + [0x15] + withUnsafeBytes(of: scalar.value.bitPattern.littleEndian, Array.init))
            }
            out += field(5, summary)
        }
        return out
    }

    static func record(_ data: [UInt8]) -> [UInt8] {
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian, Array.init)
        return length + le32(maskedCRC(length)) + data + le32(maskedCRC(data))
    }

    private static func field(_ number: UInt8, _ bytes: [UInt8]) -> [UInt8] { [number << 3 | 2] + varint(UInt64(bytes.count)) + bytes }

    private static func varint(_ value: UInt64) -> [UInt8] {
        var v = value, out: [UInt8] = []
        repeat {
            let byte = UInt8(v & 0x7F)
            v >>= 7
            out.append(v == 0 ? byte : byte | 0x80)
        } while v != 0
        return out
    }

    private static func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }

    /// TFRecord's masked CRC: rotate right by 15, add a constant, so CRCs of CRCs do not collide.
    static func maskedCRC(_ bytes: [UInt8]) -> UInt32 {
        let c = crc32c(bytes)
        return ((c >> 15) | (c << 17)) &+ 0xA282_EAD8
    }

    /// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven.
    static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
        return c
    }
}
