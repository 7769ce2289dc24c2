// All raw BLAS / LAPACK calls of qglass go through this file (serial, no MPI;
// BLACS / ScaLAPACK / PBLAS: Sources/QGDistributedLinearAlgebra/Raw.swift).
// Callers get typed Swift functions; every `info` is checked.
import CLinearAlgebra

/// A LAPACK/ScaLAPACK routine reported failure through its INFO argument
/// (negative: argument number -info was illegal; positive: the algorithm
/// failed to converge, see the routine's documentation).
public struct LinearAlgebraError: Error, CustomStringConvertible, Sendable {
    public let routine: String
    public let info: Int32
    public var context: String = ""
    /// Set where the failure is not LAPACK's own (`info` is then 0).
    public var reason: String? = nil
    /// Package: the distributed wrapper (QGDistributedLinearAlgebra) reports its routines' failures with this type too.
    package init(routine: String, info: Int32, context: String = "", reason: String? = nil) {
        self.routine = routine; self.info = info; self.context = context; self.reason = reason
    }
    public var description: String {
        let what = reason ?? (info < 0 ? "illegal value in argument \(-info)" : "failed to converge or singular (info = \(info))")
        return "\(routine): \(what)" + (context.isEmpty ? "" : " [\(context)]")
    }
}

/// A workspace size (a query's answer `q` plus `extra`) as LAPACK's 32-bit
/// integer, or a typed error naming the routine where it does not fit: the
/// LAPACK linked here and the ScaLAPACK of QGDistributedLinearAlgebra (which
/// calls this check too) take 32-bit integers, so one rank's
/// divide-and-conquer workspace (about 2 n^2) overflows past n of about
/// 32 000; a ScaLAPACK group's per-rank workspace is smaller.
package func lapackCount(_ q: Double, extra: Int = 0, _ routine: String, n: Int) throws(LinearAlgebraError) -> Int32 {
    let v = q.rounded(.up) + Double(extra)
    guard v.isFinite, v <= Double(Int32.max) else {
        throw LinearAlgebraError(routine: routine, info: 0, reason: "workspace of \(v) entries at order \(n) exceeds the 32-bit integers "
                                 + "of the linked LAPACK (2^31 - 1); use a ScaLAPACK group (group_size >= 2) or a larger one")
    }
    return Int32(v)
}

@inline(__always)
package func laCheck(_ info: Int32, _ routine: String) throws(LinearAlgebraError) {
    if info != 0 { throw LinearAlgebraError(routine: routine, info: info) }
}

/// Control of OpenBLAS threads (local to this process).
public enum BLASThreads {
    /// Local: set the number of OpenBLAS threads used by this process.
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    /// Local: current number of OpenBLAS threads.
    public static var current: Int { Int(openblas_get_num_threads()) }
    /// Local: the kernel family OpenBLAS selected (e.g. "Haswell").
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }
    /// Local: OpenBLAS build configuration string.
    public static var config: String { openblas_get_config().map { String(cString: $0) } ?? "unknown" }
}

/// Transpose flags for GEMM.
public enum Transpose: Sendable {
    case none, transpose
    package var code: CChar { self == .none ? CChar(UInt8(ascii: "N")) : CChar(UInt8(ascii: "T")) }
}

/// Local: C = alpha op(A) op(B) + beta C for column-major buffers (DGEMM).
public func gemm(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Double,
                 a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                 beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
    var tA = ta.code, tB = tb.code
    var m32 = Int32(m), n32 = Int32(n), k32 = Int32(k)
    var lda32 = Int32(max(1, lda)), ldb32 = Int32(max(1, ldb)), ldc32 = Int32(max(1, ldc))
    var al = alpha, be = beta
    dgemm_(&tA, &tB, &m32, &n32, &k32, &al, a, &lda32, b, &ldb32, &be, c, &ldc32, 1, 1)
}

/// Local: y = alpha op(A) x + beta y (DGEMV).
public func gemv(_ ta: Transpose, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                 x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>) {
    var tA = ta.code
    var m32 = Int32(m), n32 = Int32(n), lda32 = Int32(max(1, lda)), one: Int32 = 1
    var al = alpha, be = beta
    dgemv_(&tA, &m32, &n32, &al, a, &lda32, x, &one, &be, y, &one, 1)
}

@inline(__always) package func ch(_ s: String) -> CChar { CChar(UInt8(ascii: s.unicodeScalars.first!)) }

func raw_dsyevd(n: Int, a: UnsafeMutablePointer<Double>, lda: Int, w: UnsafeMutablePointer<Double>,
                vectors: Bool) throws(LinearAlgebraError) {
    var jobz = ch(vectors ? "V" : "N"), uplo = ch("L")
    var n32 = Int32(n), lda32 = Int32(max(1, lda)), info: Int32 = 0
    var lwork: Int32 = -1, liwork: Int32 = -1
    var wq = 0.0
    var iwq: Int32 = 0
    dsyevd_(&jobz, &uplo, &n32, a, &lda32, w, &wq, &lwork, &iwq, &liwork, &info, 1, 1)
    try laCheck(info, "dsyevd (workspace query)")
    lwork = try lapackCount(wq, "dsyevd", n: n); liwork = max(1, iwq)
    var work = [Double](repeating: 0, count: Int(lwork))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    dsyevd_(&jobz, &uplo, &n32, a, &lda32, w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
    try laCheck(info, "dsyevd")
}

func raw_dsyevr(n: Int, a: UnsafeMutablePointer<Double>, lda: Int, w: UnsafeMutablePointer<Double>,
                z: UnsafeMutablePointer<Double>?, ldz: Int) throws(LinearAlgebraError) {
    var jobz = ch(z == nil ? "N" : "V"), range = ch("A"), uplo = ch("L")
    var n32 = Int32(n), lda32 = Int32(max(1, lda)), ldz32 = Int32(max(1, ldz)), info: Int32 = 0
    var vl = 0.0, vu = 0.0, il: Int32 = 1, iu = Int32(n), m: Int32 = 0
    var abstol = 0.0  // LAPACK uses its default; dlamch('S') would trigger extra accuracy at extra cost
    var isuppz = [Int32](repeating: 0, count: 2 * max(1, n))
    var lwork: Int32 = -1, liwork: Int32 = -1
    var wq = 0.0
    var iwq: Int32 = 0
    var dummyZ = 0.0
    let zp = z ?? UnsafeMutablePointer(&dummyZ)
    dsyevr_(&jobz, &range, &uplo, &n32, a, &lda32, &vl, &vu, &il, &iu, &abstol, &m, w, zp, &ldz32,
            &isuppz, &wq, &lwork, &iwq, &liwork, &info, 1, 1, 1)
    try laCheck(info, "dsyevr (workspace query)")
    lwork = try lapackCount(wq, "dsyevr", n: n); liwork = max(1, iwq)
    var work = [Double](repeating: 0, count: Int(lwork))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    dsyevr_(&jobz, &range, &uplo, &n32, a, &lda32, &vl, &vu, &il, &iu, &abstol, &m, w, zp, &ldz32,
            &isuppz, &work, &lwork, &iwork, &liwork, &info, 1, 1, 1)
    try laCheck(info, "dsyevr")
    if Int(m) != n { throw LinearAlgebraError(routine: "dsyevr", info: Int32(n) - m, context: "found \(m) of \(n) eigenvalues") }
}

// ---- Complex Hermitian (COMPLEX*16 stored as interleaved re/im doubles) ----

/// Local: C = alpha op(A) op(B) + beta C for complex column-major buffers
/// (ZGEMM; `op` is none, transpose or conjugate transpose). Pointers address
/// interleaved (re, im) pairs; alpha and beta are complex.
func raw_zgemm(_ ta: CChar, _ tb: CChar, m: Int, n: Int, k: Int, alpha: (Double, Double),
               a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
               beta: (Double, Double), c: UnsafeMutablePointer<Double>, ldc: Int) {
    var tA = ta, tB = tb
    var m32 = Int32(m), n32 = Int32(n), k32 = Int32(k)
    var lda32 = Int32(max(1, lda)), ldb32 = Int32(max(1, ldb)), ldc32 = Int32(max(1, ldc))
    var al = [alpha.0, alpha.1], be = [beta.0, beta.1]
    zgemm_(&tA, &tB, &m32, &n32, &k32, &al, a, &lda32, b, &ldb32, &be, c, &ldc32, 1, 1)
}

/// Operations on a complex GEMM operand: none, transpose, or conjugate transpose (adjoint).
public enum ComplexTranspose: Sendable {
    case none, transpose, adjoint
    package var code: CChar { self == .none ? ch("N") : (self == .transpose ? ch("T") : ch("C")) }
}

/// Local: C = alpha op(A) op(B) + beta C for complex column-major buffers of
/// interleaved (re, im) doubles (ZGEMM); alpha and beta are complex (re, im).
public func zgemm(_ ta: ComplexTranspose, _ tb: ComplexTranspose, m: Int, n: Int, k: Int, alpha: (Double, Double),
                  a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                  beta: (Double, Double), c: UnsafeMutablePointer<Double>, ldc: Int) {
    raw_zgemm(ta.code, tb.code, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

func raw_zheevd(n: Int, a: UnsafeMutablePointer<Double>, lda: Int, w: UnsafeMutablePointer<Double>,
                vectors: Bool) throws(LinearAlgebraError) {
    var jobz = ch(vectors ? "V" : "N"), uplo = ch("L")
    var n32 = Int32(n), lda32 = Int32(max(1, lda)), info: Int32 = 0
    var lwork: Int32 = -1, lrwork: Int32 = -1, liwork: Int32 = -1
    var wq = [0.0, 0.0], rwq = 0.0
    var iwq: Int32 = 0
    zheevd_(&jobz, &uplo, &n32, a, &lda32, w, &wq, &lwork, &rwq, &lrwork, &iwq, &liwork, &info, 1, 1)
    try laCheck(info, "zheevd (workspace query)")
    // The query answers N^2 + 2N (LAPACK's minimum), which leaves the
    // back-transformation ZUNMTR only N entries of workspace, so it runs its
    // unblocked (BLAS-2) code: 3.5x slower at n = 1024 (docs/performance.md).
    // zheevdBlockedWorkspace gives it room for blocks of up to 64 reflectors.
    lwork = try lapackCount(wq[0], extra: vectors ? zheevdBlockedWorkspace(n: n) : 0, "zheevd", n: n)
    lrwork = try lapackCount(rwq, "zheevd", n: n); liwork = max(1, iwq)
    var work = [Double](repeating: 0, count: 2 * Int(max(1, lwork)))
    var rwork = [Double](repeating: 0, count: Int(max(1, lrwork)))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    zheevd_(&jobz, &uplo, &n32, a, &lda32, w, &work, &lwork, &rwork, &lrwork, &iwork, &liwork, &info, 1, 1)
    try laCheck(info, "zheevd")
}

/// Extra complex workspace given to ZHEEVD beyond its queried minimum so
/// that ZUNMTR (inside it) runs blocked: N x NB for the reflectors' products
/// plus its T factor (65 x 64), for block sizes NB up to 64.
func zheevdBlockedWorkspace(n: Int) -> Int { 64 * n + 65 * 64 }

func raw_zheevr(n: Int, a: UnsafeMutablePointer<Double>, lda: Int, w: UnsafeMutablePointer<Double>,
                z: UnsafeMutablePointer<Double>, ldz: Int) throws(LinearAlgebraError) {
    var jobz = ch("V"), range = ch("A"), uplo = ch("L")
    var n32 = Int32(n), lda32 = Int32(max(1, lda)), ldz32 = Int32(max(1, ldz)), info: Int32 = 0
    var vl = 0.0, vu = 0.0, il: Int32 = 1, iu = Int32(n), m: Int32 = 0
    var abstol = 0.0  // LAPACK's default tolerance, as for dsyevr
    var isuppz = [Int32](repeating: 0, count: 2 * max(1, n))
    var lwork: Int32 = -1, lrwork: Int32 = -1, liwork: Int32 = -1
    var wq = [0.0, 0.0], rwq = 0.0, iwq: Int32 = 0
    zheevr_(&jobz, &range, &uplo, &n32, a, &lda32, &vl, &vu, &il, &iu, &abstol, &m, w, z, &ldz32,
            &isuppz, &wq, &lwork, &rwq, &lrwork, &iwq, &liwork, &info, 1, 1, 1)
    try laCheck(info, "zheevr (workspace query)")
    // ZHEEVR's query is its optimum (blocked ZHETRD and ZUNMTR), unlike ZHEEVD's.
    lwork = try lapackCount(wq[0], "zheevr", n: n); lrwork = try lapackCount(rwq, "zheevr", n: n); liwork = max(1, iwq)
    var work = [Double](repeating: 0, count: 2 * Int(max(1, lwork)))
    var rwork = [Double](repeating: 0, count: Int(max(1, lrwork)))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    zheevr_(&jobz, &range, &uplo, &n32, a, &lda32, &vl, &vu, &il, &iu, &abstol, &m, w, z, &ldz32,
            &isuppz, &work, &lwork, &rwork, &lrwork, &iwork, &liwork, &info, 1, 1, 1)
    try laCheck(info, "zheevr")
    if Int(m) != n { throw LinearAlgebraError(routine: "zheevr", info: Int32(n) - m, context: "found \(m) of \(n) eigenvalues") }
}

/// Local: workspace sizes (lwork, liwork) of dsyevd for order n, eigenvalues only.
func raw_dsyevdValuesQuery(n: Int) throws(LinearAlgebraError) -> (Int, Int) {
    var jobz = ch("N"), uplo = ch("L")
    var n32 = Int32(n), lda = Int32(max(1, n)), info: Int32 = 0, lwork: Int32 = -1, liwork: Int32 = -1
    var wq = 0.0, iwq: Int32 = 0, dummyA = 0.0, dummyW = 0.0
    dsyevd_(&jobz, &uplo, &n32, &dummyA, &lda, &dummyW, &wq, &lwork, &iwq, &liwork, &info, 1, 1)
    try laCheck(info, "dsyevd (workspace query)")
    return (max(1, Int(wq.rounded(.up))), max(1, Int(iwq)))
}

/// Local: eigenvalues of the n x n symmetric `a` (destroyed) into `w`, with caller-owned workspace.
func raw_dsyevdValues(n: Int, a: UnsafeMutablePointer<Double>, w: UnsafeMutablePointer<Double>,
                      work: UnsafeMutablePointer<Double>, lwork: Int, iwork: UnsafeMutablePointer<Int32>, liwork: Int) throws(LinearAlgebraError) {
    var jobz = ch("N"), uplo = ch("L")
    var n32 = Int32(n), lda = Int32(max(1, n)), info: Int32 = 0, lw = Int32(lwork), liw = Int32(liwork)
    dsyevd_(&jobz, &uplo, &n32, a, &lda, w, work, &lw, iwork, &liw, &info, 1, 1)
    try laCheck(info, "dsyevd")
}
