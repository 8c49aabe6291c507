import Foundation

/// A safetensors file, memory-mapped and fully validated when opened.
///
/// The format (Hugging Face's) is: an 8-byte little-endian header length N, N bytes of
/// JSON mapping each tensor name to `dtype`, `shape` and `data_offsets` (relative to the
/// end of the header) plus an optional `__metadata__` string map, then the raw bytes.
///
/// Every rule is checked up front (header inside the file, valid JSON, known dtypes,
/// byte counts matching shapes, tensors packed without gaps or overlaps and inside the
/// file) so that a bad or truncated download fails at load time with the file and the
/// tensor named, not later as garbage weights or a crash.
///
/// Immutable after `init`, hence safe to share between threads.
public final class SafeTensorsFile: @unchecked Sendable {
    /// One tensor's description from the header.
    public struct Tensor: Equatable, Sendable {
        public let name: String
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        /// Product of `shape` (1 for a scalar).
        public let elementCount: Int
        /// Where the tensor's bytes sit in the file, counted from the file's first byte.
        public let fileByteRange: Range<Int>
    }

    /// The file, as given to `init`; every error message starts with its path.
    public let url: URL
    /// The `__metadata__` map, empty when the header has none.
    public let metadata: [String: String]
    /// All tensors, in the order their bytes appear in the file.
    public let tensors: [Tensor]

    private let tensorIndexByName: [String: Int]
    private let mapping: MappedFile

    /// Maps and validates the file at `url`.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw SafeTensorsError(file: path, reason: error.reason)
        }
        let layout = try SafeTensorsHeaderParser(path: path, bytes: mapping.bytes).parse()
        metadata = layout.metadata
        tensors = layout.tensors
        tensorIndexByName = Dictionary(uniqueKeysWithValues: layout.tensors.enumerated().map { ($1.name, $0) })
    }

    /// Tensor names in file order.
    public var names: [String] { tensors.map(\.name) }

    /// The header entry for `name`, or nil when the file has no such tensor.
    public func tensor(named name: String) -> Tensor? {
        tensorIndexByName[name].map { tensors[$0] }
    }

    /// The tensor's values widened to `Float` (F32 copied as is; F16 and BF16 converted).
    public func floats(_ name: String) throws -> [Float] {
        let tensor = try floatTensor(named: name)
        return try [Float](unsafeUninitializedCapacity: tensor.elementCount) { buffer, initialized in
            try copy(tensor, into: buffer)
            initialized = tensor.elementCount
        }
    }

    /// Copies the tensor's values, widened to `Float`, into `destination`, whose size must
    /// equal the tensor's element count, so parameters can be loaded in place.
    public func copyFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let tensor = try floatTensor(named: name)
        guard destination.count == tensor.elementCount else {
            throw SafeTensorsError(file: url.path, reason: "tensor '\(name)' has \(tensor.elementCount) elements (shape \(tensor.shape)) but the destination holds \(destination.count)")
        }
        try copy(tensor, into: destination)
    }

    private func floatTensor(named name: String) throws -> Tensor {
        guard let tensor = tensor(named: name) else {
            throw SafeTensorsError(file: url.path, reason: "no tensor named '\(name)'")
        }
        guard tensor.dtype.isReadableAsFloat else {
            throw SafeTensorsError(file: url.path, reason: "tensor '\(name)' has dtype \(tensor.dtype.rawValue), which cannot be read as Float (F32, F16 and BF16 can)")
        }
        return tensor
    }

    /// Element-wise conversion reads through `loadUnaligned`, since files from other
    /// writers need not align their data. Values are little-endian, as on every platform
    /// Finch runs on, which lets F32 be a plain byte copy.
    private func copy(_ tensor: Tensor, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard tensor.elementCount > 0, let target = destination.baseAddress else { return }
        let source = UnsafeRawBufferPointer(rebasing: mapping.bytes[tensor.fileByteRange])
        switch tensor.dtype {
        case .f32:
            UnsafeMutableRawPointer(target).copyMemory(from: source.baseAddress!, byteCount: source.count)
        case .bf16:
            for i in 0..<tensor.elementCount {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                target[i] = HalfFloatBits.float(fromBF16: bits)
            }
        case .f16:
            for i in 0..<tensor.elementCount {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                target[i] = HalfFloatBits.float(fromF16: bits)
            }
        default:
            preconditionFailure("floatTensor(named:) admits only F32, F16 and BF16")
        }
    }
}

/// A safetensors file that cannot be read or written; the message names the file first.
public struct SafeTensorsError: Error, CustomStringConvertible, LocalizedError {
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
    public var errorDescription: String? { description }
}
