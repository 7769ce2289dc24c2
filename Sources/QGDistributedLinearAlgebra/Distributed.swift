import QGMPI
import QGLinearAlgebra

/// A 2D BLACS process grid over a communicator (the ranks of one ED group).
/// Created and released together by all ranks of the communicator
/// (`BlacsGrid.with`), never by `deinit`.
public struct BlacsGrid: Sendable {
    public let context: Int32
    public let nprow: Int
    public let npcol: Int
    public let myrow: Int
    public let mycol: Int

    /// The most square grid nprow x npcol = n with nprow <= npcol.
    public static func shape(for n: Int) -> (Int, Int) {
        var r = Int(Double(n).squareRoot())
        while r > 1 && n % r != 0 { r -= 1 }
        return (max(1, r), n / max(1, r))
    }

    /// Collective over `comm`: build the grid, run `body`, release the grid.
    public static func with<R>(_ comm: Communicator, _ body: (BlacsGrid) throws -> R) throws -> R {
        let (pr, pc) = shape(for: comm.size)
        let handle = raw_blacsHandle(comm.opaqueHandle)
        let ctx = raw_gridinit(handle: handle, nprow: pr, npcol: pc)
        let (nr, nc, r, c) = raw_gridinfo(ctx)
        guard nr == pr, nc == pc, r >= 0, c >= 0 else {
            raw_freeBlacsHandle(handle)
            throw LinearAlgebraError(routine: "Cblacs_gridinit", info: -1, context: "grid \(pr)x\(pc) not formed on \(comm.size) ranks")
        }
        let grid = BlacsGrid(context: ctx, nprow: pr, npcol: pc, myrow: r, mycol: c)
        defer {
            raw_gridexit(ctx)
            raw_freeBlacsHandle(handle)
        }
        return try body(grid)
    }
}

/// A dense matrix distributed block-cyclically over a BLACS grid (ScaLAPACK
/// layout, block size `nb` x `nb`, source process (0,0)). Each rank owns its
/// local column-major part. Construction is local; solvers are collective.
public struct DistributedMatrix: Sendable {
    public let grid: BlacsGrid
    public let rows: Int
    public let cols: Int
    public let nb: Int
    public let localRows: Int
    public let localCols: Int
    public let descriptor: [Int32]
    /// Complex (COMPLEX*16) entries: `local` then holds interleaved (re, im)
    /// pairs, two doubles per entry; the descriptor counts entries.
    public let isComplex: Bool
    public var local: [Double]

    /// Local.
    public init(grid: BlacsGrid, rows: Int, cols: Int, blockSize nb: Int = 64, complex: Bool = false) throws(LinearAlgebraError) {
        self.grid = grid
        self.isComplex = complex
        self.rows = rows
        self.cols = cols
        self.nb = nb
        localRows = raw_numroc(n: rows, nb: nb, iproc: grid.myrow, nprocs: grid.nprow)
        localCols = raw_numroc(n: cols, nb: nb, iproc: grid.mycol, nprocs: grid.npcol)
        descriptor = try raw_descinit(m: rows, n: cols, mb: nb, nb: nb, context: grid.context, lld: max(1, localRows))
        local = [Double](repeating: 0, count: max(1, localRows) * localCols * (complex ? 2 : 1))
    }

    /// Doubles per entry: 1 (real) or 2 (complex).
    public var width: Int { isComplex ? 2 : 1 }

    /// Leading dimension of the local array.
    public var lld: Int { max(1, localRows) }

    /// The index map of this matrix, separate from its storage so that the
    /// storage can be mutated while indices are computed.
    public var layout: BlockCyclicLayout {
        BlockCyclicLayout(nb: nb, nprow: grid.nprow, npcol: grid.npcol, myrow: grid.myrow, mycol: grid.mycol)
    }

    /// Local: global row index of local row `l`.
    @inline(__always) public func globalRow(_ l: Int) -> Int { layout.globalRow(l) }
    /// Local: global column index of local column `l`.
    @inline(__always) public func globalCol(_ l: Int) -> Int { layout.globalCol(l) }
    /// Local: local row index of global row `g`, or nil if another process owns it.
    @inline(__always) public func localRow(_ g: Int) -> Int? { layout.localRow(g) }
    /// Local: local column index of global column `g`, or nil if not owned here.
    @inline(__always) public func localCol(_ g: Int) -> Int? { layout.localCol(g) }

    /// Collective over the grid: the full global column `j` on every rank
    /// (each rank contributes its local entries, summed with allreduce).
    /// Complex matrices give interleaved (re, im) pairs (2 * rows doubles).
    public func column(_ j: Int, comm: Communicator) throws -> [Double] {
        let w = width
        var v = [Double](repeating: 0, count: rows * w)
        if let lc = localCol(j) {
            for lr in 0..<localRows {
                for c in 0..<w { v[globalRow(lr) * w + c] = local[(lr + lc * lld) * w + c] }
            }
        }
        return try comm.allreduce(v, .sum)
    }
}

/// Distributed symmetric eigensolver drivers (ScaLAPACK).
public enum ScaLAPACKDriver: String, Sendable, CaseIterable, Codable {
    case pdsyevd, pdsyevr
}

/// Distributed complex Hermitian eigensolver drivers (ScaLAPACK).
public enum HermitianScaLAPACKDriver: String, Sendable, CaseIterable, Codable {
    case pzheevd, pzheevr
    /// The default of `complex_scalapack_driver` (docs/performance.md).
    public static let measuredDefault: HermitianScaLAPACKDriver = .pzheevr
}

public enum DistributedEigensolver {
    /// Collective over the grid: eigenvalues (ascending, replicated on every
    /// rank) and eigenvectors (returned distributed like `a`). `a` is destroyed.
    public static func solve(_ a: inout DistributedMatrix, driver: ScaLAPACKDriver = .pdsyevd) throws(LinearAlgebraError)
        -> (values: [Double], vectors: DistributedMatrix)
    {
        precondition(a.rows == a.cols)
        switch driver {
        case .pdsyevd: return try eigensystem(&a, complex: false, raw_pdsyevd)
        case .pdsyevr: return try eigensystem(&a, complex: false, raw_pdsyevr)
        }
    }

    /// Collective over the grid: eigenvalues (ascending, replicated) and
    /// eigenvectors (distributed like `a`) of the complex Hermitian matrix
    /// `a` (lower triangle referenced; PZHEEVD or PZHEEVR). `a` is destroyed.
    public static func solveHermitian(_ a: inout DistributedMatrix, driver: HermitianScaLAPACKDriver = .measuredDefault) throws(LinearAlgebraError)
        -> (values: [Double], vectors: DistributedMatrix)
    {
        precondition(a.rows == a.cols && a.isComplex, "solveHermitian needs a square complex matrix")
        switch driver {
        case .pzheevd: return try eigensystem(&a, complex: true, raw_pzheevd)
        case .pzheevr: return try eigensystem(&a, complex: true, raw_pzheevr)
        }
    }

    /// The raw_p?syev? / raw_pzheev? wrappers: (n, A, descA, W, Z, descZ).
    private typealias RawEigensolver = (Int, UnsafeMutablePointer<Double>, [Int32], UnsafeMutablePointer<Double>,
                                        UnsafeMutablePointer<Double>, [Int32]) throws(LinearAlgebraError) -> Void

    /// Collective over the grid: the body `solve` and `solveHermitian` share. Z is
    /// allocated real or `complex`, W replicated; `routine` destroys `a`.
    private static func eigensystem(_ a: inout DistributedMatrix, complex: Bool, _ routine: RawEigensolver) throws(LinearAlgebraError)
        -> (values: [Double], vectors: DistributedMatrix)
    {
        let n = a.rows
        var z = try DistributedMatrix(grid: a.grid, rows: n, cols: n, blockSize: a.nb, complex: complex)
        var w = [Double](repeating: 0, count: n)
        let descA = a.descriptor, descZ = z.descriptor
        try a.local.withUnsafeMutableBufferPointer { (ap) throws(LinearAlgebraError) in
            try z.local.withUnsafeMutableBufferPointer { (zp) throws(LinearAlgebraError) in
                try w.withUnsafeMutableBufferPointer { (wp) throws(LinearAlgebraError) in
                    try routine(n, ap.baseAddress!, descA, wp.baseAddress!, zp.baseAddress!, descZ)
                }
            }
        }
        return (w, z)
    }

    /// Collective over the grid: C = alpha op(A) op(B) + beta C (PDGEMM).
    public static func gemm(_ ta: Transpose, _ tb: Transpose, alpha: Double, _ a: DistributedMatrix, _ b: DistributedMatrix,
                            beta: Double, _ c: inout DistributedMatrix) {
        let m = c.rows, n = c.cols, k = ta == .none ? a.cols : a.rows
        withLocalStorage(a, b, &c) { ap, bp, cp, descC in
            raw_pdgemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: ap, descA: a.descriptor,
                       b: bp, descB: b.descriptor, beta: beta, c: cp, descC: descC)
        }
    }

    /// The local storage of A and B (read) and C (written) for one PBLAS call,
    /// with C's descriptor taken before C is borrowed.
    fileprivate static func withLocalStorage(_ a: DistributedMatrix, _ b: DistributedMatrix, _ c: inout DistributedMatrix,
                                             _ body: (UnsafePointer<Double>, UnsafePointer<Double>, UnsafeMutablePointer<Double>, [Int32]) -> Void) {
        let descC = c.descriptor
        a.local.withUnsafeBufferPointer { ap in
            b.local.withUnsafeBufferPointer { bp in
                c.local.withUnsafeMutableBufferPointer { cp in body(ap.baseAddress!, bp.baseAddress!, cp.baseAddress!, descC) }
            }
        }
    }
}

extension DistributedEigensolver {
    /// Collective over the grid: C = alpha op(A) op(B) + beta C for complex
    /// distributed matrices (PZGEMM; interleaved local storage).
    public static func zgemm(_ ta: ComplexTranspose, _ tb: ComplexTranspose, alpha: (Double, Double), _ a: DistributedMatrix,
                             _ b: DistributedMatrix, beta: (Double, Double), _ c: inout DistributedMatrix) {
        precondition(a.isComplex && b.isComplex && c.isComplex, "zgemm needs complex matrices")
        let m = c.rows, n = c.cols, k = ta == .none ? a.cols : a.rows
        withLocalStorage(a, b, &c) { ap, bp, cp, descC in
            raw_pzgemm(ta.code, tb.code, m: m, n: n, k: k, alpha: alpha, a: ap, descA: a.descriptor,
                       b: bp, descB: b.descriptor, beta: beta, c: cp, descC: descC)
        }
    }
}

/// Block-cyclic index arithmetic (ScaLAPACK layout, source process (0,0)).
public struct BlockCyclicLayout: Sendable {
    public let nb: Int
    public let nprow: Int
    public let npcol: Int
    public let myrow: Int
    public let mycol: Int

    @inline(__always) public func globalRow(_ l: Int) -> Int { ((l / nb) * nprow + myrow) * nb + l % nb }
    @inline(__always) public func globalCol(_ l: Int) -> Int { ((l / nb) * npcol + mycol) * nb + l % nb }
    @inline(__always) public func localRow(_ g: Int) -> Int? {
        guard (g / nb) % nprow == myrow else { return nil }
        return (g / (nb * nprow)) * nb + g % nb
    }
    @inline(__always) public func localCol(_ g: Int) -> Int? {
        guard (g / nb) % npcol == mycol else { return nil }
        return (g / (nb * npcol)) * nb + g % nb
    }
}
