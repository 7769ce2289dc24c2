// All raw BLACS / ScaLAPACK / PBLAS calls of qglass go through this file
// (serial BLAS / LAPACK: Sources/QGLinearAlgebra/Raw.swift). Callers get
// typed Swift functions; every `info` is checked (`LinearAlgebraError`).
import CScaLAPACK
import QGLinearAlgebra

// ---- BLACS / ScaLAPACK ----

func raw_blacsHandle(_ comm: UnsafeMutableRawPointer) -> Int32 { Csys2blacs_handle(comm) }
func raw_freeBlacsHandle(_ h: Int32) { Cfree_blacs_system_handle(h) }
func raw_gridinit(handle: Int32, nprow: Int, npcol: Int) -> Int32 {
    var ctx = handle
    var order = ch("R")
    Cblacs_gridinit(&ctx, &order, Int32(nprow), Int32(npcol))
    return ctx
}
func raw_gridinfo(_ ctx: Int32) -> (Int, Int, Int, Int) {
    var a: Int32 = 0, b: Int32 = 0, c: Int32 = 0, d: Int32 = 0
    Cblacs_gridinfo(ctx, &a, &b, &c, &d)
    return (Int(a), Int(b), Int(c), Int(d))
}
func raw_gridexit(_ ctx: Int32) { Cblacs_gridexit(ctx) }

func raw_numroc(n: Int, nb: Int, iproc: Int, nprocs: Int) -> Int {
    var n32 = Int32(n), nb32 = Int32(nb), ip = Int32(iproc), src: Int32 = 0, np = Int32(nprocs)
    return Int(numroc_(&n32, &nb32, &ip, &src, &np))
}

func raw_descinit(m: Int, n: Int, mb: Int, nb: Int, context: Int32, lld: Int) throws(LinearAlgebraError) -> [Int32] {
    var desc = [Int32](repeating: 0, count: 9)
    var m32 = Int32(m), n32 = Int32(n), mb32 = Int32(mb), nb32 = Int32(nb), zero: Int32 = 0
    var ctx = context, lld32 = Int32(max(1, lld)), info: Int32 = 0
    descinit_(&desc, &m32, &n32, &mb32, &nb32, &zero, &zero, &ctx, &lld32, &info)
    try laCheck(info, "descinit")
    return desc
}

func raw_pdsyevd(n: Int, a: UnsafeMutablePointer<Double>, descA: [Int32], w: UnsafeMutablePointer<Double>,
                 z: UnsafeMutablePointer<Double>, descZ: [Int32]) throws(LinearAlgebraError) {
    var jobz = ch("V"), uplo = ch("L"), n32 = Int32(n), one: Int32 = 1, info: Int32 = 0
    var lwork: Int32 = -1, liwork: Int32 = -1, wq = 0.0, iwq: Int32 = 0
    pdsyevd_(&jobz, &uplo, &n32, a, &one, &one, descA, w, z, &one, &one, descZ, &wq, &lwork, &iwq, &liwork, &info, 1, 1)
    try laCheck(info, "pdsyevd (workspace query)")
    // The query is known to be tight on some grids; give a little slack.
    lwork = try lapackCount(wq * 1.05, extra: 1024, "pdsyevd", n: n); liwork = max(1, iwq) + 64
    var work = [Double](repeating: 0, count: Int(lwork))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    pdsyevd_(&jobz, &uplo, &n32, a, &one, &one, descA, w, z, &one, &one, descZ, &work, &lwork, &iwork, &liwork, &info, 1, 1)
    try laCheck(info, "pdsyevd")
}

func raw_pdsyevr(n: Int, a: UnsafeMutablePointer<Double>, descA: [Int32], w: UnsafeMutablePointer<Double>,
                 z: UnsafeMutablePointer<Double>, descZ: [Int32]) throws(LinearAlgebraError) {
    var jobz = ch("V"), range = ch("A"), uplo = ch("L"), n32 = Int32(n), one: Int32 = 1, info: Int32 = 0
    var vl = 0.0, vu = 0.0, il: Int32 = 1, iu = Int32(n), m: Int32 = 0, nz: Int32 = 0
    var lwork: Int32 = -1, liwork: Int32 = -1, wq = 0.0, iwq: Int32 = 0
    pdsyevr_(&jobz, &range, &uplo, &n32, a, &one, &one, descA, &vl, &vu, &il, &iu, &m, &nz, w, z, &one, &one, descZ,
             &wq, &lwork, &iwq, &liwork, &info, 1, 1, 1)
    try laCheck(info, "pdsyevr (workspace query)")
    lwork = try lapackCount(wq * 1.05, extra: 1024, "pdsyevr", n: n); liwork = max(1, iwq) + 64
    var work = [Double](repeating: 0, count: Int(lwork))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    pdsyevr_(&jobz, &range, &uplo, &n32, a, &one, &one, descA, &vl, &vu, &il, &iu, &m, &nz, w, z, &one, &one, descZ,
             &work, &lwork, &iwork, &liwork, &info, 1, 1, 1)
    try laCheck(info, "pdsyevr")
    if Int(m) != n || Int(nz) != n {
        throw LinearAlgebraError(routine: "pdsyevr", info: Int32(n) - m, context: "found \(m) eigenvalues, \(nz) vectors of \(n)")
    }
}

func raw_pdgemm(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Double,
                a: UnsafePointer<Double>, descA: [Int32], b: UnsafePointer<Double>, descB: [Int32],
                beta: Double, c: UnsafeMutablePointer<Double>, descC: [Int32]) {
    var tA = ta.code, tB = tb.code, m32 = Int32(m), n32 = Int32(n), k32 = Int32(k), one: Int32 = 1
    var al = alpha, be = beta
    pdgemm_(&tA, &tB, &m32, &n32, &k32, &al, a, &one, &one, descA, b, &one, &one, descB, &be, c, &one, &one, descC, 1, 1)
}

/// The workspace of a complex ScaLAPACK eigensolver (pzheevd, pzheevr) from
/// its query's answers. The queries are known to be tight on some grids, so
/// each gets a little slack; `work` holds complex numbers (2 doubles each).
struct ComplexScaLAPACKWorkspace {
    var lwork: Int32, lrwork: Int32, liwork: Int32
    var work: [Double], rwork: [Double], iwork: [Int32]
    init(work wq: Double, rwork rwq: Double, iwork iwq: Int32, routine: String, n: Int) throws(LinearAlgebraError) {
        lwork = try lapackCount(wq * 1.05, extra: 1024, routine, n: n)
        lrwork = try lapackCount(rwq * 1.05, extra: 1024, routine, n: n)
        liwork = max(1, iwq) + 64
        work = [Double](repeating: 0, count: 2 * Int(lwork))
        rwork = [Double](repeating: 0, count: Int(lrwork))
        iwork = [Int32](repeating: 0, count: Int(liwork))
    }
}

func raw_pzheevr(n: Int, a: UnsafeMutablePointer<Double>, descA: [Int32], w: UnsafeMutablePointer<Double>,
                 z: UnsafeMutablePointer<Double>, descZ: [Int32]) throws(LinearAlgebraError) {
    var jobz = ch("V"), range = ch("A"), uplo = ch("L"), n32 = Int32(n), one: Int32 = 1, info: Int32 = 0
    var vl = 0.0, vu = 0.0, il: Int32 = 1, iu = Int32(n), m: Int32 = 0, nz: Int32 = 0
    var lwork: Int32 = -1, lrwork: Int32 = -1, liwork: Int32 = -1
    var wq = [0.0, 0.0], rwq = 0.0, iwq: Int32 = 0
    pzheevr_(&jobz, &range, &uplo, &n32, a, &one, &one, descA, &vl, &vu, &il, &iu, &m, &nz, w, z, &one, &one, descZ,
             &wq, &lwork, &rwq, &lrwork, &iwq, &liwork, &info, 1, 1, 1)
    try laCheck(info, "pzheevr (workspace query)")
    var ws = try ComplexScaLAPACKWorkspace(work: wq[0], rwork: rwq, iwork: iwq, routine: "pzheevr", n: n)
    pzheevr_(&jobz, &range, &uplo, &n32, a, &one, &one, descA, &vl, &vu, &il, &iu, &m, &nz, w, z, &one, &one, descZ,
             &ws.work, &ws.lwork, &ws.rwork, &ws.lrwork, &ws.iwork, &ws.liwork, &info, 1, 1, 1)
    try laCheck(info, "pzheevr")
    if Int(m) != n || Int(nz) != n {
        throw LinearAlgebraError(routine: "pzheevr", info: Int32(n) - m, context: "found \(m) eigenvalues, \(nz) vectors of \(n)")
    }
}

func raw_pzheevd(n: Int, a: UnsafeMutablePointer<Double>, descA: [Int32], w: UnsafeMutablePointer<Double>,
                 z: UnsafeMutablePointer<Double>, descZ: [Int32]) throws(LinearAlgebraError) {
    var jobz = ch("V"), uplo = ch("L"), n32 = Int32(n), one: Int32 = 1, info: Int32 = 0
    var lwork: Int32 = -1, lrwork: Int32 = -1, liwork: Int32 = -1
    var wq = [0.0, 0.0], rwq = 0.0, iwq: Int32 = 0
    pzheevd_(&jobz, &uplo, &n32, a, &one, &one, descA, w, z, &one, &one, descZ, &wq, &lwork, &rwq, &lrwork, &iwq, &liwork, &info, 1, 1)
    try laCheck(info, "pzheevd (workspace query)")
    var ws = try ComplexScaLAPACKWorkspace(work: wq[0], rwork: rwq, iwork: iwq, routine: "pzheevd", n: n)
    pzheevd_(&jobz, &uplo, &n32, a, &one, &one, descA, w, z, &one, &one, descZ,
             &ws.work, &ws.lwork, &ws.rwork, &ws.lrwork, &ws.iwork, &ws.liwork, &info, 1, 1)
    try laCheck(info, "pzheevd")
}

func raw_pzgemm(_ ta: CChar, _ tb: CChar, m: Int, n: Int, k: Int, alpha: (Double, Double),
                a: UnsafePointer<Double>, descA: [Int32], b: UnsafePointer<Double>, descB: [Int32],
                beta: (Double, Double), c: UnsafeMutablePointer<Double>, descC: [Int32]) {
    var tA = ta, tB = tb, m32 = Int32(m), n32 = Int32(n), k32 = Int32(k), one: Int32 = 1
    var al = [alpha.0, alpha.1], be = [beta.0, beta.1]
    pzgemm_(&tA, &tB, &m32, &n32, &k32, &al, a, &one, &one, descA, b, &one, &one, descB, &be, c, &one, &one, descC, 1, 1)
}
