#if canImport(Glibc)
import Glibc
#endif

/// A wrapped MPI communicator. Communicators made by `withSplit` are freed by
/// all their ranks together when the scope ends; COMM_WORLD is never freed here.
public struct Communicator: @unchecked Sendable {
    /// The raw handle, for this module's Raw.swift only.
    let handle: RawComm
    let owned: Bool
    /// Local: this process's rank in the communicator (read once, checked).
    public let rank: Int
    /// Local: the number of ranks (read once, checked).
    public let size: Int

    init(handle: RawComm, owned: Bool) throws(MPIError) {
        self.handle = handle
        self.owned = owned
        rank = try raw_rank(handle)
        size = try raw_size(handle)
    }

    /// Local: the handle as an opaque pointer, for the C libraries that take
    /// an MPI_Comm (BLACS, parallel HDF5), used by the other wrapper layers of
    /// this package only. In Open MPI, MPI_Comm is a pointer; an MPI whose
    /// MPI_Comm is an integer (MPICH) would need a different bridge here
    /// (docs/design.md).
    package var opaqueHandle: UnsafeMutableRawPointer { UnsafeMutableRawPointer(handle) }

    /// Collective.
    public func barrier() throws(MPIError) {
        try raw_barrier(handle)
    }

    /// Collective. A barrier that sleeps between polls instead of spinning, so a
    /// rank that has finished early does not steal a core from ranks still
    /// computing (Open MPI's blocking collectives busy-wait).
    /// `tick` runs about every `every` seconds while waiting.
    public func quietBarrier(pollMicroseconds: UInt32 = 2000, every: Double = 1.0, tick: () throws -> Void = {}) throws {
        var request = try raw_ibarrier(handle)
        var last = raw_wtime()
        while true {
            if try raw_test(&request) { return }
            usleep(pollMicroseconds)
            if raw_wtime() - last >= every { last = raw_wtime(); try tick() }
        }
    }

    /// Collective: `buffer` on `root` is copied to every rank. All ranks pass
    /// buffers of the same count.
    public func broadcast<T: MPIScalar>(_ buffer: inout [T], root: Int = 0) throws(MPIError) {
        try raw_bcast(&buffer, root: root, handle)
    }

    /// Collective: one value from root to all.
    public func broadcast<T: MPIScalar>(_ value: T, root: Int = 0) throws(MPIError) -> T {
        var buffer = [value]
        try broadcast(&buffer, root: root)
        return buffer[0]
    }

    /// Collective: a string from root to all.
    public func broadcast(string: String, root: Int = 0) throws(MPIError) -> String {
        var bytes = Array(string.utf8)
        let n = try broadcast(Int64(bytes.count), root: root)
        if rank != root { bytes = [UInt8](repeating: 0, count: Int(n)) }
        try broadcast(&bytes, root: root)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Collective: elementwise reduction; the result is on every rank.
    public func allreduce<T: MPIScalar>(_ values: [T], _ op: ReduceOp) throws(MPIError) -> [T] {
        try raw_allreduce(values, op, handle)
    }

    /// Collective.
    public func allreduce<T: MPIScalar>(_ value: T, _ op: ReduceOp) throws(MPIError) -> T {
        try allreduce([value], op)[0]
    }

    /// Collective: in-place elementwise reduction to `root`. Other ranks' buffers
    /// are left unchanged.
    public func reduce<T: MPIScalar>(_ values: inout [T], _ op: ReduceOp, root: Int = 0) throws(MPIError) {
        try raw_reduce(&values, op, root: root, isRoot: rank == root, handle)
    }

    /// Collective: every rank contributes `values` (same count everywhere);
    /// root receives the concatenation in rank order, others get [].
    public func gather<T: MPIScalar>(_ values: [T], root: Int = 0) throws(MPIError) -> [T] {
        var out = [T](repeating: T.zero, count: rank == root ? values.count * size : 0)
        try raw_gather(values, into: &out, root: root, handle)
        return out
    }

    /// Collective: every rank contributes any number of values; root
    /// receives them concatenated in rank order (others get []).
    public func gatherv<T: MPIScalar>(_ values: [T], root: Int = 0) throws(MPIError) -> [T] {
        let counts = try gather([Int32(values.count)], root: root)
        var displs = [Int32](repeating: 0, count: counts.count)
        for i in counts.indices.dropFirst() { displs[i] = displs[i - 1] + counts[i - 1] }
        let total = Int(counts.reduce(0, +))
        var out = [T](repeating: T.zero, count: rank == root ? total : 0)
        try raw_gatherv(values, into: &out, counts: counts, displacements: displs, root: root, handle)
        return out
    }

    /// Collective: like `gather`, with the result on every rank.
    public func allgather<T: MPIScalar>(_ values: [T]) throws(MPIError) -> [T] {
        precondition(!values.isEmpty, "allgather of an empty array")
        var out = [T](repeating: values[0], count: values.count * size)
        try raw_allgather(values, into: &out, handle)
        return out
    }

    /// Collective: rank i contributes `counts[i]` doubles from `values`; every
    /// rank receives all of them in `out`, rank i's at `displacements[i]`
    /// (MPI_Allgatherv; counts and displacements the same on every rank).
    public func allgatherv(_ values: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, counts: [Int32],
                           displacements: [Int32]) throws(MPIError) {
        precondition(counts.count == size && displacements.count == size)
        try raw_allgatherv(values, count: Int(counts[rank]), into: out, counts: counts, displacements: displacements, handle)
    }

    /// Collective: split into sub-communicators by `color`, ordered by `key`,
    /// run `body` with this rank's part, then free it on all ranks together.
    public func withSplit<R>(color: Int, key: Int, _ body: (Communicator) throws -> R) throws -> R {
        let sub = try raw_split(handle, color: color, key: key)
        return try Self.withOwned(sub, errorsReturn: true, body)
    }

    /// Collective: the ranks sharing this rank's node (MPI_COMM_TYPE_SHARED),
    /// freed together at scope end.
    public func withNodeLocal<R>(_ body: (Communicator) throws -> R) throws -> R {
        let sub = try raw_splitShared(handle, key: rank)
        return try Self.withOwned(sub, errorsReturn: false, body)
    }

    /// Collective over `sub`: run `body` with it, then free it on all its
    /// ranks together, also when `body` throws (both errors are kept if the
    /// free fails then).
    static func withOwned<R>(_ sub: RawComm, errorsReturn: Bool, _ body: (Communicator) throws -> R) throws -> R {
        let result: R
        do {
            if errorsReturn { try raw_setErrorsReturn(sub) }
            result = try body(try Communicator(handle: sub, owned: true))
        } catch {
            do { try raw_free(sub) } catch let cleanup { throw MPICleanupError(original: error, cleanup: cleanup) }
            throw error
        }
        try raw_free(sub)
        return result
    }

    /// Collective: a shared counter living on rank 0 of this communicator,
    /// incremented atomically with one-sided MPI (MPI_Fetch_and_op). It lets
    /// ranks draw work items without a dedicated master. Freed on all ranks at
    /// scope end.
    public func withSharedCounter<R>(initial: Int64 = 0, _ body: (SharedCounter) throws -> R) throws -> R {
        let win = try raw_winAllocateInt64(local: rank == 0, initial: initial, handle)
        let result: R
        do {
            try raw_barrier(handle)
            try raw_winLockAll(win)
            do {
                result = try body(SharedCounter(window: win))
            } catch {
                do { try raw_winUnlockAll(win) } catch let cleanup { throw MPICleanupError(original: error, cleanup: cleanup) }
                throw error
            }
            try raw_winUnlockAll(win)
        } catch {
            do { try raw_winFree(win) } catch let cleanup { throw MPICleanupError(original: error, cleanup: cleanup) }
            throw error
        }
        try raw_winFree(win)
        return result
    }
}

/// A counter on rank 0 of a communicator (see `Communicator.withSharedCounter`).
public struct SharedCounter: @unchecked Sendable {
    let window: RawWindow

    /// Local (one-sided): atomically add `increment` and return the old value.
    public func fetchAndAdd(_ increment: Int64 = 1) throws(MPIError) -> Int64 {
        try raw_fetchAndAddInt64(increment, target: 0, window)
    }
}
