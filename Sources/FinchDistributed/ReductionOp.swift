import CMPI

/// How `Communicator.allReduce` combines the ranks' values element by element.
public enum ReductionOp: Sendable {
    case sum
    /// The sum divided by the communicator's size: MPI has no averaging
    /// reduction, so this is a sum followed by a local division.
    case average
    case max
    case min

    /// The MPI operation that does the communicating part of this reduction.
    var mpiOp: MPI_Op {
        switch self {
        case .sum, .average: return cmpi_op_sum()
        case .max: return cmpi_op_max()
        case .min: return cmpi_op_min()
        }
    }
}
