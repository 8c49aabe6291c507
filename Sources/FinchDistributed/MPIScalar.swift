import CMPI

/// A fixed-size number that MPI can move and reduce element by element.
///
/// Conformance ties a Swift type to the MPI datatype of identical memory
/// layout, so typed buffers go to MPI without conversion or copying;
/// `BitwiseCopyable` guarantees there are no references inside to corrupt.
public protocol MPIScalar: BitwiseCopyable {
    /// The MPI datatype with this type's exact size and representation.
    static var mpiDatatype: MPI_Datatype { get }

    /// The average of `count` values whose sum is `sum`; used by `ReductionOp.average`,
    /// which MPI lacks as a built-in reduction.
    static func average(ofSum sum: Self, count: Int) -> Self
}

extension Float: MPIScalar {
    public static var mpiDatatype: MPI_Datatype { cmpi_float() }
    public static func average(ofSum sum: Float, count: Int) -> Float { sum / Float(count) }
}

extension Double: MPIScalar {
    public static var mpiDatatype: MPI_Datatype { cmpi_double() }
    public static func average(ofSum sum: Double, count: Int) -> Double { sum / Double(count) }
}

extension Int64: MPIScalar {
    public static var mpiDatatype: MPI_Datatype { cmpi_int64() }
    /// Integer division, rounding toward zero, like Swift's `/`.
    public static func average(ofSum sum: Int64, count: Int) -> Int64 { sum / Int64(count) }
}

/// `Int` is 64 bits on every platform Finch runs on, so it travels as `MPI_INT64_T`;
/// token and sample counts can then be reduced without conversion.
extension Int: MPIScalar {
    public static var mpiDatatype: MPI_Datatype { cmpi_int64() }
    /// Integer division, rounding toward zero, like Swift's `/`.
    public static func average(ofSum sum: Int, count: Int) -> Int { sum / count }
}
