// All raw MPI calls of qglass go through this file (house style: callers never
// see the C API). Each call's return code is checked and turned into MPIError.
import CMPI

/// An MPI routine failed. `function` names the routine, `code` is its return
/// code and `message` the text from MPI_Error_string.
public struct MPIError: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let code: Int32
    public let message: String
    public var description: String { "\(function) failed with code \(code): \(message)" }
}

@inline(__always)
func mpiCheck(_ code: Int32, _ function: @autoclosure () -> String) throws(MPIError) {
    if code != MPI_SUCCESS {
        throw MPIError(function: function(), code: code, message: mpiErrorString(code))
    }
}

func mpiErrorString(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
    var length: Int32 = 0
    let rc = MPI_Error_string(code, &buffer, &length)
    if rc != MPI_SUCCESS { return "(no message: MPI_Error_string returned \(rc))" }
    return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Scalar types that have a predefined MPI datatype.
public protocol MPIScalar: Sendable, Numeric {
    static var mpiDatatype: MPI_Datatype { get }
}
extension Double: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_double() } }
extension Int64: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_int64() } }
extension Int32: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_int32() } }
extension UInt8: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_uint8() } }

/// Reduction operations.
public enum ReduceOp: Sendable {
    case sum, max, min
    var raw: MPI_Op {
        switch self {
        case .sum: return cmpi_op_sum()
        case .max: return cmpi_op_max()
        case .min: return cmpi_op_min()
        }
    }
}
