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
        let inRange = { (m: [Double], p: [Double]) in m.allSatisfy { $0.isFinite && abs($0) <= 0.5 + 1e-12 } && p.allSatisfy { $0.isFinite && $0 >= 0.5 - 1e-12 && $0 <= 1 + 1e-12 } }
        var out: [EmchRadinRecord] = []
        for r in tasks.completed {
            for k in 0..<nA {
                let s = (r * nA + k) * T
                let range = s..<(s + T)
                let rec = EmchRadinRecord(task: tasks.task(r, EmchRadinRecord.Point(d: d, N: N, x: x[r], alpha: alpha[r * nA + k])), nInterior: Int(nInt[r]),
                                          taus: Array(tau[range]), gammaTheory: gth[r * nA + k], jNN: jnn[r * nA + k],
                                          mAll: Array(mA[range]), pAll: Array(pA[range]), mInt: Array(mI[range]), pInt: Array(pI[range]))
                guard inRange(rec.mAll, rec.pAll), rec.nInterior == 0 || inRange(rec.mInt, rec.pInt),
                      rec.taus.allSatisfy({ $0 > 0 && $0.isFinite }), rec.nInterior >= 0, rec.nInterior <= N else {
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
        var fits: [[EmchRadinPooledFit]] = []
        // Per point and series (fits' order): beta over the window set.
        var windowed: [[WindowedEstimate]] = []
        var failures = WindowFailures(windows)
        // Per point, all and interior spins: gamma_p / gamma_m with its jackknife error.
        var ratio: [[(value: Double, error: Double)]] = []
        var nSamples: [Int64] = [], nIntMean: [Double] = [], gTheory: [Double] = [], jnn: [Double] = [], taus: [Double] = []
        for (p, rs) in grouped {
            nSamples.append(Int64(rs.count))
            nIntMean.append(Double(rs.map(\.nInterior).reduce(0, +)) / Double(rs.count))
            gTheory.append(rs[0].gammaTheory)
            jnn.append(ReduceStatistics.mean(rs.map(\.jNN)))
            taus += rs[0].taus
            var pf: [EmchRadinPooledFit] = [], pw: [WindowedEstimate] = [], pr: [(value: Double, error: Double)] = []
            for (k, avg) in ["all", "interior"].enumerated() {
                // Pooled over the samples (the interior curves of a sample without interior spins add nothing).
                let samples = rs.map { k == 0 ? EmchRadinCurves(count: $0.N, taus: $0.taus, magnetization: $0.mAll, purity: $0.pAll)
                                              : EmchRadinCurves(count: $0.nInterior, taus: $0.taus, magnetization: $0.mInt, purity: $0.pInt) }
                let (a, blocks) = EmchRadinAccumulator.pooled(samples, taus: rs[0].taus, blocks: jackknifeBlocks)
                let c = a.curves, se = a.standardErrors
                let nan = [Double](repeating: .nan, count: T)
                let valid = a.samples > 0
                curves["magnetization_\(avg)_mean", default: []] += valid ? c.magnetization : nan
                curves["purity_\(avg)_mean", default: []] += valid ? c.purity : nan
                curves["magnetization_\(avg)_err", default: []] += se?.magnetization ?? nan
                curves["purity_\(avg)_err", default: []] += se?.purity ?? nan
                let fm = a.fit(.magnetization, window: windows.central, jackknife: blocks)
                let fp = a.fit(.purity, window: windows.central, jackknife: blocks)
                pf += [fm, fp]
                // beta in every window: the default's fit with its jackknife error, the others' value only.
                for (central, o) in [(fm, EmchRadinCurves.Observable.magnetization), (fp, .purity)] {
                    let e = windows.estimate { i, w in
                        i == 0 ? (central.beta, central.betaErr) : (a.fit(o, window: w, jackknife: []).beta, .nan)
                    }
                    failures.add(e)
                    pw.append(e)
                }
                // gamma_p / gamma_m with its jackknife error.
                let q = fp.gamma / fm.gamma
                let qs = zip(fm.replicaGammas, fp.replicaGammas).map { $1 / $0 }
                pr.append((q, ReduceStatistics.jackknifeError(qs) ?? q * hypot(fm.gammaErr / fm.gamma, fp.gammaErr / fp.gamma)))
                if k == 1 && !valid {
                    warnings.append("d \(p.d) alpha \(p.alpha) N \(p.N) x \(p.x): no spin of any sample is interior at interior_depth = "
                                    + "\(depth) (r_0 - |r_i| >= depth r_0 N^(-1/d)); the interior averages and fits are NaN; lower interior_depth")
                }
                for (what, ft) in [("magnetization", fm), ("purity", fp)] where valid && ft.beta.isNaN {
                    warnings.append("d \(p.d) alpha \(p.alpha) N \(p.N) x \(p.x): the \(what) fit (\(avg) spins) failed; NaN")
                }
            }
            // Order in pf: m_all, p_all, m_int, p_int.
            fits.append([pf[0], pf[2], pf[1], pf[3]])
            windowed.append([pw[0], pw[2], pw[1], pw[3]])
            ratio.append(pr)
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
        // The same mean over packings in every window (over the packings whose default
        // fit succeeded; NaN in a window where one of them failed) and its spread.
        var combinedW: [String: [WindowedEstimate]] = [:]
        for (j, name) in seriesNames.enumerated() {
            combined[name] = sizeIdx.map { ReduceStatistics.meanOfEstimates($0.map { (fits[$0][j].beta, fits[$0][j].betaErr) }) }
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
        let rAll = sizeIdx.map { ReduceStatistics.meanOfEstimates($0.map { ratio[$0][0] }) }
        let rInt = sizeIdx.map { ReduceStatistics.meanOfEstimates($0.map { ratio[$0][1] }) }
        let gmTheory = sizes.map { (try? EmchRadinTheory.gammaM(d: $0.d, alpha: $0.alpha, density: EmchRadinStudy.density(d: $0.d, N: $0.N))) ?? .nan }

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
                                          "chi2_dof_" + t: .float(fits.map { $0[j].chi2PerDof })])
            try out.windowed(g + "/points/" + b, windowed.map { $0[j] }, windows: windows.windows.count)
        }
        try out.table(g + "/points", ["gamma_ratio_all": .float(ratio.map { $0[0].value }), "gamma_ratio_all_err": .float(ratio.map { $0[0].error }),
                                      "gamma_ratio_interior": .float(ratio.map { $0[1].value }), "gamma_ratio_interior_err": .float(ratio.map { $0[1].error })])
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
                           "gamma_m_theory": .float(gmTheory),
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
            report.append(String(format: "%3d %6.2f %7d %8d   %6.4f   %@   %@   %@   %@ ± %@ [%@]   %@",
                                 s.d, s.alpha, s.N, ns, Double(s.d) / s.alpha,
                                 fmtWindowed(c("beta_all"), samples: ns), fmtWindowed(c("beta_interior"), samples: ns), fmtWindowed(c("beta_purity_all"), samples: ns),
                                 fmt(rAll[i].value, 3), fmtErr(rAll[i].error, samples: ns, 3), fmt(EmchRadinTheory.rateRatio(d: s.d, alpha: s.alpha), 3),
                                 fmt(gmAll[i].value / gmTheory[i], 3)))
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
