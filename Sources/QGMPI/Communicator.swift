import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// A wrapped MPI communicator. Communicators made by `withSplit` are freed by
/// all their ranks together when the scope ends; COMM_WORLD is never freed here.
public struct Communicator: @unchecked Sendable {
    /// The raw handle, for the other wrapper layers of this package only.
    package let handle: MPI_Comm
    let owned: Bool

    init(handle: MPI_Comm, owned: Bool) {
        self.handle = handle
        self.owned = owned
    }

    /// Local.
    public var rank: Int {
        var r: Int32 = 0
        _ = MPI_Comm_rank(handle, &r)
        return Int(r)
    }

    /// Local.
    public var size: Int {
        var s: Int32 = 0
        _ = MPI_Comm_size(handle, &s)
        return Int(s)
    }

    /// Local: the handle as an opaque pointer, for C libraries that take an
    /// MPI_Comm (BLACS, HDF5). Open MPI's MPI_Comm is a pointer.
    package var opaqueHandle: UnsafeMutableRawPointer { UnsafeMutableRawPointer(handle) }

    /// Collective.
    public func barrier() throws(MPIError) {
        try mpiCheck(MPI_Barrier(handle), "MPI_Barrier")
    }

    /// Collective. A barrier that sleeps between polls instead of spinning, so a
    /// rank that has finished early does not steal a core from ranks still
    /// computing (Open MPI's blocking collectives busy-wait).
    /// `tick` runs about every `every` seconds while waiting.
    public func quietBarrier(pollMicroseconds: UInt32 = 2000, every: Double = 1.0, tick: () throws -> Void = {}) throws {
        var request = cmpi_request_null()
        try mpiCheck(MPI_Ibarrier(handle, &request), "MPI_Ibarrier")
        var flag: Int32 = 0
        var last = MPI_Wtime()
        while true {
            try mpiCheck(MPI_Test(&request, &flag, cmpi_status_ignore()), "MPI_Test")
            if flag != 0 { return }
            usleep(pollMicroseconds)
            if MPI_Wtime() - last >= every { last = MPI_Wtime(); try tick() }
        }
    }

    /// Collective: `buffer` on `root` is copied to every rank. All ranks pass
    /// buffers of the same count.
    public func broadcast<T: MPIScalar>(_ buffer: inout [T], root: Int = 0) throws(MPIError) {
        let count = Int32(buffer.count)
        let rc = buffer.withUnsafeMutableBytes { MPI_Bcast($0.baseAddress, count, T.mpiDatatype, Int32(root), handle) }
        try mpiCheck(rc, "MPI_Bcast")
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
        var out = values
        let count = Int32(values.count)
        let rc = values.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                MPI_Allreduce(src.baseAddress, dst.baseAddress, count, T.mpiDatatype, op.raw, handle)
            }
        }
        try mpiCheck(rc, "MPI_Allreduce")
        return out
    }

    /// Collective.
    public func allreduce<T: MPIScalar>(_ value: T, _ op: ReduceOp) throws(MPIError) -> T {
        try allreduce([value], op)[0]
    }

    /// Collective: in-place elementwise reduction to `root`. Other ranks' buffers
    /// are left unchanged.
    public func reduce<T: MPIScalar>(_ values: inout [T], _ op: ReduceOp, root: Int = 0) throws(MPIError) {
        let count = Int32(values.count)
        let isRoot = rank == root
        let rc: Int32
        if isRoot {
            rc = values.withUnsafeMutableBytes { buf in
                MPI_Reduce(cmpi_in_place(), buf.baseAddress, count, T.mpiDatatype, op.raw, Int32(root), handle)
            }
        } else {
            var dummy = values
            rc = values.withUnsafeBytes { src in
                dummy.withUnsafeMutableBytes { dst in
                    MPI_Reduce(src.baseAddress, dst.baseAddress, count, T.mpiDatatype, op.raw, Int32(root), handle)
                }
            }
        }
        try mpiCheck(rc, "MPI_Reduce")
    }

    /// Collective: every rank contributes `values` (same count everywhere);
    /// root receives the concatenation in rank order, others get [].
    public func gather<T: MPIScalar>(_ values: [T], root: Int = 0) throws(MPIError) -> [T] {
        let count = Int32(values.count)
        var out = [T](repeating: T.zero, count: rank == root ? values.count * size : 0)
        let rc = values.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                MPI_Gather(src.baseAddress, count, T.mpiDatatype, dst.baseAddress, count, T.mpiDatatype, Int32(root), handle)
            }
        }
        try mpiCheck(rc, "MPI_Gather")
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
        let n = Int32(values.count)
        let rc = values.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                counts.withUnsafeBufferPointer { c in
                    displs.withUnsafeBufferPointer { d in
                        MPI_Gatherv(src.baseAddress, n, T.mpiDatatype, dst.baseAddress, c.baseAddress, d.baseAddress,
                                    T.mpiDatatype, Int32(root), handle)
                    }
                }
            }
        }
        try mpiCheck(rc, "MPI_Gatherv")
        return out
    }

    /// Collective: like `gather`, with the result on every rank.
    public func allgather<T: MPIScalar>(_ values: [T]) throws(MPIError) -> [T] {
        precondition(!values.isEmpty, "allgather of an empty array")
        let count = Int32(values.count)
        var out = [T](repeating: values[0], count: values.count * size)
        let rc = values.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                MPI_Allgather(src.baseAddress, count, T.mpiDatatype, dst.baseAddress, count, T.mpiDatatype, handle)
            }
        }
        try mpiCheck(rc, "MPI_Allgather")
        return out
    }

    /// Collective: split into sub-communicators by `color`, ordered by `key`,
    /// run `body` with this rank's part, then free it on all ranks together.
    public func withSplit<R>(color: Int, key: Int, _ body: (Communicator) throws -> R) throws -> R {
        var raw: MPI_Comm? = nil
        try mpiCheck(MPI_Comm_split(handle, Int32(color), Int32(key), &raw), "MPI_Comm_split")
        guard let sub = raw else { throw MPIError(function: "MPI_Comm_split", code: -1, message: "returned MPI_COMM_NULL") }
        try mpiCheck(MPI_Comm_set_errhandler(sub, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        let comm = Communicator(handle: sub, owned: true)
        let result: R
        do {
            result = try body(comm)
        } catch {
            var h: MPI_Comm? = sub
            _ = MPI_Comm_free(&h)
            throw error
        }
        var h: MPI_Comm? = sub
        try mpiCheck(MPI_Comm_free(&h), "MPI_Comm_free")
        return result
    }

    /// Collective: the ranks sharing this rank's node (MPI_COMM_TYPE_SHARED),
    /// freed together at scope end.
    public func withNodeLocal<R>(_ body: (Communicator) throws -> R) throws -> R {
        var raw: MPI_Comm? = nil
        try mpiCheck(MPI_Comm_split_type(handle, cmpi_comm_type_shared(), Int32(rank), cmpi_info_null(), &raw),
                     "MPI_Comm_split_type")
        guard let sub = raw else { throw MPIError(function: "MPI_Comm_split_type", code: -1, message: "returned MPI_COMM_NULL") }
        let comm = Communicator(handle: sub, owned: true)
        defer { var h: MPI_Comm? = sub; _ = MPI_Comm_free(&h) }
        return try body(comm)
    }

    /// Collective: a shared counter living on rank 0 of this communicator,
    /// incremented atomically with one-sided MPI (MPI_Fetch_and_op). It lets
    /// ranks draw work items without a dedicated master. Freed on all ranks at
    /// scope end.
    public func withSharedCounter<R>(initial: Int64 = 0, _ body: (SharedCounter) throws -> R) throws -> R {
        var base: UnsafeMutableRawPointer? = nil
        var win: MPI_Win? = nil
        let bytes = rank == 0 ? MPI_Aint(MemoryLayout<Int64>.size) : 0
        try withUnsafeMutablePointer(to: &base) { p in
            try mpiCheck(MPI_Win_allocate(bytes, Int32(MemoryLayout<Int64>.size), cmpi_info_null(), handle, p, &win),
                         "MPI_Win_allocate")
        }
        if rank == 0, let base { base.storeBytes(of: initial, as: Int64.self) }
        try mpiCheck(MPI_Barrier(handle), "MPI_Barrier")
        try mpiCheck(MPI_Win_lock_all(cmpi_mode_nocheck(), win), "MPI_Win_lock_all")
        let counter = SharedCounter(window: win)
        let result: R
        do {
            result = try body(counter)
        } catch {
            _ = MPI_Win_unlock_all(win)
            _ = MPI_Win_free(&win)
            throw error
        }
        try mpiCheck(MPI_Win_unlock_all(win), "MPI_Win_unlock_all")
        try mpiCheck(MPI_Win_free(&win), "MPI_Win_free")
        return result
    }
}

/// A counter on rank 0 of a communicator (see `Communicator.withSharedCounter`).
public struct SharedCounter: @unchecked Sendable {
    let window: MPI_Win?

    /// Local (one-sided): atomically add `increment` and return the old value.
    public func fetchAndAdd(_ increment: Int64 = 1) throws(MPIError) -> Int64 {
        var add = increment
        var old: Int64 = 0
        try mpiCheck(MPI_Fetch_and_op(&add, &old, cmpi_int64(), 0, 0, cmpi_op_sum(), window), "MPI_Fetch_and_op")
        try mpiCheck(MPI_Win_flush(0, window), "MPI_Win_flush")
        return old
    }
}
