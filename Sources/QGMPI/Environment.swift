import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// MPI's lifetime. `MPIEnvironment.run` initializes MPI (collective over all
/// processes of the job), hands out COMM_WORLD, and finalizes when the body
/// returns. Error handlers are set to MPI_ERRORS_RETURN so
/// that every failure surfaces as an `MPIError`.
public enum MPIEnvironment {
    /// Collective: every process of the job calls it once. If `body` throws,
    /// MPI is not finalized (a rank cannot finalize alone while others may
    /// still be in a collective); callers turn errors that can differ between
    /// ranks into `abort(code:)`, and errors that every rank sees alike into a
    /// plain exit.
    public static func run<R>(_ body: (Communicator) throws -> R) throws -> R {
        var provided: Int32 = 0
        var argc: Int32 = 0
        try mpiCheck(MPI_Init_thread(&argc, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
        let world = Communicator(handle: cmpi_comm_world(), owned: false)
        try mpiCheck(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
        let result = try body(world)
        try mpiCheck(MPI_Finalize(), "MPI_Finalize")
        return result
    }

    /// Local: abort every process of COMM_WORLD with `code` (used after an
    /// unrecoverable error on one rank, so the others do not hang).
    public static func abort(code: Int32) -> Never {
        MPI_Abort(cmpi_comm_world(), code)
        exit(code)
    }

    /// Local: wall-clock time in seconds (MPI_Wtime).
    public static func wtime() -> Double { MPI_Wtime() }

    /// Local: the library version string (MPI_Get_library_version).
    public static func libraryVersion() -> String {
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_LIBRARY_VERSION_STRING) + 1)
        var length: Int32 = 0
        guard MPI_Get_library_version(&buffer, &length) == MPI_SUCCESS else { return "unknown" }
        let s = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return s.split(separator: "\n").first.map(String.init) ?? s
    }
}
