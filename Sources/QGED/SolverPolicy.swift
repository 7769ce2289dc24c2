import QGSLEPc
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How eigenpairs in the middle of the spectrum are reached.
public enum MidSpectrumMethod: String, CaseIterable, Sendable, Codable {
    /// Krylov-Schur on (H - sigma)^-1, factorized once by MUMPS (LDL^T).
    case shiftInvert = "shift-invert"
    /// Krylov-Schur on a polynomial filter p(H) that maps an interval around
    /// the target to the top of the spectrum (SLEPc's STFILTER); only
    /// matrix-vector products with H, no factorization.
    case filter
    /// qglass's own matrix-free polynomial filter (POLFED class, issue 24):
    /// a Jackson-damped Chebyshev delta at the target, block Lanczos on p(H)
    /// and Rayleigh-Ritz with H (`PolynomialFilterED`); no SLEPc, no stored
    /// matrix.
    case polfed

    /// The SLEPc spectral transform of this method; nil for polfed, which is
    /// qglass's own solver.
    var slepc: SLEPcSpectralMethod? {
        switch self {
        case .shiftInvert: return .shiftInvert
        case .filter: return .filter
        case .polfed: return nil
        }
    }
}

/// The mid-spectrum solver policy: which method `auto` picks, and the cost
/// and memory models the planner and the campaign's memory check use, for a
/// real symmetric sector of dimension D stored with a fixed number of
/// entries per row. Measured on the reference machine (docs/performance.md,
/// "Mid-spectrum eigenpairs" and "polfed"). Local, pure functions.
public enum MidSpectrumPolicy {
    /// The largest size L (sector dimension 2^(L-1)) at which `auto` picks
    /// shift-invert (SLEPc + MUMPS); qglass's matrix-free polynomial filter
    /// (polfed, DACP basis) beyond. Measured (docs/performance.md, quiet,
    /// 2026-12-07, k = 100, 2 threads): three realizations take 3.0 s by
    /// shift-invert and 3.9 s by polfed at L = 12, 31.1 s and 20.5 s at
    /// L = 14; one realization at L = 16, side by side, 113-131 s and
    /// 2.56 GB by shift-invert, 82-89 s and 0.55 GB by polfed. Past L = 16 the MUMPS factor
    /// (growing like D^1.74, ~27 GB at L = 18) no longer fits a node.
    public static let shiftInvertMaxL = 12

    /// The method "auto" picks at size L.
    public static func autoMethod(L: Int) -> MidSpectrumMethod { L <= shiftInvertMaxL ? .shiftInvert : .polfed }

    /// Cost model of a mid-spectrum solve, core-seconds per sector on one
    /// rank with one BLAS thread: t = c D^p, fitted to the measurements in
    /// docs/performance.md ("Mid-spectrum eigenpairs", k = 100). Both grow
    /// about like D^2 here and hardly with k: shift-invert is dominated by
    /// the MUMPS factorization (dense fronts on the hypercube graph), the
    /// filter by a polynomial degree proportional to D / k applied to about
    /// k vectors.
    public static func model(_ method: MidSpectrumMethod) -> (c: Double, p: Double) {
        switch method {
        case .shiftInvert: return (4.8e-8, 2.14)
        case .filter: return (5.5e-8, 2.2)
        case .polfed: return polfedModel
        }
    }

    /// polfed (issue 24, DACP basis): about 5 a rho(E_t) products with H
    /// (a rho grows like D) at (L + 1) D each; fitted to the release-build
    /// CPU time per sector at L = 14 (5.0 s, D = 8192) and L = 16 (70.7 s,
    /// D = 32768) in docs/performance.md, 2026-12-07.
    public static let polfedModel = (c: 1.68e-7, p: 1.91)

    /// Basis vectors polfed keeps per sector for k pairs with the default
    /// settings (`PolynomialFilterSettings.plannedBasisVectors`).
    public static func polfedBasisVectors(k: Int) -> Double {
        Double(PolynomialFilterSettings(count: k).plannedBasisVectors)
    }

    /// Core-seconds of `sectors` solves of dimension `dimension` by `method`.
    public static func coreSeconds(dimension d: Double, sectors: Int, method: MidSpectrumMethod) -> Double {
        let (c, p) = model(method)
        return Double(sectors) * c * pow(d, p)
    }

    /// Bytes per rank on a group of g ranks: the distributed sparse matrices
    /// of all `sectors` (`entriesPerRow` entries per row), the Krylov basis
    /// and the eigenvector copies (SLEPc's ncv = 2 nev; the filter asks for
    /// about 3 k pairs), the diagonal every rank keeps, and for shift-invert
    /// the MUMPS factor, whose fill-in on this hypercube graph grows like
    /// D^1.74 (measured). polfed stores no matrix: this rank's rows of the
    /// basis V and H V (m vectors each) and of the workspace
    /// (`PolynomialFilterSettings.plannedWorkspaceVectors`: a batch of
    /// samples, or four blocks and the Ritz vectors y and H y of the k
    /// candidates); G and M (m x m, stored
    /// with a leading dimension that doubles as they grow: up to 2m), the
    /// diagonal, and on a group the full-length halo copy of a block.
    public static func bytesPerRank(dimension d: Double, entriesPerRow: Int, sectors: Int, k: Int,
                                    method: MidSpectrumMethod, groupSize g: Int) -> Int {
        let kk = Double(k), gd = Double(g)
        if method == .polfed {
            let m = polfedBasisVectors(k: k), workspace = Double(PolynomialFilterSettings(count: k).plannedWorkspaceVectors)
            let halo = g > 1 ? 16 * 8 * d : 0
            return Int((2 * m * 8 * d + workspace * 8 * d) / gd + 2 * (2 * m) * (2 * m) * 8 + 8 * d + halo) + 64 << 20
        }
        let matrix = Double(sectors) * 1.3 * 12 * d * Double(entriesPerRow) / gd
        let nev = method == .filter ? 3 * kk + 10 : kk
        let krylov = 4 * nev * 8 * d / gd
        let factor = method == .shiftInvert ? mumpsFactorBytes(dimension: d) / gd : 0
        return Int(matrix + krylov + factor + 16 * d) + 64 << 20
    }

    /// Bytes of the MUMPS LDL^T factor and its workspace for one sector (whole
    /// group), fitted to the peak RSS at L = 14 and 16 (docs/performance.md):
    /// 34 D^1.74 bytes (2.4 GB at L = 16, ~27 GB at L = 18, ~3 TB at L = 22).
    public static func mumpsFactorBytes(dimension d: Double) -> Double { 34 * pow(d, 1.74) }
}

/// The SLEPc/PETSc runtime of a process, scoped.
public enum SLEPcScope {
    /// Collective: every rank of the world calls it once, around all the work
    /// that may use SLEPc (a campaign). PETSc and SLEPc are initialized
    /// lazily, locally, by the first mid-spectrum solve of a group
    /// (PETSC_COMM_WORLD = MPI_COMM_SELF, so ranks never wait for each other
    /// there); at scope end, after the body has destroyed every PETSc object,
    /// each rank finalizes them if it initialized them, before MPI is
    /// finalized. A failing body's error is rethrown after the finalization
    /// (whose own failure is then dropped).
    public static func with<R>(_ body: () throws -> R) throws -> R {
        let result: R
        do {
            result = try body()
        } catch {
            try? SLEPcRuntime.finalizeIfInitialized()
            throw error
        }
        try SLEPcRuntime.finalizeIfInitialized()
        return result
    }
}
