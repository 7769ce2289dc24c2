// All raw MPI calls of qglass go through this file (house style: callers never
// see the C API). Each call's return code is checked and turned into MPIError;
// no C type appears in a public signature of this module.
import CMPI

/// An MPI routine failed. `function` names the routine, `code` is its return
/// code and `message` the text from MPI_Error_string.
public struct MPIError: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let code: Int32
    public let message: String
    public var description: String { "\(function) failed with code \(code): \(message)" }
}

/// An error escaped a scope, and releasing the scope's MPI resource then
/// failed too: both are kept.
public struct MPICleanupError: Error, CustomStringConvertible {
    public let original: any Error
    public let cleanup: MPIError
    public var description: String { "\(original); releasing the MPI resource afterwards also failed: \(cleanup)" }
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

/// The predefined MPI datatypes qglass uses.
public enum MPIScalarKind: Sendable { case double, int64, int32, uint8 }

/// Scalar types that have a predefined MPI datatype.
public protocol MPIScalar: Sendable, Numeric {
    static var mpiKind: MPIScalarKind { get }
}
extension Double: MPIScalar { public static var mpiKind: MPIScalarKind { .double } }
extension Int64: MPIScalar { public static var mpiKind: MPIScalarKind { .int64 } }
extension Int32: MPIScalar { public static var mpiKind: MPIScalarKind { .int32 } }
extension UInt8: MPIScalar { public static var mpiKind: MPIScalarKind { .uint8 } }

extension MPIScalarKind {
    var datatype: MPI_Datatype {
        switch self {
        case .double: return cmpi_double()
        case .int64: return cmpi_int64()
        case .int32: return cmpi_int32()
        case .uint8: return cmpi_uint8()
        }
    }
}

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

/// The MPI communicator handle as this module stores it.
typealias RawComm = MPI_Comm
/// A one-sided window handle.
typealias RawWindow = MPI_Win?

// ---- Environment ----

func raw_initThreadFunneled() throws(MPIError) {
    var provided: Int32 = 0
    var argc: Int32 = 0
    try mpiCheck(MPI_Init_thread(&argc, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
}
func raw_finalize() throws(MPIError) { try mpiCheck(MPI_Finalize(), "MPI_Finalize") }
func raw_commWorld() -> RawComm { cmpi_comm_world() }
/// MPI_Abort does not return when it works; if it returns, the caller exits anyway.
func raw_abortWorld(_ code: Int32) -> Int32 { MPI_Abort(cmpi_comm_world(), code) }
func raw_wtime() -> Double { MPI_Wtime() }
func raw_libraryVersion() throws(MPIError) -> String {
    var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_LIBRARY_VERSION_STRING) + 1)
    var length: Int32 = 0
    try mpiCheck(MPI_Get_library_version(&buffer, &length), "MPI_Get_library_version")
    return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

// ---- Communicators ----

func raw_setErrorsReturn(_ c: RawComm) throws(MPIError) {
    try mpiCheck(MPI_Comm_set_errhandler(c, cmpi_errors_return()), "MPI_Comm_set_errhandler")
}
func raw_rank(_ c: RawComm) throws(MPIError) -> Int {
    var r: Int32 = 0
    try mpiCheck(MPI_Comm_rank(c, &r), "MPI_Comm_rank")
    return Int(r)
}
func raw_size(_ c: RawComm) throws(MPIError) -> Int {
    var s: Int32 = 0
    try mpiCheck(MPI_Comm_size(c, &s), "MPI_Comm_size")
    return Int(s)
}
func raw_split(_ c: RawComm, color: Int, key: Int) throws(MPIError) -> RawComm {
    var raw: MPI_Comm? = nil
    try mpiCheck(MPI_Comm_split(c, Int32(color), Int32(key), &raw), "MPI_Comm_split")
    guard let sub = raw else { throw MPIError(function: "MPI_Comm_split", code: -1, message: "returned MPI_COMM_NULL") }
    return sub
}
func raw_splitShared(_ c: RawComm, key: Int) throws(MPIError) -> RawComm {
    var raw: MPI_Comm? = nil
    try mpiCheck(MPI_Comm_split_type(c, cmpi_comm_type_shared(), Int32(key), cmpi_info_null(), &raw), "MPI_Comm_split_type")
    guard let sub = raw else { throw MPIError(function: "MPI_Comm_split_type", code: -1, message: "returned MPI_COMM_NULL") }
    return sub
}
func raw_free(_ c: RawComm) throws(MPIError) {
    var h: MPI_Comm? = c
    try mpiCheck(MPI_Comm_free(&h), "MPI_Comm_free")
}

// ---- Collectives ----

func raw_barrier(_ c: RawComm) throws(MPIError) { try mpiCheck(MPI_Barrier(c), "MPI_Barrier") }

/// A nonblocking barrier, polled with `test` until it completes.
struct RawRequest { var request: MPI_Request? }
func raw_ibarrier(_ c: RawComm) throws(MPIError) -> RawRequest {
    var request = cmpi_request_null()
    try mpiCheck(MPI_Ibarrier(c, &request), "MPI_Ibarrier")
    return RawRequest(request: request)
}
func raw_test(_ r: inout RawRequest) throws(MPIError) -> Bool {
    var flag: Int32 = 0
    try mpiCheck(MPI_Test(&r.request, &flag, cmpi_status_ignore()), "MPI_Test")
    return flag != 0
}

func raw_bcast<T: MPIScalar>(_ buffer: inout [T], root: Int, _ c: RawComm) throws(MPIError) {
    let count = Int32(buffer.count)
    let rc = buffer.withUnsafeMutableBytes { MPI_Bcast($0.baseAddress, count, T.mpiKind.datatype, Int32(root), c) }
    try mpiCheck(rc, "MPI_Bcast")
}

func raw_allreduce<T: MPIScalar>(_ values: [T], _ op: ReduceOp, _ c: RawComm) throws(MPIError) -> [T] {
    var out = values
    let count = Int32(values.count)
    let rc = values.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in MPI_Allreduce(src.baseAddress, dst.baseAddress, count, T.mpiKind.datatype, op.raw, c) }
    }
    try mpiCheck(rc, "MPI_Allreduce")
    return out
}

/// In place on the root (MPI_IN_PLACE), plain send buffer elsewhere.
func raw_reduce<T: MPIScalar>(_ values: inout [T], _ op: ReduceOp, root: Int, isRoot: Bool, _ c: RawComm) throws(MPIError) {
    let count = Int32(values.count)
    let rc: Int32
    if isRoot {
        rc = values.withUnsafeMutableBytes { buf in
            MPI_Reduce(cmpi_in_place(), buf.baseAddress, count, T.mpiKind.datatype, op.raw, Int32(root), c)
        }
    } else {
        var dummy = values
        rc = values.withUnsafeBytes { src in
            dummy.withUnsafeMutableBytes { dst in MPI_Reduce(src.baseAddress, dst.baseAddress, count, T.mpiKind.datatype, op.raw, Int32(root), c) }
        }
    }
    try mpiCheck(rc, "MPI_Reduce")
}

func raw_gather<T: MPIScalar>(_ values: [T], into out: inout [T], root: Int, _ c: RawComm) throws(MPIError) {
    let count = Int32(values.count)
    let rc = values.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in
            MPI_Gather(src.baseAddress, count, T.mpiKind.datatype, dst.baseAddress, count, T.mpiKind.datatype, Int32(root), c)
        }
    }
    try mpiCheck(rc, "MPI_Gather")
}

func raw_gatherv<T: MPIScalar>(_ values: [T], into out: inout [T], counts: [Int32], displacements: [Int32], root: Int, _ c: RawComm) throws(MPIError) {
    let n = Int32(values.count)
    let rc = values.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in
            counts.withUnsafeBufferPointer { cp in
                displacements.withUnsafeBufferPointer { dp in
                    MPI_Gatherv(src.baseAddress, n, T.mpiKind.datatype, dst.baseAddress, cp.baseAddress, dp.baseAddress,
                                T.mpiKind.datatype, Int32(root), c)
                }
            }
        }
    }
    try mpiCheck(rc, "MPI_Gatherv")
}

func raw_allgather<T: MPIScalar>(_ values: [T], into out: inout [T], _ c: RawComm) throws(MPIError) {
    let count = Int32(values.count)
    let rc = values.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in
            MPI_Allgather(src.baseAddress, count, T.mpiKind.datatype, dst.baseAddress, count, T.mpiKind.datatype, c)
        }
    }
    try mpiCheck(rc, "MPI_Allgather")
}

func raw_allgatherv(_ values: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>, counts: [Int32],
                    displacements: [Int32], _ c: RawComm) throws(MPIError) {
    let rc = counts.withUnsafeBufferPointer { cp in
        displacements.withUnsafeBufferPointer { dp in
            MPI_Allgatherv(values, Int32(count), Double.mpiKind.datatype, out, cp.baseAddress, dp.baseAddress, Double.mpiKind.datatype, c)
        }
    }
    try mpiCheck(rc, "MPI_Allgatherv")
}

// ---- One-sided: a shared Int64 counter ----

func raw_winAllocateInt64(local: Bool, initial: Int64, _ c: RawComm) throws(MPIError) -> RawWindow {
    var base: UnsafeMutableRawPointer? = nil
    var win: MPI_Win? = nil
    let bytes = local ? MPI_Aint(MemoryLayout<Int64>.size) : 0
    let rc = withUnsafeMutablePointer(to: &base) { p in
        MPI_Win_allocate(bytes, Int32(MemoryLayout<Int64>.size), cmpi_info_null(), c, p, &win)
    }
    try mpiCheck(rc, "MPI_Win_allocate")
    if local, let base { base.storeBytes(of: initial, as: Int64.self) }
    return win
}
func raw_winLockAll(_ w: RawWindow) throws(MPIError) { try mpiCheck(MPI_Win_lock_all(cmpi_mode_nocheck(), w), "MPI_Win_lock_all") }
func raw_winUnlockAll(_ w: RawWindow) throws(MPIError) { try mpiCheck(MPI_Win_unlock_all(w), "MPI_Win_unlock_all") }
func raw_winFree(_ w: RawWindow) throws(MPIError) {
    var h = w
    try mpiCheck(MPI_Win_free(&h), "MPI_Win_free")
}
func raw_fetchAndAddInt64(_ increment: Int64, target: Int32, _ w: RawWindow) throws(MPIError) -> Int64 {
    var add = increment
    var old: Int64 = 0
    try mpiCheck(MPI_Fetch_and_op(&add, &old, cmpi_int64(), target, 0, cmpi_op_sum(), w), "MPI_Fetch_and_op")
    try mpiCheck(MPI_Win_flush(target, w), "MPI_Win_flush")
    return old
}
