import QGMPI
import QGPhysics
import QGED
import QGLinearAlgebra

/// Issue 15: the mid-spectrum driver of study S1. Per realization: the
/// extremes of both sectors (SLEPc, Krylov-Schur), the target energy
/// E_t = e_min + target_eps (e_max - e_min), then per sector the k eigenpairs
/// nearest E_t (shift-invert with MUMPS, or a polynomial filter), r within
/// the k consecutive eigenvalues, and m_EA from the distributed eigenvectors.
extension LRSGStudy {
    /// Core-seconds of one realization (both sectors) by QGED's cost model.
    func midSpectrumCoreSeconds(L: Int) -> Double {
        MidSpectrumPolicy.coreSeconds(dimension: Double(1 << (L - 1)), sectors: 2, method: method(L))
    }

    /// Bytes per rank on a group of g ranks by QGED's memory model: both
    /// sectors, L + 1 entries per row.
    func midSpectrumBytesPerRank(L: Int, groupSize g: Int) -> Int {
        MidSpectrumPolicy.bytesPerRank(dimension: Double(1 << (L - 1)), entriesPerRow: L + 1, sectors: 2, k: midspectrum!.k,
                                       method: method(L), groupSize: g)
    }

    /// What a mid-spectrum solve of both sectors gives: each sector's pairs, the target, the spectrum's ends and wall seconds.
    typealias SolvedSectors = (results: [MidSpectrumED.SectorPairs], target: Double, lo: Double, hi: Double, tBuild: Double, tExtremes: Double)

    /// Both sectors at one target, by either engine: `extremes(i)` gives the
    /// ends of sector i, those of both fix E_t = e_min + target_eps (e_max -
    /// e_min), then `solve(i, E_t, ends, density)` the pairs of sector i near
    /// E_t, with the sector's Gaussian density of states at E_t. Wall seconds
    /// from `t0`: the build up to now, then the extremes.
    func solveAtTarget(_ sectors: [LRSGParitySector], model: LongRangeSpinGlass, t0: Double,
                       extremes: (Int) throws -> (min: Double, max: Double),
                       solve: (Int, Double, (min: Double, max: Double), Double) throws -> MidSpectrumED.SectorPairs) throws -> SolvedSectors {
        let tBuild = now() - t0
        let bounds = try sectors.indices.map(extremes)
        let lo = bounds.map(\.min).min()!, hi = bounds.map(\.max).max()!
        let tExtremes = now() - t0 - tBuild
        let target = lo + midspectrum!.targetEps * (hi - lo)
        let results = try sectors.indices.map { i in
            try solve(i, target, bounds[i], model.gaussianSectorDensity(parity: sectors[i].parity, at: target))
        }
        return (results, target, lo, hi, tBuild, tExtremes)
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
                     what: String, t0: Double) throws -> SolvedSectors {
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
                                         what: String, t0: Double) throws -> SolvedSectors {
        let cfg = midspectrum!
        var polfed = PolynomialFilterSettings(count: cfg.k)
        polfed.degree = cfg.filterDegree
        polfed.maxIterations = cfg.maxIterations
        return try solveAtTarget(sectors, model: model, t0: t0,
                                 extremes: { i in try PolynomialFilterED.extremes(ops[i], context: "\(what) sector \(sectors[i].parity)") }) {
            i, target, ends, density in
            try MidSpectrumED.polfed(ops[i], hamiltonian: sectors[i], target: target, spectrum: ends, density: density,
                                     settings: polfed, group: group, context: "\(what) sector \(sectors[i].parity)")
        }
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
        let solved: SolvedSectors
        if settings.method == .polfed {
            solved = try solvePolfed(model: model, sectors: sectors, settings: settings, group: group, what: what, t0: t0)
        } else {
            // Both sectors are assembled once and live through the task: the
            // extremes of both fix the target before either solve.
            solved = try MidSpectrumED.withMatrix(sectors[0], group: group) { m0 in
                try MidSpectrumED.withMatrix(sectors[1], group: group) { m1 in
                    let matrices = [m0, m1]
                    // e_min, e_max over both sectors, by the same engine.
                    return try solveAtTarget(sectors, model: model, t0: t0, extremes: { try MidSpectrumED.extremes(of: matrices[$0]) }) {
                        i, target, ends, density in
                        try MidSpectrumED.solve(matrices[i], hamiltonian: sectors[i], target: target, spectrum: ends, density: density,
                                                settings: settings, context: "\(what) sector \(sectors[i].parity)")
                    }
                }
            }
        }
        let (results, target, lo, hi, tBuild, tExtremes) = solved
        guard group.rank == 0 else { return nil }

        let pairs = results.map { SectorResult(energies: $0.energies, mEA: $0.mEA, residual: $0.residual,
                                               orthogonality: $0.orthogonality, seconds: $0.seconds) }
        var (rows, _) = taskRows(task, J: J, sectors: pairs, ends: (lo, hi), before: (tBuild, tExtremes), since: now())
        rows["target_energy"] = .float64([target])
        rows["iterations"] = .int64(results.map { Int64($0.iterations) })
        rows["method"] = .int8([Self.methodCode(settings.method)])
        return TaskOutput(rows: rows)
    }
}
