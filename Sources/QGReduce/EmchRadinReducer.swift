import Foundation
import QGMPI
import QGHDF5
import QGNumerics
import QGPhysics
import QGCampaign

/// S9's entry in the registry (study `emch_radin`, docs/emch-radin.md and
/// docs/hdf5-schema.md, "Reduced Emch-Radin files"). Per (d, alpha, N, x):
/// sample-averaged magnetization and purity curves (all spins and interior
/// spins) with standard errors, stretched-exponential fits of the four curves
/// with jackknife errors over samples, and the analytic beta, gamma_m and
/// gamma_p/gamma_m. Per (d, alpha, N): the fits combined over the packings of
/// the strongly disordered regime (`/emch_radin/fits`, the interface
/// contract). Per (d, alpha): the power law |beta - d/alpha| ~ N^(-p).
/// Every beta and p also carries a window-systematic error over
/// `EmchRadinStudy.windows` (FitWindows.swift). Reduced by the pipeline
/// (ReductionPipeline.swift). Figures: python/qglass_plot_emch_radin.py.
extension EmchRadinStudy: PipelineStudy {
    static var plotEntry: String { "qglass_plot_emch_radin:plot" }

    /// Local (any rank): the completed tasks among the block's rows, one record
    /// per alpha; a row whose curves are not finite or out of range is corrupt.
    static func read(_ b: TaskBlock, corrupt: inout [CorruptTask]) throws -> [EmchRadinRecord] {
        let d = Int(try b.attr("d")), N = Int(try b.attr("N"))
        let tasks = try TaskRows(b)
        let nA = b.rowLength("alpha")
        let T = b.rowLength("tau") / max(nA, 1)
        guard d >= 1, N >= 2, nA >= 1, T >= 1, b.rowLength("tau") == nA * T else { throw ReduceError(message: "\(b.block): inconsistent dataset shapes") }
        let x = try b.column("x", Double.self)
        let nInt = try b.column("n_interior", Int64.self), alpha = try b.column("alpha", Double.self), tau = try b.column("tau", Double.self)
        let gth = try b.column("gamma_m_theory", Double.self), jnn = try b.column("j_nn_median", Double.self)
        let mA = try b.column("magnetization_all", Double.self), pA = try b.column("purity_all", Double.self)
        let mI = try b.column("magnetization_interior", Double.self), pI = try b.column("purity_interior", Double.self)
        var out: [EmchRadinRecord] = []
        for r in tasks.completed {
            for k in 0..<nA {
                let s = (r * nA + k) * T
                let range = s..<(s + T)
                let rec = EmchRadinRecord(task: tasks.task(r, EmchRadinRecord.Point(d: d, N: N, x: x[r], alpha: alpha[r * nA + k])), nInterior: Int(nInt[r]),
                                          taus: Array(tau[range]), gammaTheory: gth[r * nA + k], jNN: jnn[r * nA + k],
                                          mAll: Array(mA[range]), pAll: Array(pA[range]), mInt: Array(mI[range]), pInt: Array(pI[range]))
                let okAll = rec.mAll.allSatisfy { $0.isFinite && abs($0) <= 0.5 + 1e-12 } && rec.pAll.allSatisfy { $0.isFinite && $0 >= 0.5 - 1e-12 && $0 <= 1 + 1e-12 }
                let okInt = rec.nInterior == 0 || (rec.mInt.allSatisfy { $0.isFinite && abs($0) <= 0.5 + 1e-12 } && rec.pInt.allSatisfy { $0.isFinite && $0 >= 0.5 - 1e-12 && $0 <= 1 + 1e-12 })
                guard okAll, okInt, rec.taus.allSatisfy({ $0 > 0 && $0.isFinite }), rec.nInterior >= 0, rec.nInterior <= N else {
                    corrupt.append(tasks.corrupt(r, "x \(x[r]), alpha \(rec.alpha)", "marked done but its curves are not finite or out of range"))
                    continue
                }
                out.append(rec)
            }
        }
        return out
    }

    /// Rank 0: every input must use the same interior depth, and the same time
    /// grid for each (d, N, alpha).
    static func checkMerged(_ records: [EmchRadinRecord], context: ReductionContext) throws {
        try context.requireSame(EmchRadinStudy.self, ["interior_depth": { "\($0.interiorDepth)" }])
        try context.requireShared(records, by: { "d=\($0.d)|N=\($0.N)|alpha=\($0.alpha)" }, \.taus) { g, r in
            "mismatched configs for d = \(r.d), N = \(r.N), alpha = \(r.alpha): \(context.input(of: g)) and \(context.input(of: r)) use different time grids"
        }
    }

    struct Size: Hashable { var d: Int; var alpha: Double; var N: Int }
    struct Exponent: Hashable { var d: Int; var alpha: Double }

    /// Packings at or below this are the strongly disordered regime (the seed's
    /// Fig. 2a plateau); `/emch_radin/fits` averages beta over them (over all
    /// packings when none is this small).
    static let disorderedPacking = 0.01
    /// Jackknife blocks of samples (delete-one-block), at most.
    static let jackknifeBlocks = 20
    /// The fit windows of the window-systematic error (FitWindows.swift), in
    /// units of the reference amplitude A0 = 1/2: the default window of
    /// `EmchRadin.fitStretchedExponential`; its lower edge moved deeper into the
    /// tail (0.005: u = (gamma tau)^beta = 5.3 instead of 3.9, about the end of
    /// the default time grid, u = 8 at the analytic rate) and shallower (0.05,
    /// u = 3.0); its upper edge moved later (0.8: u = 0.22 instead of 0.05); and
    /// the late half of the decay (0.5 down to 0.005), where the slow surface
    /// spins weigh most. A lower edge below the end of the time grid runs the
    /// window to the grid's end. Every beta and p is refitted in each window;
    /// docs/emch-radin.md, "Fit", gives the measured spread.
    static let windows = FitWindowSet(units: "fractions of the reference amplitude A0 = 1/2: from the first point with f <= upper A0 "
                                      + "to the last point before f falls below lower A0", [
        FitWindow(label: "default", lower: EmchRadin.fitWindow.lower, upper: EmchRadin.fitWindow.upper),
        FitWindow(label: "deeper", lower: 0.005, upper: EmchRadin.fitWindow.upper),
        FitWindow(label: "shallower", lower: 0.05, upper: EmchRadin.fitWindow.upper),
        FitWindow(label: "later", lower: EmchRadin.fitWindow.lower, upper: 0.8),
        FitWindow(label: "late-half", lower: 0.005, upper: 0.5),
    ])

    /// A fit with its errors: the Levenberg-Marquardt covariance error and the
    /// jackknife error over blocks of samples (the quoted one).
    struct Fit {
        var beta = Double.nan, gamma = Double.nan, A = Double.nan, chi2 = Double.nan
        var betaFitErr = Double.nan, betaErr = Double.nan, gammaErr = Double.nan
        var first = -1, last = -1
        static let failed = Fit()
    }

    /// Rank 0, inside the atomic write: the analysis of the merged records (one per sample and alpha).
    static func analyse(_ merged: [EmchRadinRecord], context: ReductionContext, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        // The interior depth the inputs share (`checkMerged` refuses differing ones).
        let depth = context.plans.compactMap { ($0.study as? EmchRadinStudy)?.interiorDepth }.first ?? .nan
        let grouped = groupedByPoint(merged, { $0.key.point },
                                     pointOrder: { ($0.d, $0.alpha, $0.N, $0.x) < ($1.d, $1.alpha, $1.N, $1.x) })
        let points = grouped.map(\.point)
        let T = merged[0].taus.count

        // Per point: pooled curves and the four fits.
        var curves: [String: [Double]] = [:]
        var fits: [[Fit]] = []
        // Per point and series (fits' order): beta over the window set.
        var windowed: [[WindowedEstimate]] = []
        var failures = WindowFailures(windows)
        var ratio: [(value: Double, err: Double, interiorValue: Double, interiorErr: Double)] = []
        var nSamples: [Int64] = [], nIntMean: [Double] = [], gTheory: [Double] = [], jnn: [Double] = [], taus: [Double] = []
        for (p, rs) in grouped {
            nSamples.append(Int64(rs.count))
            nIntMean.append(Double(rs.map(\.nInterior).reduce(0, +)) / Double(rs.count))
            gTheory.append(rs[0].gammaTheory)
            jnn.append(ReduceStatistics.mean(rs.map(\.jNN)))
            taus += rs[0].taus
            let (acc, blocks) = accumulate(rs)
            var pf: [Fit] = [], pw: [WindowedEstimate] = []
            var r = (Double.nan, Double.nan, Double.nan, Double.nan)
            for (k, avg) in ["all", "interior"].enumerated() {
                let a = acc[k]
                let c = a.curves, se = a.standardErrors
                let nan = [Double](repeating: .nan, count: T)
                let valid = a.samples > 0
                curves["magnetization_\(avg)_mean", default: []] += valid ? c.magnetization : nan
                curves["purity_\(avg)_mean", default: []] += valid ? c.purity : nan
                curves["magnetization_\(avg)_err", default: []] += se?.magnetization ?? nan
                curves["purity_\(avg)_err", default: []] += se?.purity ?? nan
                let fm = fit(c.taus, c.magnetization, se?.magnetization, valid: valid, window: windows.central, jackknife: blocks.map { $0[k] }) { $0.magnetization }
                let fp = fit(c.taus, c.purityExcess, se?.purity, valid: valid, window: windows.central, jackknife: blocks.map { $0[k] }) { $0.purityExcess }
                pf += [fm.fit, fp.fit]
                // beta in every window: the default's fit with its jackknife error, the others' value only.
                for (central, y, s) in [(fm.fit, c.magnetization, se?.magnetization), (fp.fit, c.purityExcess, se?.purity)] {
                    let e = windows.estimate { i, w in
                        i == 0 ? (central.beta, central.betaErr) : (fit(c.taus, y, s, valid: valid, window: w, jackknife: []) { _ in [] }.fit.beta, .nan)
                    }
                    failures.add(e)
                    pw.append(e)
                }
                // gamma_p / gamma_m with its jackknife error.
                let q = fp.fit.gamma / fm.fit.gamma
                let qs = zip(fm.gammas, fp.gammas).map { $1 / $0 }
                let qe = ReduceStatistics.jackknifeError(qs) ?? q * hypot(fm.fit.gammaErr / fm.fit.gamma, fp.fit.gammaErr / fp.fit.gamma)
                if k == 0 { r.0 = q; r.1 = qe } else { r.2 = q; r.3 = qe }
                if k == 1 && !valid {
                    warnings.append("d \(p.d) alpha \(p.alpha) N \(p.N) x \(p.x): no spin of any sample is interior at interior_depth = "
                                    + "\(depth) (r_0 - |r_i| >= depth r_0 N^(-1/d)); the interior averages and fits are NaN; lower interior_depth")
                }
                for (what, ft) in [("magnetization", fm.fit), ("purity", fp.fit)] where valid && ft.beta.isNaN {
                    warnings.append("d \(p.d) alpha \(p.alpha) N \(p.N) x \(p.x): the \(what) fit (\(avg) spins) failed; NaN")
                }
            }
            // Order in pf: m_all, p_all, m_int, p_int.
            fits.append([pf[0], pf[2], pf[1], pf[3]])
            windowed.append([pw[0], pw[2], pw[1], pw[3]])
            ratio.append((r.0, r.1, r.2, r.3))
        }

        // Per (d, alpha, N): combine the packings of the strongly disordered regime.
        let sizes = points.map { Size(d: $0.d, alpha: $0.alpha, N: $0.N) }.uniqued()
        var sizeIdx: [[Int]] = [], xMax: [Double] = []
        for s in sizes {
            let all = points.indices.filter { Size(d: points[$0].d, alpha: points[$0].alpha, N: points[$0].N) == s }
            let dis = all.filter { points[$0].x <= disorderedPacking }
            let use = dis.isEmpty ? all : dis
            sizeIdx.append(use)
            xMax.append(use.map { points[$0].x }.max() ?? .nan)
        }
        let seriesNames = ["beta_all", "beta_interior", "beta_purity_all", "beta_purity_interior"]
        // Mean over the packings with the propagated error and the scatter (NaN estimates left out).
        var combined: [String: [(value: Double, error: Double, scatter: Double)]] = [:]
        for (j, name) in seriesNames.enumerated() {
            combined[name] = sizeIdx.map { ReduceStatistics.meanOfEstimates($0.map { (fits[$0][j].beta, fits[$0][j].betaErr) }) }
        }
        // The same mean over packings in every window (over the packings whose default
        // fit succeeded; NaN in a window where one of them failed) and its spread.
        var combinedW: [String: [WindowedEstimate]] = [:]
        for (j, name) in seriesNames.enumerated() {
            combinedW[name] = sizeIdx.indices.map { i in
                let use = sizeIdx[i].filter { fits[$0][j].beta.isFinite }
                let per = windows.windows.indices.map { w -> Double in
                    let v = use.map { windowed[$0][j].perWindow[w] }
                    return v.allSatisfy(\.isFinite) ? ReduceStatistics.mean(v) : .nan
                }
                return windows.combine(per, stat: combined[name]![i].error)
            }
        }
        let gmAll = sizeIdx.map { ReduceStatistics.meanOfEstimates($0.map { (fits[$0][0].gamma, fits[$0][0].gammaErr) }) }
        let gmInt = sizeIdx.map { ReduceStatistics.meanOfEstimates($0.map { (fits[$0][1].gamma, fits[$0][1].gammaErr) }) }
        let rAll = sizeIdx.map { ReduceStatistics.meanOfEstimates($0.map { (ratio[$0].value, ratio[$0].err) }) }
        let rInt = sizeIdx.map { ReduceStatistics.meanOfEstimates($0.map { (ratio[$0].interiorValue, ratio[$0].interiorErr) }) }

        // Per (d, alpha): |beta - d/alpha| ~ N^(-p), weighted least squares in log-log.
        let exps = sizes.map { Exponent(d: $0.d, alpha: $0.alpha) }.uniqued()
        func powerLaw(_ e: Exponent, _ value: (Int) -> Double, _ err: (Int) -> Double) -> (p: Double, err: Double, amp: Double, n: Int) {
            let idx = sizes.indices.filter { sizes[$0].d == e.d && sizes[$0].alpha == e.alpha }
            let th = Double(e.d) / e.alpha
            var n: [Double] = [], dev: [Double] = [], sd: [Double] = []
            for i in idx {
                let s = err(i), d = abs(value(i) - th)
                guard d > 0, d.isFinite, s.isFinite else { continue }
                n.append(Double(sizes[i].N)); dev.append(d); sd.append(s > 0 ? s : d)   // a zero error: relative error 1
            }
            let f = ReduceStatistics.powerLawLineFit(x: n, y: dev, sigma: sd)   // NaN below two sizes
            return (-f.slope, f.slopeError, exp(f.intercept), n.count)
        }
        var pfit: [String: [(p: Double, err: Double, amp: Double, n: Int)]] = [:]
        // p in every window: the window's combined beta, weighted by the default's errors.
        var pW: [String: [WindowedEstimate]] = [:]
        for name in seriesNames {
            pfit[name] = exps.map { e in powerLaw(e, { combined[name]![$0].value }, { combined[name]![$0].error }) }
            pW[name] = exps.indices.map { k in
                windows.estimate { i, _ in
                    i == 0 ? (pfit[name]![k].p, pfit[name]![k].err)
                           : (powerLaw(exps[k], { combinedW[name]![$0].perWindow[i] }, { combined[name]![$0].error }).p, .nan)
                }
            }
        }

        let f = out.file
        try f.setAttribute("interior_depth", depth)
        try f.setAttribute("disordered_packing", disorderedPacking)
        try f.setAttribute("jackknife_blocks", Int64(jackknifeBlocks))
        try f.setAttribute("fit_window", [windows.central.lower, windows.central.upper])
        let g = "/emch_radin"
        try out.group(g)
        try windows.write(out, at: g + "/fit_windows", failures: failures)
        // Points.
        try out.table(g + "/points", ["d": .ints(points.map(\.d)), "alpha": .float(points.map(\.alpha)), "N": .ints(points.map(\.N)),
                                      "x": .float(points.map(\.x)), "n_samples": .int(nSamples), "n_interior_mean": .float(nIntMean),
                                      "beta_theory": .float(points.map { Double($0.d) / $0.alpha }), "gamma_m_theory": .float(gTheory),
                                      "gamma_ratio_theory": .float(points.map { EmchRadinTheory.rateRatio(d: $0.d, alpha: $0.alpha) }),
                                      "j_nn_median": .float(jnn)])
        for (j, (obs, avg)) in [("m", "all"), ("m", "interior"), ("p", "all"), ("p", "interior")].enumerated() {
            let b = "beta_" + (obs == "m" ? "" : "purity_") + avg, t = "\(obs)_\(avg)"
            try out.table(g + "/points", [b: .float(fits.map { $0[j].beta }), b + "_err": .float(fits.map { $0[j].betaErr }),
                                          b + "_fit_err": .float(fits.map { $0[j].betaFitErr }), "gamma_" + t: .float(fits.map { $0[j].gamma }),
                                          "gamma_\(t)_err": .float(fits.map { $0[j].gammaErr }), "amplitude_" + t: .float(fits.map { $0[j].A }),
                                          "chi2_dof_" + t: .float(fits.map { $0[j].chi2 })])
            try out.windowed(g + "/points/" + b, windowed.map { $0[j] }, windows: windows.windows.count)
        }
        try out.table(g + "/points", ["gamma_ratio_all": .float(ratio.map(\.value)), "gamma_ratio_all_err": .float(ratio.map(\.err)),
                                      "gamma_ratio_interior": .float(ratio.map(\.interiorValue)), "gamma_ratio_interior_err": .float(ratio.map(\.interiorErr))])
        // Curves.
        try out.table(g + "/curves", ["tau": .float(taus, shape: [points.count, T])])
        for name in curves.keys.sorted() { try out.put(g + "/curves/" + name, curves[name]!, [points.count, T]) }
        // Fits per (d, alpha, N): the contract.
        let fg = g + "/fits"
        try out.table(fg, ["d": .ints(sizes.map(\.d)), "alpha": .float(sizes.map(\.alpha)), "N": .ints(sizes.map(\.N)),
                           "n_packings": .ints(sizeIdx.map(\.count)), "x_max": .float(xMax)])
        try out.putInt(fg + "/n_samples", sizeIdx.map { $0.map { nSamples[$0] }.reduce(0, +) })
        try out.put(fg + "/beta_theory", sizes.map { Double($0.d) / $0.alpha })
        for name in seriesNames {
            let c = combined[name]!
            try out.table(fg, [name: .float(c.map(\.value)), name + "_err": .float(c.map(\.error)), name + "_scatter": .float(c.map(\.scatter))])
            try out.windowed(fg + "/" + name, combinedW[name]!, windows: windows.windows.count)
        }
        try out.table(fg, ["gamma_m_all": .float(gmAll.map(\.value)), "gamma_m_all_err": .float(gmAll.map(\.error)),
                           "gamma_m_interior": .float(gmInt.map(\.value)), "gamma_m_interior_err": .float(gmInt.map(\.error)),
                           "gamma_m_theory": .float(sizes.map { (try? EmchRadinTheory.gammaM(d: $0.d, alpha: $0.alpha, density: EmchRadinStudy.density(d: $0.d, N: $0.N))) ?? .nan }),
                           "gamma_ratio_all": .float(rAll.map(\.value)), "gamma_ratio_all_err": .float(rAll.map(\.error)),
                           "gamma_ratio_interior": .float(rInt.map(\.value)), "gamma_ratio_interior_err": .float(rInt.map(\.error)),
                           "gamma_ratio_theory": .float(sizes.map { EmchRadinTheory.rateRatio(d: $0.d, alpha: $0.alpha) })])
        // Power law of the error per (d, alpha).
        let sg = g + "/scaling"
        try out.table(sg, ["d": .ints(exps.map(\.d)), "alpha": .float(exps.map(\.alpha))])
        for name in seriesNames {
            let suffix = String(name.dropFirst("beta".count)), f = pfit[name]!   // _all, _interior, _purity_all, _purity_interior
            try out.table(sg, ["p" + suffix: .float(f.map(\.p)), "p\(suffix)_err": .float(f.map(\.err)), "amplitude" + suffix: .float(f.map(\.amp)),
                               "n_sizes" + suffix: .ints(f.map(\.n))])
            try out.windowed(sg + "/p" + suffix, pW[name]!, windows: windows.windows.count)
        }

        var report = ["S9 emch_radin: stretched-exponential fits A exp(-(gamma tau)^beta), beta ± stat ± sys: stat = jackknife over samples, "
                      + "sys = window systematic; per (d, alpha, N) the mean over packings x <= \(disorderedPacking) (all x when none is that small)",
                      "  " + windows.reportLine,
                      "  d  alpha       N  samples  beta_th   beta_m(all)                beta_m(interior)           beta_p(all)                gp/gm(all) [theory]   gm(all)/theory"]
        for (i, s) in sizes.enumerated() {
            let c = { (n: String) in combinedW[n]![i] }
            let ns = Int(sizeIdx[i].map { nSamples[$0] }.reduce(0, +))
            let gth = (try? EmchRadinTheory.gammaM(d: s.d, alpha: s.alpha, density: EmchRadinStudy.density(d: s.d, N: s.N))) ?? .nan
            report.append(String(format: "%3d %6.2f %7d %8d   %6.4f   %@   %@   %@   %@ ± %@ [%@]   %@",
                                 s.d, s.alpha, s.N, ns, Double(s.d) / s.alpha,
                                 fmtWindowed(c("beta_all"), samples: ns), fmtWindowed(c("beta_interior"), samples: ns), fmtWindowed(c("beta_purity_all"), samples: ns),
                                 fmt(rAll[i].value, 3), fmtErr(rAll[i].error, samples: ns, 3), fmt(EmchRadinTheory.rateRatio(d: s.d, alpha: s.alpha), 3),
                                 fmt(gmAll[i].value / gth, 3)))
        }
        let withP = exps.indices.filter { pfit["beta_all"]![$0].n >= 2 }
        if !withP.isEmpty {
            report.append("error of beta vs N, |beta - d/alpha| ~ N^(-p) (p ± stat ± sys):")
            for e in withP {
                let q = { (n: String) in fmtWindowed(pW[n]![e], samples: minimumSamplesForError, 3) }
                report.append(String(format: "  d %d alpha %.2f: p(m, all) = %@, p(p, all) = %@, p(m, interior) = %@ (%d sizes)",
                                     exps[e].d, exps[e].alpha, q("beta_all"), q("beta_purity_all"), q("beta_interior"), pfit["beta_all"]![e].n))
            }
        }
        if let note = failures.note { report.append(note) }
        if let note = fewSamplesNote(sizes.indices.map { Int(sizeIdx[$0].map { nSamples[$0] }.reduce(0, +)) }, what: "samples") { report.append(note) }
        return report
    }

    /// Pooled accumulators (all, interior) over all samples, and per jackknife
    /// block the accumulators without that block.
    static func accumulate(_ rs: [EmchRadinRecord]) -> (full: [EmchRadinAccumulator], jackknife: [[EmchRadinAccumulator]]) {
        let taus = rs[0].taus
        func pooled(_ idx: [Int]) -> [EmchRadinAccumulator] {
            var acc = [EmchRadinAccumulator(taus: taus), EmchRadinAccumulator(taus: taus)]
            for r in idx.map({ rs[$0] }) {
                acc[0].add(EmchRadinCurves(count: r.N, taus: taus, magnetization: r.mAll, purity: r.pAll))
                if r.nInterior > 0 { acc[1].add(EmchRadinCurves(count: r.nInterior, taus: taus, magnetization: r.mInt, purity: r.pInt)) }
            }
            return acc
        }
        return (pooled(Array(rs.indices)), ReduceStatistics.jackknifeBlocks(n: rs.count, blocks: jackknifeBlocks).map(pooled))
    }

    /// Fits one pooled curve (weighted by its standard errors) in `window` and its
    /// jackknife replicas (same weights); returns the fit and the replicas' gammas.
    static func fit(_ taus: [Double], _ y: [Double], _ se: [Double]?, valid: Bool, window: FitWindow, jackknife: [EmchRadinAccumulator],
                    _ pick: (EmchRadinCurves) -> [Double]) -> (fit: Fit, gammas: [Double]) {
        guard valid else { return (.failed, []) }
        // Standard errors of exactly zero (e.g. every sample equal at the first times) get the smallest positive one.
        let sigmas: [Double]? = se.map { s in
            let floor = s.filter { $0 > 0 }.min() ?? 1
            return s.map { $0 > 0 ? $0 : floor }
        }
        guard let f = try? EmchRadin.fitStretchedExponential(taus: taus, values: y, sigmas: sigmas, lower: window.lower, upper: window.upper) else {
            return (.failed, [])
        }
        var out = Fit(beta: f.beta, gamma: f.gamma, A: f.A, chi2: f.chi2PerDof, betaFitErr: f.errBeta, betaErr: f.errBeta, gammaErr: f.errGamma,
                      first: f.first, last: f.last)
        var betas: [Double] = [], gammas: [Double] = []
        for acc in jackknife {
            if let g = try? EmchRadin.fitStretchedExponential(taus: taus, values: pick(acc.curves), sigmas: sigmas, lower: window.lower, upper: window.upper) {
                betas.append(g.beta); gammas.append(g.gamma)
            } else { betas.append(.nan); gammas.append(.nan) }
        }
        if let e = ReduceStatistics.jackknifeError(betas) { out.betaErr = e }
        if let e = ReduceStatistics.jackknifeError(gammas) { out.gammaErr = e }
        return (out, gammas.count == jackknife.count && gammas.allSatisfy(\.isFinite) ? gammas : [])
    }
}

/// One completed task, one alpha: the per-sample curves. The disorder is the
/// stored positions stream (alpha is left out of it: one set of positions
/// serves every alpha of a task).
struct EmchRadinRecord: RealizationRecord {
    struct Point: TaskPoint { var d: Int, N: Int, x: Double, alpha: Double }
    var task: TaskIdentity<Point>
    var nInterior: Int
    var taus: [Double]
    var gammaTheory: Double, jNN: Double
    var mAll: [Double], pAll: [Double], mInt: [Double], pInt: [Double]
}
