import QGMPI
import QGPhysics
import QGED
import QGSLEPc
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
        }
    }

    func midSpectrumCoreSeconds(L: Int) -> Double {
        let d = Double(1 << (L - 1))
        let (c, p) = Self.midSpectrumModel(method(L))
        return 2 * c * Glibc.pow(d, p)
    }

    /// Bytes per rank on a group of g ranks: the distributed sparse matrix
    /// (L + 1 entries per row), the Krylov basis and the eigenvector copies
    /// (SLEPc's ncv = 2 nev; the filter asks for about 3 k pairs), the
    /// diagonal every rank keeps, and for shift-invert the MUMPS factor,
    /// whose fill-in on this hypercube graph grows like D^1.74 (measured).
    func midSpectrumBytesPerRank(L: Int, groupSize g: Int) -> Int {
        let d = Double(1 << (L - 1)), k = Double(midspectrum!.k), gd = Double(g)
        let matrix = 1.3 * 12 * d * Double(L + 1) / gd
        let nev = method(L) == .filter ? 3 * k + 10 : k
        let krylov = 4 * nev * 8 * d / gd
        let factor = method(L) == .shiftInvert ? Self.mumpsFactorBytes(dimension: d) / gd : 0
        return Int(matrix + krylov + factor + 16 * d) + 64 << 20
    }

    /// Bytes of the MUMPS LDL^T factor and its workspace for one sector (whole
    /// group), fitted to the peak RSS at L = 14 and 16 (docs/performance.md):
    /// 34 D^1.74 bytes (2.4 GB at L = 16, ~27 GB at L = 18, ~3 TB at L = 22).
    static func mumpsFactorBytes(dimension d: Double) -> Double { 34 * Glibc.pow(d, 1.74) }

    /// Exact first two moments of the sector spectrum from the matrix
    /// entries: mean = tr H / D, variance = tr H^2 / D - mean^2 (diagonal
    /// squares plus L h_x^2 per column), and the Gaussian density of states
    /// at E, eigenvalues per unit energy.
    static func gaussianDensity<H: SectorHamiltonian>(_ h: H, at e: Double) -> Double where H.Element == Double {
        var s1 = 0.0, s2 = 0.0
        for k in 0..<h.dimension {
            h.forEachEntry(column: k) { r, v in
                if r == k { s1 += v }
                s2 += v * v
            }
        }
        let d = Double(h.dimension)
        let mean = s1 / d, variance = max(s2 / d - mean * mean, 1e-300)
        return d / (2 * Double.pi * variance).squareRoot() * Glibc.exp(-(e - mean) * (e - mean) / (2 * variance))
    }

    func runMidSpectrum(_ task: TaskSpec, context: TaskContext, model: LongRangeSpinGlass, J: [Double]) throws -> TaskOutput? {
        let cfg = midspectrum!
        let group = context.group
        let sectors = [1, -1].map { LRSGParitySector(model: model, parity: $0) }
        let what = "L=\(model.L) alpha=\(model.alpha) hx=\(model.hx)"
        let t0 = now()
        // e_min, e_max over both sectors, by the same engine.
        var lo = Double.infinity, hi = -Double.infinity
        var bounds: [(Double, Double)] = []
        for h in sectors {
            let b = try MidSpectrumED.extremes(h, group: group)
            bounds.append(b)
            lo = min(lo, b.min); hi = max(hi, b.max)
        }
        let tExtremes = now() - t0
        let target = lo + cfg.targetEps * (hi - lo)
        var settings = MidSpectrumSettings(count: cfg.k, method: method(model.L))
        settings.tolerance = cfg.tolerance
        settings.filterDegree = cfg.filterDegree
        settings.maxIterations = cfg.maxIterations
        var results: [MidSpectrumED.SectorPairs] = []
        for (i, h) in sectors.enumerated() {
            results.append(try MidSpectrumED.solve(h, group: group, target: target, spectrum: bounds[i], density: Self.gaussianDensity(h, at: target),
                                                   settings: settings, context: "\(what) sector \(h.parity)"))
        }
        guard group.rank == 0 else { return nil }

        var (rows, _) = taskRows(task, J: J, sectors: results.map { ($0.energies, $0.mEA) }, eMin: lo, eMax: hi,
                                 residual: max(results[0].residual, results[1].residual),
                                 orthogonality: max(results[0].orthogonality, results[1].orthogonality),
                                 seconds: (results[0].seconds.build + results[1].seconds.build,
                                           tExtremes + results[0].seconds.solve + results[1].seconds.solve,
                                           results[0].seconds.observables + results[1].seconds.observables), since: now())
        rows["target_energy"] = .float64([target])
        rows["iterations"] = .int64(results.map { Int64($0.iterations) })
        rows["method"] = .int8([settings.method == .shiftInvert ? 0 : 1])
        return TaskOutput(rows: rows)
    }
}

