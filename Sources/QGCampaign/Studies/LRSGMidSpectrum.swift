import QGMPI
import QGPhysics
import QGED
import QGSLEPc
import QGLinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15: the mid-spectrum driver of study S1. Per realization: the
/// extremes of both sectors (SLEPc, Krylov-Schur), the target energy
/// E_t = e_min + target_eps (e_max - e_min), then per sector the k eigenpairs
/// nearest E_t (shift-invert with MUMPS, or a polynomial filter), r within
/// the k consecutive eigenvalues, and m_EA from the distributed eigenvectors.
extension LRSGStudy {
    /// Cost model of the mid-spectrum solver, core-seconds per sector on one
    /// rank with one BLAS thread: t = c D^p, fitted to the measurements in
    /// docs/performance.md ("Mid-spectrum eigenpairs", k = 100). Both grow
    /// about like D^2 here and hardly with k: shift-invert is dominated by
    /// the MUMPS factorization (dense fronts on the hypercube graph), the
    /// filter by a polynomial degree proportional to D / k applied to about
    /// k vectors.
    static func midSpectrumModel(_ method: MidSpectrumMethod) -> (c: Double, p: Double) {
        switch method {
        case .shiftInvert: return (4.8e-8, 2.14)
        case .filter: return (5.5e-8, 2.2)
        case .polfed: return polfedModel
        }
    }

    /// polfed (issue 24): the products with H grow like D^1.04 (about 17 a
    /// rho(E_t) vectors, calibration) at (L + 1) D each, so t ~ D^2.1; c from
    /// the release-build L = 14 realization in docs/performance.md
    /// ("polfed"): 21 CPU-seconds for both sectors, 10.5 per sector at D = 8192
    /// (measured under load, so an upper estimate).
    static let polfedModel = (c: 6.4e-8, p: 2.1)

    /// Basis vectors polfed keeps per sector for k pairs: about 17 k / pi
    /// filtered vectors at c = 0.5 (the products, 17 a rho, over the degree,
    /// pi a rho / k) plus two blocks.
    static func polfedBasisVectors(k: Int) -> Double { 17 * Double(k) / Double.pi + 32 }

    func midSpectrumCoreSeconds(L: Int) -> Double {
        let d = Double(1 << (L - 1))
        let (c, p) = Self.midSpectrumModel(method(L))
        return 2 * c * Glibc.pow(d, p)
    }

    /// Bytes per rank on a group of g ranks: the distributed sparse matrices
    /// of both sectors (L + 1 entries per row), the Krylov basis and the eigenvector copies
    /// (SLEPc's ncv = 2 nev; the filter asks for about 3 k pairs), the
    /// diagonal every rank keeps, and for shift-invert the MUMPS factor,
    /// whose fill-in on this hypercube graph grows like D^1.74 (measured).
    func midSpectrumBytesPerRank(L: Int, groupSize g: Int) -> Int {
        let d = Double(1 << (L - 1)), k = Double(midspectrum!.k), gd = Double(g)
        if method(L) == .polfed {
            // No matrix: this rank's rows of the basis V and H V (m vectors
            // each) and of four filter blocks of 16, G and M (m x m), the
            // diagonal, and on a group the full-length halo copy of a block.
            let m = Self.polfedBasisVectors(k: midspectrum!.k)
            let halo = g > 1 ? 16 * 8 * d : 0
            return Int((2 * m * 8 * d + 4 * 16 * 8 * d) / gd + 2 * m * m * 8 + 8 * d + halo) + 64 << 20
        }
        let matrix = 2 * 1.3 * 12 * d * Double(L + 1) / gd
        let nev = method(L) == .filter ? 3 * k + 10 : k
        let krylov = 4 * nev * 8 * d / gd
        let factor = method(L) == .shiftInvert ? Self.mumpsFactorBytes(dimension: d) / gd : 0
        return Int(matrix + krylov + factor + 16 * d) + 64 << 20
    }

    /// Bytes of the MUMPS LDL^T factor and its workspace for one sector (whole
    /// group), fitted to the peak RSS at L = 14 and 16 (docs/performance.md):
    /// 34 D^1.74 bytes (2.4 GB at L = 16, ~27 GB at L = 18, ~3 TB at L = 22).
    static func mumpsFactorBytes(dimension d: Double) -> Double { 34 * Glibc.pow(d, 1.74) }

    /// The Gaussian density of states of a sector with the given spectral
    /// moments (`LongRangeSpinGlass.sectorMoments`) at energy e, eigenvalues
    /// per unit energy.
    static func gaussianDensity(dimension d: Int, moments: (mean: Double, variance: Double), at e: Double) -> Double {
        let variance = max(moments.variance, 1e-300), x = e - moments.mean
        return Double(d) / (2 * Double.pi * variance).squareRoot() * Glibc.exp(-x * x / (2 * variance))
    }

    /// The `method` code stored per task: 0 shift-invert, 1 SLEPc filter, 2 polfed.
    static func methodCode(_ m: MidSpectrumMethod) -> Int8 {
        switch m {
        case .shiftInvert: return 0
        case .filter: return 1
        case .polfed: return 2
        }
    }

    /// Issue 24, collective over `group`: both sectors with the matrix-free
    /// polynomial filter, on `blas_threads` threads per rank. A group of one
    /// uses the serial operator; a larger group the distributed one (rows in
    /// contiguous slices, halo by MPI_Allgatherv). The extremes of both
    /// sectors come from Lanczos on the same operators.
    func solvePolfed(model: LongRangeSpinGlass, sectors: [LRSGParitySector], settings: MidSpectrumSettings, group: Communicator,
                     what: String, t0: Double) throws
        -> (results: [MidSpectrumED.SectorPairs], target: Double, lo: Double, hi: Double, tBuild: Double, tExtremes: Double) {
        let threads = BLASThreads.current
        let kernels = sectors.map { LRSGSectorOperator(model: model, parity: $0.parity, diagonal: $0.diagonal) }
        if group.size > 1 {
            return try solvePolfed(kernels.map { DistributedLRSGOperator($0, group: group, threads: threads) }, model: model, sectors: sectors,
                                   group: group, what: what, t0: t0)
        }
        return try solvePolfed(kernels.map { SerialLRSGOperator($0, threads: threads) }, model: model, sectors: sectors, group: group,
                               what: what, t0: t0)
    }

    func solvePolfed<Op: FilterOperator>(_ ops: [Op], model: LongRangeSpinGlass, sectors: [LRSGParitySector], group: Communicator,
                                         what: String, t0: Double) throws
        -> (results: [MidSpectrumED.SectorPairs], target: Double, lo: Double, hi: Double, tBuild: Double, tExtremes: Double) {
        let cfg = midspectrum!
        let tBuild = now() - t0
        let bounds = try sectors.indices.map { i in
            try PolynomialFilterED.extremes(ops[i], context: "\(what) sector \(sectors[i].parity)")
        }
        let lo = bounds.map(\.min).min()!, hi = bounds.map(\.max).max()!
        let tExtremes = now() - t0 - tBuild
        let target = lo + cfg.targetEps * (hi - lo)
        var polfed = PolynomialFilterSettings(count: cfg.k)
        polfed.degree = cfg.filterDegree
        polfed.maxIterations = cfg.maxIterations
        let results = try sectors.indices.map { i in
            try MidSpectrumED.polfed(ops[i], hamiltonian: sectors[i], target: target, spectrum: bounds[i],
                                     density: Self.gaussianDensity(dimension: sectors[i].dimension,
                                                                   moments: model.sectorMoments(parity: sectors[i].parity), at: target),
                                     settings: polfed, group: group, context: "\(what) sector \(sectors[i].parity)")
        }
        return (results, target, lo, hi, tBuild, tExtremes)
    }

    func runMidSpectrum(_ task: TaskSpec, context: TaskContext, model: LongRangeSpinGlass, J: [Double]) throws -> TaskOutput? {
        let cfg = midspectrum!
        let group = context.group
        let sectors = LRSGParitySector.bothSectors(of: model)
        let what = "L=\(model.L) alpha=\(model.alpha) hx=\(model.hx)"
        var settings = MidSpectrumSettings(count: cfg.k, method: method(model.L))
        settings.tolerance = cfg.tolerance
        settings.filterDegree = cfg.filterDegree
        settings.maxIterations = cfg.maxIterations
        let t0 = now()
        let solved: (results: [MidSpectrumED.SectorPairs], target: Double, lo: Double, hi: Double, tBuild: Double, tExtremes: Double)
        if settings.method == .polfed {
            solved = try solvePolfed(model: model, sectors: sectors, settings: settings, group: group, what: what, t0: t0)
        } else {
            // Both sectors are assembled once and live through the task: the
            // extremes of both fix the target before either solve.
            solved = try MidSpectrumED.withMatrix(sectors[0], group: group) { m0 in
                try MidSpectrumED.withMatrix(sectors[1], group: group) { m1 in
                    let matrices = [m0, m1]
                    let tBuild = now() - t0
                    // e_min, e_max over both sectors, by the same engine.
                    let bounds = try matrices.map { try MidSpectrumED.extremes(of: $0) }
                    let lo = bounds.map(\.min).min()!, hi = bounds.map(\.max).max()!
                    let tExtremes = now() - t0 - tBuild
                    let target = lo + cfg.targetEps * (hi - lo)
                    let results = try sectors.indices.map { i in
                        try MidSpectrumED.solve(matrices[i], hamiltonian: sectors[i], target: target, spectrum: bounds[i],
                                                density: Self.gaussianDensity(dimension: sectors[i].dimension,
                                                                              moments: model.sectorMoments(parity: sectors[i].parity), at: target),
                                                settings: settings, context: "\(what) sector \(sectors[i].parity)")
                    }
                    return (results, target, lo, hi, tBuild, tExtremes)
                }
            }
        }
        let (results, target, lo, hi, tBuild, tExtremes) = solved
        guard group.rank == 0 else { return nil }

        var (rows, _) = taskRows(task, J: J, sectors: results.map { ($0.energies, $0.mEA) }, eMin: lo, eMax: hi,
                                 residual: max(results[0].residual, results[1].residual),
                                 orthogonality: max(results[0].orthogonality, results[1].orthogonality),
                                 seconds: (tBuild, tExtremes + results[0].seconds.solve + results[1].seconds.solve,
                                           results[0].seconds.observables + results[1].seconds.observables), since: now())
        rows["target_energy"] = .float64([target])
        rows["iterations"] = .int64(results.map { Int64($0.iterations) })
        rows["method"] = .int8([Self.methodCode(settings.method)])
        return TaskOutput(rows: rows)
    }
}
