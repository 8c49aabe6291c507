import CMPI
import Foundation

extension Communicator {
    /// Sends a buffer to one rank; returns once the buffer may be reused.
    ///
    /// Blocking: for exchanges where both sides send, order the calls (e.g.
    /// even ranks send first) or large messages will deadlock. `tag` tells
    /// apart messages between the same pair of ranks.
    public func send<Element: MPIScalar>(_ buffer: UnsafeBufferPointer<Element>, to destination: Int, tag: Int) throws {
        try sendElements(buffer, datatype: Element.mpiDatatype, to: destination, tag: tag)
    }

    /// Array form of `send(_:to:tag:)`.
    public func send<Element: MPIScalar>(_ values: [Element], to destination: Int, tag: Int) throws {
        try values.withUnsafeBufferPointer { try send($0, to: destination, tag: tag) }
    }

    /// Receives exactly `buffer.count` elements sent by `source` with `tag`;
    /// a message of another length is an error, not a silent partial fill.
    public func receive<Element: MPIScalar>(into buffer: UnsafeMutableBufferPointer<Element>,
                                            from source: Int, tag: Int) throws {
        try receiveElements(into: buffer, datatype: Element.mpiDatatype, from: source, tag: tag)
    }

    /// Array form of `receive(into:from:tag:)`: fills the existing elements.
    public func receive<Element: MPIScalar>(into values: inout [Element], from source: Int, tag: Int) throws {
        try values.withUnsafeMutableBufferPointer { try receive(into: $0, from: source, tag: tag) }
    }

    /// Sends a byte blob of any length: the length goes first, so the receiver
    /// need not know it in advance.
    public func sendBytes(_ bytes: Data, to destination: Int, tag: Int) throws {
        try send([Int64(bytes.count)], to: destination, tag: tag)
        try bytes.withUnsafeBytes { raw in
            try sendElements(raw.bindMemory(to: UInt8.self), datatype: cmpi_uint8(), to: destination, tag: tag)
        }
    }

    /// Receives a blob sent with `sendBytes(_:to:tag:)`.
    public func receiveBytes(from source: Int, tag: Int) throws -> Data {
        var length: [Int64] = [0]
        try receive(into: &length, from: source, tag: tag)
        var bytes = Data(count: Int(length[0]))
        try bytes.withUnsafeMutableBytes { raw in
            try receiveElements(into: raw.bindMemory(to: UInt8.self), datatype: cmpi_uint8(), from: source, tag: tag)
        }
        return bytes
    }

    private func sendElements<Element>(_ buffer: UnsafeBufferPointer<Element>, datatype: MPI_Datatype,
                                       to destination: Int, tag: Int) throws {
        let operation = "MPI_Send"
        let mpiDestination = try mpiInt(destination, "destination rank", operation)
        let mpiTag = try mpiInt(tag, "tag", operation)
        try Watchdog.during("MPI_Send to rank \(destination)") {
            for chunk in messageChunks(count: buffer.count) {
                try checkMPI(MPI_Send(buffer.baseAddress.map { $0 + chunk.lowerBound }, Int32(chunk.count), datatype,
                                      mpiDestination, mpiTag, handle), operation)
            }
        }
    }

    private func receiveElements<Element>(into buffer: UnsafeMutableBufferPointer<Element>, datatype: MPI_Datatype,
                                          from source: Int, tag: Int) throws {
        let operation = "MPI_Recv"
        let mpiSource = try mpiInt(source, "source rank", operation)
        let mpiTag = try mpiInt(tag, "tag", operation)
        for chunk in messageChunks(count: buffer.count) {
            var status = MPI_Status()
            try Watchdog.during("MPI_Recv from rank \(source)") {
                try checkMPI(MPI_Recv(buffer.baseAddress.map { $0 + chunk.lowerBound }, Int32(chunk.count), datatype,
                                      mpiSource, mpiTag, handle, &status), operation)
            }
            var received: Int32 = 0
            try checkMPI(MPI_Get_count(&status, datatype, &received), "MPI_Get_count")
            if Int(received) != chunk.count {
                throw DistributedError(operation: operation, rank: MPIRuntime.worldRank,
                                       reason: "expected \(chunk.count) elements from rank \(source) with tag \(tag), got \(received)")
            }
        }
    }

    /// The pieces a point-to-point transfer is cut into. Unlike collectives, an
    /// empty transfer is still one (empty) message, so that a receiver waiting
    /// for it is released.
    private func messageChunks(count: Int) -> [Range<Int>] {
        count == 0 ? [0..<0] : mpiChunks(count: count)
    }
}
