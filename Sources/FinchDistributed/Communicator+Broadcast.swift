import CMPI
import Foundation

extension Communicator {
    /// Copies the root's buffer into every other rank's buffer.
    ///
    /// Collective: every rank passes a buffer of the same element count. Used
    /// for tensors whose shape all ranks already know, such as initial weights.
    public func broadcast<Element: MPIScalar>(_ buffer: UnsafeMutableBufferPointer<Element>, root: Int) throws {
        try broadcastElements(buffer, datatype: Element.mpiDatatype, root: root)
    }

    /// Array form of `broadcast(_:root:)`.
    public func broadcast<Element: MPIScalar>(_ values: inout [Element], root: Int) throws {
        try values.withUnsafeMutableBufferPointer { try broadcast($0, root: root) }
    }

    /// Returns the root's bytes on every rank; other ranks' `bytes` are ignored.
    ///
    /// The length travels first, so only the root needs to know it: this is how
    /// files read on one rank (a tokenizer, a checkpoint) reach the others.
    public func broadcastBytes(_ bytes: Data, root: Int) throws -> Data {
        try broadcastPayload(rank == root ? bytes : nil, root: root, operation: "broadcastBytes")
    }

    /// Returns the root's value on every rank, sent as JSON; other ranks pass nil.
    ///
    /// If the root has no value or cannot encode it, every rank throws rather
    /// than the others waiting forever for bytes that never come.
    public func broadcastValue<Value: Codable>(_ value: Value?, root: Int) throws -> Value {
        let operation = "broadcastValue(\(Value.self))"
        var payload: Data?
        var encodingFailure: Error?
        if rank == root, let value {
            do { payload = try JSONEncoder().encode(value) } catch { encodingFailure = error }
        }
        let received = try broadcastPayload(payload, root: root, operation: operation)
        if let encodingFailure {
            throw DistributedError(operation: operation, rank: MPIRuntime.worldRank,
                                   reason: "could not encode the value as JSON: \(encodingFailure)")
        }
        do {
            return try JSONDecoder().decode(Value.self, from: received)
        } catch {
            throw DistributedError(operation: operation, rank: MPIRuntime.worldRank,
                                   reason: "could not decode the root's JSON: \(error)")
        }
    }

    /// Broadcasts a byte count and then the bytes. A root without a payload
    /// sends the count −1, which makes every rank throw together.
    private func broadcastPayload(_ payload: Data?, root: Int, operation: String) throws -> Data {
        var length: [Int64] = [rank == root ? Int64(payload?.count ?? -1) : 0]
        try broadcast(&length, root: root)
        guard length[0] >= 0 else {
            throw DistributedError(operation: operation, rank: MPIRuntime.worldRank,
                                   reason: "root rank \(root) had nothing to send")
        }
        var bytes = rank == root ? payload ?? Data() : Data(count: Int(length[0]))
        try bytes.withUnsafeMutableBytes { raw in
            try broadcastElements(raw.bindMemory(to: UInt8.self), datatype: cmpi_uint8(), root: root)
        }
        return bytes
    }

    /// Broadcasts elements of any type given the MPI datatype of the same layout;
    /// shared by typed buffers and raw bytes.
    private func broadcastElements<Element>(_ buffer: UnsafeMutableBufferPointer<Element>,
                                            datatype: MPI_Datatype, root: Int) throws {
        let mpiRoot = try mpiInt(root, "root", "MPI_Bcast")
        guard let base = buffer.baseAddress else { return }
        try Watchdog.during("MPI_Bcast from rank \(root)") {
            for chunk in mpiChunks(count: buffer.count) {
                try checkMPI(MPI_Bcast(base + chunk.lowerBound, Int32(chunk.count), datatype, mpiRoot, handle), "MPI_Bcast")
            }
        }
    }
}
