import CMPI

extension Communicator {
    /// Combines the buffers of all ranks element by element and leaves the
    /// result in every rank's buffer.
    ///
    /// In place (`MPI_IN_PLACE`), so a gradient or statistics buffer needs no
    /// second copy. Collective: every rank must pass the same element count.
    public func allReduce<Element: MPIScalar>(_ buffer: UnsafeMutableBufferPointer<Element>,
                                              _ op: ReductionOp) throws {
        guard let base = buffer.baseAddress else { return }
        try Watchdog.during("MPI_Allreduce") {
            for chunk in mpiChunks(count: buffer.count) {
                try checkMPI(MPI_Allreduce(cmpi_in_place(), base + chunk.lowerBound, Int32(chunk.count),
                                           Element.mpiDatatype, op.mpiOp, handle), "MPI_Allreduce")
            }
        }
        if op == .average {
            for index in buffer.indices {
                buffer[index] = Element.average(ofSum: buffer[index], count: size)
            }
        }
    }

    /// Array form of `allReduce(_:_:)`.
    public func allReduce<Element: MPIScalar>(_ values: inout [Element], _ op: ReductionOp) throws {
        try values.withUnsafeMutableBufferPointer { try allReduce($0, op) }
    }
}
