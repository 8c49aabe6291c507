import Foundation

/// Reads and checks the header of a mapped safetensors file.
///
/// Kept apart from `SafeTensorsFile` because it is where every format rule lives: each
/// failure becomes a `SafeTensorsError` naming the file, the tensor and the rule broken.
struct SafeTensorsHeaderParser {
    struct Layout {
        var metadata: [String: String]
        var tensors: [SafeTensorsFile.Tensor]
    }

    /// Bytes taken by the header-length prefix.
    static let lengthPrefixSize = 8
    /// The name under which the header stores free-form metadata instead of a tensor.
    static let metadataKey = "__metadata__"

    let path: String
    let bytes: UnsafeRawBufferPointer

    func parse() throws -> Layout {
        let headerEnd = try headerEndOffset()
        let headerBytes = Data(bytes[Self.lengthPrefixSize..<headerEnd])
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw fail("corrupted header: the \(headerBytes.count)-byte header is not valid JSON")
        }
        guard let entries = json as? [String: Any] else {
            throw fail("corrupted header: expected a JSON object mapping tensor names to entries")
        }
        var metadata: [String: String] = [:]
        var unplaced: [(name: String, dtype: SafeTensorsDType, shape: [Int], offsets: Range<Int>)] = []
        for (name, value) in entries {
            if name == Self.metadataKey {
                guard let map = value as? [String: String] else {
                    throw fail("corrupted header: '\(Self.metadataKey)' must map strings to strings")
                }
                metadata = map
                continue
            }
            guard let entry = value as? [String: Any] else {
                throw fail("corrupted header: entry for tensor '\(name)' is not a JSON object")
            }
            unplaced.append((name, try dtype(of: entry, tensor: name), try shape(of: entry, tensor: name),
                             try offsets(of: entry, tensor: name)))
        }
        unplaced.sort { ($0.offsets.lowerBound, $0.offsets.upperBound) < ($1.offsets.lowerBound, $1.offsets.upperBound) }

        // Tensors must tile the data section exactly: each starts where the previous ended.
        var tensors: [SafeTensorsFile.Tensor] = []
        var expectedStart = 0
        var previousName: String?
        for item in unplaced {
            let elementCount = try product(of: item.shape, tensor: item.name)
            let (neededBytes, overflow) = elementCount.multipliedReportingOverflow(by: item.dtype.byteSize)
            guard !overflow, neededBytes == item.offsets.count else {
                throw fail("tensor '\(item.name)' has shape \(item.shape) of \(item.dtype.rawValue), which needs \(overflow ? "more than Int.max" : String(neededBytes)) bytes, but its data_offsets \(item.offsets.lowerBound)..<\(item.offsets.upperBound) span \(item.offsets.count)")
            }
            if item.offsets.lowerBound < expectedStart, let previousName {
                throw fail("tensors '\(previousName)' and '\(item.name)' overlap: '\(item.name)' starts at data offset \(item.offsets.lowerBound) before '\(previousName)' ends at \(expectedStart)")
            }
            if item.offsets.lowerBound > expectedStart {
                throw fail("gap of \(item.offsets.lowerBound - expectedStart) unused bytes before tensor '\(item.name)' at data offset \(expectedStart)")
            }
            guard item.offsets.upperBound <= bytes.count - headerEnd else {
                let fileEnd = item.offsets.upperBound.addingReportingOverflow(headerEnd)
                throw fail("truncated: tensor '\(item.name)' ends at byte \(fileEnd.overflow ? "beyond Int.max" : String(fileEnd.partialValue)) but the file has \(bytes.count) bytes")
            }
            let fileStart = headerEnd + item.offsets.lowerBound
            let fileEnd = headerEnd + item.offsets.upperBound
            tensors.append(.init(name: item.name, dtype: item.dtype, shape: item.shape,
                                 elementCount: elementCount, fileByteRange: fileStart..<fileEnd))
            expectedStart = item.offsets.upperBound
            previousName = item.name
        }
        let unusedTail = bytes.count - (headerEnd + expectedStart)
        guard unusedTail == 0 else {
            throw fail("\(unusedTail) unused bytes after the last tensor (the data section should end at byte \(headerEnd + expectedStart))")
        }
        return Layout(metadata: metadata, tensors: tensors)
    }

    /// Reads the length prefix and returns the file offset where tensor data begins.
    private func headerEndOffset() throws -> Int {
        guard bytes.count >= Self.lengthPrefixSize else {
            throw fail("truncated: \(bytes.count) bytes is too short for the 8-byte header length")
        }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        let available = UInt64(bytes.count - Self.lengthPrefixSize)
        guard headerLength <= available else {
            throw fail("truncated: header length \(headerLength) exceeds the \(available) bytes after the length prefix")
        }
        guard headerLength >= 2 else {
            throw fail("corrupted header: header length \(headerLength) is too small to hold a JSON object")
        }
        return Self.lengthPrefixSize + Int(headerLength)
    }

    private func dtype(of entry: [String: Any], tensor name: String) throws -> SafeTensorsDType {
        guard let text = entry["dtype"] as? String else {
            throw fail("corrupted header: tensor '\(name)' has no string 'dtype'")
        }
        guard let dtype = SafeTensorsDType(rawValue: text) else {
            throw fail("corrupted header: tensor '\(name)' has unknown dtype '\(text)'")
        }
        return dtype
    }

    private func shape(of entry: [String: Any], tensor name: String) throws -> [Int] {
        guard let shape = entry["shape"] as? [Int], shape.allSatisfy({ $0 >= 0 }) else {
            throw fail("corrupted header: tensor '\(name)' needs 'shape' as a list of non-negative integers")
        }
        return shape
    }

    private func offsets(of entry: [String: Any], tensor name: String) throws -> Range<Int> {
        guard let offsets = entry["data_offsets"] as? [Int], offsets.count == 2,
              offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw fail("corrupted header: tensor '\(name)' needs 'data_offsets' as [begin, end] with 0 <= begin <= end")
        }
        return offsets[0]..<offsets[1]
    }

    private func product(of shape: [Int], tensor name: String) throws -> Int {
        guard let count = Self.elementCount(of: shape) else {
            throw fail("tensor '\(name)' has shape \(shape), too large to address")
        }
        return count
    }

    /// The number of elements a shape holds, or nil when it is negative or overflows `Int`.
    static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (next, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = next
        }
        return count
    }

    private func fail(_ reason: String) -> SafeTensorsError {
        SafeTensorsError(file: path, reason: reason)
    }
}
