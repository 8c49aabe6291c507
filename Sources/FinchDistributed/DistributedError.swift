import CMPI

/// A failed distributed operation.
///
/// In a job of many processes a bare MPI error code is useless in a log: the
/// message names the operation, the rank that saw the failure and MPI's own
/// explanation, so one line of one rank's output says what went wrong where.
public struct DistributedError: Error, CustomStringConvertible {
    /// The MPI call or Finch operation that failed, e.g. `MPI_Allreduce`.
    public let operation: String
    /// The world rank of the process that saw the failure; nil when no rank is
    /// involved (before MPI started, or in the `MPIJob` launcher).
    public let rank: Int?
    /// MPI's error string, or Finch's explanation for failures MPI cannot see.
    public let reason: String

    public init(operation: String, rank: Int?, reason: String) {
        self.operation = operation
        self.rank = rank
        self.reason = reason
    }

    public var description: String {
        let place = rank.map { " on rank \($0)" } ?? ""
        return "\(operation) failed\(place): \(reason)"
    }
}

/// Throws a `DistributedError` when an MPI call did not return `MPI_SUCCESS`.
///
/// Every MPI call in this module goes through here; together with the
/// `MPI_ERRORS_RETURN` handler set on each communicator this turns MPI's
/// default "abort the job" into an ordinary Swift error the caller may handle.
@inline(__always)
func checkMPI(_ code: Int32, _ operation: String) throws {
    if code != cmpi_success() {
        throw DistributedError(operation: operation, rank: MPIRuntime.worldRank, reason: mpiErrorString(code))
    }
}

/// MPI's human-readable text for an error code, with the code itself for searching.
func mpiErrorString(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()))
    var length: Int32 = 0
    guard MPI_Error_string(code, &buffer, &length) == cmpi_success() else {
        return "MPI error code \(code)"
    }
    let text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return "\(text) (MPI error code \(code))"
}
