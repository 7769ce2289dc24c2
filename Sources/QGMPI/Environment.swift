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
        try raw_initThreadFunneled()
        let handle = raw_commWorld()
        try raw_setErrorsReturn(handle)
        let world = try Communicator(handle: handle, owned: false)
        let result = try body(world)
        try raw_finalize()
        return result
    }

    /// Local: abort every process of COMM_WORLD with `code` (used after an
    /// unrecoverable error on one rank, so the others do not hang). If
    /// MPI_Abort itself fails, this process exits with `code` anyway.
    public static func abort(code: Int32) -> Never {
        let rc = raw_abortWorld(code)
        if rc != 0 {
            let text = Array("MPI_Abort returned \(rc); exiting this rank only\n".utf8)
            _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
        exit(code)
    }

    /// Local: wall-clock time in seconds (MPI_Wtime).
    public static func wtime() -> Double { raw_wtime() }

    /// Local: the first line of the library version string
    /// (MPI_Get_library_version), or the error it returned.
    public static func libraryVersion() -> String {
        do {
            let s = try raw_libraryVersion()
            return s.split(separator: "\n").first.map(String.init) ?? s
        } catch {
            return "unknown (\(error))"
        }
    }
}
