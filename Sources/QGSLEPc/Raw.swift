// All raw PETSc / SLEPc calls of qglass go through this file. Callers get
// typed Swift functions; every PetscErrorCode is checked.
import CSLEPc
import QGMPI
#if canImport(Glibc)
import Glibc
#endif

/// A PETSc or SLEPc routine returned a nonzero error code.
public struct SLEPcError: Error, CustomStringConvertible, Sendable {
    public let routine: String
    public let code: Int32
    public var detail: String = ""
    public var description: String {
        "\(routine) failed (PetscErrorCode \(code))" + (detail.isEmpty ? "" : ": \(detail)")
    }
}

@inline(__always)
func pcheck(_ rc: PetscErrorCode, _ routine: String) throws(SLEPcError) {
    if rc != 0 { throw SLEPcError(routine: routine, code: Int32(rc)) }
}

typealias RawMat = Mat
typealias RawVec = Vec
typealias RawEPS = EPS

/// MPI_Comm of a wrapped communicator, as PETSc takes it (Open MPI: a pointer).
func rawComm(_ c: Communicator) -> MPI_Comm { unsafeBitCast(c.opaqueHandle, to: MPI_Comm.self) }

// MARK: library lifetime

/// The signals PETSc may take over in SlepcInitialize; their handlers are
/// saved before and restored after, so that qglass's stop handling (SIGTERM,
/// SIGUSR1 from SLURM) is never replaced.
let guardedSignals: [Int32] = [SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP, SIGQUIT, SIGSEGV, SIGFPE, SIGBUS, SIGILL, SIGABRT, SIGTRAP, SIGSYS, SIGPIPE, SIGALRM, SIGURG, SIGCONT, SIGCHLD]

func raw_initialize() throws(SLEPcError) {
    var saved: [sigaction] = []
    for s in guardedSignals {
        var old = sigaction()
        sigaction(s, nil, &old)
        saved.append(old)
    }
    // Local to this process: PETSC_COMM_WORLD = MPI_COMM_SELF, so that ranks
    // of different ED groups initialize independently (objects live on group
    // communicators), and no PETSc signal handler.
    qgslepc_set_petsc_comm_world(qgslepc_comm_self())
    try pcheck(PetscOptionsSetValue(nil, "-no_signal_handler", nil), "PetscOptionsSetValue")
    try pcheck(SlepcInitializeNoArguments(), "SlepcInitializeNoArguments")
    for (s, old) in zip(guardedSignals, saved) {
        var o = old
        sigaction(s, &o, nil)
    }
    // Errors come back as codes (typed Swift errors), without PETSc's traceback printing.
    try pcheck(PetscPushErrorHandler(PetscReturnErrorHandler, nil), "PetscPushErrorHandler")
}

func raw_finalize() throws(SLEPcError) {
    try pcheck(SlepcFinalize(), "SlepcFinalize")
}

func raw_version() -> String {
    var buf = [CChar](repeating: 0, count: 256)
    guard SlepcGetVersion(&buf, 256) == 0 else { return "SLEPc (version unknown)" }
    return String(cString: buf)
}

// MARK: matrices

func raw_matCreateAIJ(_ comm: Communicator, dimension: Int, diagonalPerRow: Int, offDiagonalPerRow: Int) throws(SLEPcError) -> RawMat {
    var a: Mat?
    try pcheck(MatCreateAIJ(rawComm(comm), qgslepc_decide(), qgslepc_decide(), PetscInt(dimension), PetscInt(dimension),
                            PetscInt(diagonalPerRow), nil, PetscInt(offDiagonalPerRow), nil, &a), "MatCreateAIJ")
    guard let a else { throw SLEPcError(routine: "MatCreateAIJ", code: -1, detail: "no matrix returned") }
    try pcheck(MatSetOption(a, MAT_SYMMETRIC, PETSC_TRUE), "MatSetOption(MAT_SYMMETRIC)")
    try pcheck(MatSetOption(a, MAT_SYMMETRY_ETERNAL, PETSC_TRUE), "MatSetOption(MAT_SYMMETRY_ETERNAL)")
    return a
}

func raw_matOwnership(_ a: RawMat) throws(SLEPcError) -> Range<Int> {
    var lo: PetscInt = 0, hi: PetscInt = 0
    try pcheck(MatGetOwnershipRange(a, &lo, &hi), "MatGetOwnershipRange")
    return Int(lo)..<Int(hi)
}

func raw_matSetRow(_ a: RawMat, row: Int, columns: UnsafePointer<PetscInt>, values: UnsafePointer<Double>, count: Int) throws(SLEPcError) {
    var r = PetscInt(row)
    try pcheck(MatSetValues(a, 1, &r, PetscInt(count), columns, values, INSERT_VALUES), "MatSetValues")
}

func raw_matAssemble(_ a: RawMat) throws(SLEPcError) {
    try pcheck(MatAssemblyBegin(a, MAT_FINAL_ASSEMBLY), "MatAssemblyBegin")
    try pcheck(MatAssemblyEnd(a, MAT_FINAL_ASSEMBLY), "MatAssemblyEnd")
}

func raw_matDestroy(_ a: RawMat) throws(SLEPcError) {
    var m: Mat? = a
    try pcheck(MatDestroy(&m), "MatDestroy")
}

func raw_matCreateVec(_ a: RawMat) throws(SLEPcError) -> RawVec {
    var v: Vec?
    try pcheck(MatCreateVecs(a, &v, nil), "MatCreateVecs")
    guard let v else { throw SLEPcError(routine: "MatCreateVecs", code: -1, detail: "no vector returned") }
    return v
}

func raw_vecDestroy(_ v: RawVec) throws(SLEPcError) {
    var x: Vec? = v
    try pcheck(VecDestroy(&x), "VecDestroy")
}

/// Copies the locally owned entries of `v` into `out` (count = local size).
func raw_vecCopyLocal(_ v: RawVec, into out: UnsafeMutablePointer<Double>, count: Int) throws(SLEPcError) {
    var n: PetscInt = 0
    try pcheck(VecGetLocalSize(v, &n), "VecGetLocalSize")
    guard Int(n) == count else { throw SLEPcError(routine: "VecGetLocalSize", code: -1, detail: "local size \(n) != \(count)") }
    var p: UnsafePointer<PetscScalar>?
    try pcheck(VecGetArrayRead(v, &p), "VecGetArrayRead")
    if let p { out.update(from: p, count: count) }
    try pcheck(VecRestoreArrayRead(v, &p), "VecRestoreArrayRead")
}

// MARK: eigensolver

/// How the EPS is set up.
enum RawSpectralTransform {
    /// The lowest (largest = false) or highest eigenvalue.
    case extreme(largest: Bool)
    case shiftInvert(target: Double)
    case filter(interval: (Double, Double), range: (Double, Double), degree: Int)
}

func raw_epsCreate(_ comm: Communicator, _ a: RawMat) throws(SLEPcError) -> RawEPS {
    var e: EPS?
    try pcheck(EPSCreate(rawComm(comm), &e), "EPSCreate")
    guard let e else { throw SLEPcError(routine: "EPSCreate", code: -1, detail: "no solver returned") }
    try pcheck(EPSSetOperators(e, a, nil), "EPSSetOperators")
    try pcheck(EPSSetProblemType(e, EPS_HEP), "EPSSetProblemType")
    try pcheck(EPSSetType(e, qgslepc_eps_krylovschur()), "EPSSetType")
    return e
}

func raw_epsConfigure(_ e: RawEPS, _ t: RawSpectralTransform, nev: Int, ncv: Int?, tolerance: Double, maxIterations: Int) throws(SLEPcError) {
    var st: ST?
    try pcheck(EPSGetST(e, &st), "EPSGetST")
    switch t {
    case .extreme(let largest):
        try pcheck(EPSSetWhichEigenpairs(e, largest ? EPS_LARGEST_REAL : EPS_SMALLEST_REAL), "EPSSetWhichEigenpairs")
    case .shiftInvert(let target):
        try pcheck(STSetType(st, qgslepc_st_sinvert()), "STSetType(sinvert)")
        try pcheck(EPSSetTarget(e, target), "EPSSetTarget")
        try pcheck(EPSSetWhichEigenpairs(e, EPS_TARGET_MAGNITUDE), "EPSSetWhichEigenpairs")
        var ksp: KSP?
        try pcheck(STGetKSP(st, &ksp), "STGetKSP")
        try pcheck(KSPSetType(ksp, qgslepc_ksp_preonly()), "KSPSetType(preonly)")
        var pc: PC?
        try pcheck(KSPGetPC(ksp, &pc), "KSPGetPC")
        // H - sigma is indefinite: MUMPS LDL^T (symmetric, sym = 2), half the memory of LU.
        try pcheck(PCSetType(pc, qgslepc_pc_cholesky()), "PCSetType(cholesky)")
        try pcheck(PCFactorSetMatSolverType(pc, qgslepc_solver_mumps()), "PCFactorSetMatSolverType(mumps)")
    case .filter(let interval, let range, let degree):
        try pcheck(STSetType(st, qgslepc_st_filter()), "STSetType(filter)")
        try pcheck(EPSSetInterval(e, interval.0, interval.1), "EPSSetInterval")
        try pcheck(EPSSetWhichEigenpairs(e, EPS_ALL), "EPSSetWhichEigenpairs(all)")
        try pcheck(STFilterSetRange(st, range.0, range.1), "STFilterSetRange")
        if degree > 0 { try pcheck(STFilterSetDegree(st, PetscInt(degree)), "STFilterSetDegree") }
    }
    try pcheck(EPSSetDimensions(e, PetscInt(nev), ncv.map { PetscInt($0) } ?? qgslepc_default(), qgslepc_default()), "EPSSetDimensions")
    try pcheck(EPSSetTolerances(e, tolerance, PetscInt(maxIterations)), "EPSSetTolerances")
}

func raw_epsSolve(_ e: RawEPS) throws(SLEPcError) -> (converged: Int, iterations: Int, reason: Int) {
    try pcheck(EPSSolve(e), "EPSSolve")
    var n: PetscInt = 0, it: PetscInt = 0
    var reason = EPS_CONVERGED_TOL
    try pcheck(EPSGetConverged(e, &n), "EPSGetConverged")
    try pcheck(EPSGetIterationNumber(e, &it), "EPSGetIterationNumber")
    try pcheck(EPSGetConvergedReason(e, &reason), "EPSGetConvergedReason")
    return (Int(n), Int(it), Int(reason.rawValue))
}

func raw_epsEigenpair(_ e: RawEPS, _ i: Int, vector: RawVec?) throws(SLEPcError) -> Double {
    var kr: PetscScalar = 0, ki: PetscScalar = 0
    try pcheck(EPSGetEigenpair(e, PetscInt(i), &kr, &ki, vector, nil), "EPSGetEigenpair")
    return kr
}

func raw_epsResidual(_ e: RawEPS, _ i: Int) throws(SLEPcError) -> Double {
    var err: PetscReal = 0
    try pcheck(EPSComputeError(e, PetscInt(i), EPS_ERROR_ABSOLUTE, &err), "EPSComputeError")
    return err
}

func raw_epsDestroy(_ e: RawEPS) throws(SLEPcError) {
    var x: EPS? = e
    try pcheck(EPSDestroy(&x), "EPSDestroy")
}
