#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes `Float` tensors as a safetensors file that `transformers` and `safetensors`
/// load unchanged.
///
/// Tensors are stored in the order given (the header lists them in that order too), so a
/// caller controls the layout; the header is padded with spaces to a multiple of 8 bytes,
/// as the format allows, so every tensor's data starts 8-byte aligned.
/// The file is written in place: callers that need atomicity write into a temporary
/// directory and rename it, as `CheckpointStore` does.
public enum SafeTensorsWriter {
    /// One tensor to write: its name, its shape and its values in row-major order.
    public struct Tensor {
        public var name: String
        public var shape: [Int]
        public var data: UnsafeBufferPointer<Float>

        public init(name: String, shape: [Int], data: UnsafeBufferPointer<Float>) {
            self.name = name
            self.shape = shape
            self.data = data
        }
    }

    /// Elements converted per chunk when narrowing to BF16, bounding the scratch memory.
    private static let conversionChunk = 1 << 20

    /// Writes `tensors` to `url` stored as `dtype` (`.f32`, or `.bf16` to halve the size
    /// of weights meant for inference), with `metadata` as the header's `__metadata__`.
    public static func write(_ tensors: [Tensor], metadata: [String: String] = [:],
                             dtype: SafeTensorsDType = .f32, to url: URL) throws {
        let path = url.path
        guard dtype == .f32 || dtype == .bf16 else {
            throw SafeTensorsError(file: path, reason: "cannot write dtype \(dtype.rawValue): only F32 and BF16 are supported")
        }
        try checkNamesAndShapes(tensors, path: path)
        let header = headerBytes(for: tensors, metadata: metadata, dtype: dtype)
        let output = try OutputFile(path: path)
        defer { output.finish() }
        var length = UInt64(header.count).littleEndian
        try withUnsafeBytes(of: &length) { try output.append($0) }
        try header.withUnsafeBytes { try output.append($0) }
        for tensor in tensors {
            if dtype == .f32 {
                try output.append(UnsafeRawBufferPointer(tensor.data))
            } else {
                try writeBF16(tensor.data, to: output)
            }
        }
    }

    private static func checkNamesAndShapes(_ tensors: [Tensor], path: String) throws {
        var seen = Set<String>()
        for tensor in tensors {
            guard !tensor.name.isEmpty, tensor.name != SafeTensorsHeaderParser.metadataKey else {
                throw SafeTensorsError(file: path, reason: "invalid tensor name '\(tensor.name)'")
            }
            guard seen.insert(tensor.name).inserted else {
                throw SafeTensorsError(file: path, reason: "tensor '\(tensor.name)' is given twice")
            }
            guard SafeTensorsHeaderParser.elementCount(of: tensor.shape) == tensor.data.count else {
                throw SafeTensorsError(file: path, reason: "tensor '\(tensor.name)' has shape \(tensor.shape) but \(tensor.data.count) values")
            }
        }
    }

    /// The JSON header, built by hand because `JSONSerialization` does not keep key order.
    private static func headerBytes(for tensors: [Tensor], metadata: [String: String],
                                    dtype: SafeTensorsDType) -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            entries.append("\(jsonString(SafeTensorsHeaderParser.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in tensors {
            let end = offset + tensor.data.count * dtype.byteSize
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(tensor.name)):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        let prefix = SafeTensorsHeaderParser.lengthPrefixSize
        let padding = (8 - (prefix + header.count) % 8) % 8
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        return header
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    private static func jsonString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }

    private static func writeBF16(_ values: UnsafeBufferPointer<Float>, to output: OutputFile) throws {
        var scratch = [UInt16](repeating: 0, count: min(conversionChunk, values.count))
        var start = 0
        while start < values.count {
            let end = min(start + conversionChunk, values.count)
            for i in start..<end { scratch[i - start] = HalfFloatBits.bf16(from: values[i]).littleEndian }
            try scratch.withUnsafeBytes { try output.append(UnsafeRawBufferPointer(rebasing: $0[0..<(2 * (end - start))])) }
            start = end
        }
    }
}

/// A file opened for writing that reports failures with its path, retrying short writes.
private struct OutputFile {
    /// Bytes per `write` call: Linux caps a single call just under 2 GiB.
    private static let maxWrite = 1 << 30

    let path: String
    let descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw Self.failure(path, "cannot create") }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let count = min(bytes.count - done, Self.maxWrite)
            let written = write(descriptor, bytes.baseAddress! + done, count)
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.failure(path, "cannot write")
            }
            done += written
        }
    }

    func finish() {
        _ = close(descriptor)
    }

    private static func failure(_ path: String, _ action: String) -> SafeTensorsError {
        SafeTensorsError(file: path, reason: "\(action): \(String(cString: strerror(errno)))")
    }
}
