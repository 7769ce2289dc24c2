import Foundation
import QGMPI
import QGHDF5
import QGNumerics
import QGPhysics
import QGCampaign

/// S6c's entry in the registry: per (L, h_x, initial state) the disorder
/// average of S(t) with standard errors, its saturation value (mean over the
/// last decade of the grid) and S_sat / S_Page, and two growth-law fits in the
/// window where 0.1 S_sat <= S(t) <= 0.7 S_sat: S = a + b ln t (weighted
/// line in ln t) and S = c t^beta (weighted line in (ln t, ln S)), each with
/// errors, chi^2 and dof, and a window-systematic error over
/// `EntanglementGrowthFits.windows` (docs/hdf5-schema.md, "Reduced growth
/// files"). A fit left empty (NaN) is warned about with its reason
/// (`EntanglementGrowthFits.whyEmpty`). Figure: python/qglass_plot_entgrowth.py.
extension EntanglementGrowthStudy: PipelineStudy {
    static var plotEntry: String { "qglass_plot_entgrowth:plot" }

    /// One completed task: S(t) of one realization at one (L, h_x, state).
    /// The disorder is the stored couplings J and initial state z.
    struct Record: RealizationRecord {
        struct Point: TaskPoint { var L: Int, hx: Double, state: Int8 }
        var task: TaskIdentity<Point>
        /// The block's Page entropy (attribute `page`).
        var page: Double
        var entropy: [Double]
    }

    /// Local: the completed rows; S(t) must be finite and within 0 ... (L/2) ln 2.
    static func read(_ b: TaskBlock, corrupt: inout [CorruptTask]) throws -> [Record] {
        let L = Int(try b.attr("L")), page = try b.attr("page")
        let tasks = try TaskRows(b)
        let hx = try b.column("hx", Double.self), st = try b.column("state", Int8.self)
        let J = try b.rows("J", Double.self), z = try b.rows("z", Int8.self), S = try b.rows("entropy", Double.self)
        guard L >= 2 else { throw ReduceError(message: "\(b.block): L = \(L)") }
        let maxS = Double(L / 2) * Foundation.log(2.0) + 1e-9
        return try tasks.records(corrupt: &corrupt) { t in
            let e = Array(S[t])
            guard e.allSatisfy({ $0.isFinite && $0 >= -1e-12 && $0 <= maxS }) else {
                throw CorruptRow(detail: "hx \(hx[t])", why: "marked done but its entropies are not finite or outside 0...(L/2) ln 2")
            }
            let disorder = Array(J[t]) + z[t].map(Double.init)
            return Record(task: tasks.task(t, Record.Point(L: L, hx: hx[t], state: st[t]), disorder: .of(disorder[...])), page: page, entropy: e)
        }
    }

    /// Rank 0: the inputs must share the time grid and alpha.
    static func checkMerged(_ records: [Record], context: ReductionContext) throws {
        // The log grid is fixed by its size and ends (EntanglementGrowthStudy.times).
        try context.requireSame(EntanglementGrowthStudy.self, ["time grid": { "\($0.times.count) times in [\($0.times.first ?? 0), \($0.times.last ?? 0)]" },
                                                              "alpha": { "\($0.alpha)" }])
    }

    static func analyse(_ records: [Record], context: ReductionContext, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        let times = (context.plans.first?.study as? EntanglementGrowthStudy)?.times ?? []
        // Realizations in the order of their text "seed|realization".
        let grouped = groupedByPoint(records, { $0.key.point }, pointOrder: { ($0.state, $0.hx, $0.L) < ($1.state, $1.hx, $1.L) },
                                     recordOrder: { "\($0.seed)|\($0.realization)" < "\($1.seed)|\($1.realization)" })
        guard !grouped.isEmpty, !times.isEmpty else { throw ReduceError(message: "no completed task in the inputs") }
        let keys = grouped.map(\.point)
        let nt = times.count
        let lateStart = times.firstIndex { $0 >= times[nt - 1] / 10 } ?? (nt - 1)
        var mean: [Double] = [], err: [Double] = [], sat: [Double] = [], satErr: [Double] = [], nReal: [Int64] = [], pages: [Double] = []
        var logB: [Double] = [], logBErr: [Double] = [], logChi: [Double] = [], powB: [Double] = [], powBErr: [Double] = [], powChi: [Double] = [], dof: [Double] = []
        let windows = EntanglementGrowthFits.windows
        var logW: [WindowedEstimate] = [], powW: [WindowedEstimate] = []
        var failures = WindowFailures(windows)
        func fmtT(_ t: Double) -> String { String(format: "%.3g", t) }
        for (k, group) in grouped {
            let rs = group.map(\.entropy)
            let perTime = (0..<nt).map { i in ReduceStatistics.meanAndError(rs.map { $0[i] }) }
            let m = perTime.map(\.mean), e = perTime.map(\.error)
            mean += m; err += e
            let s = ReduceStatistics.meanAndError(rs.map { ReduceStatistics.mean(Array($0[lateStart...])) })
            sat.append(s.mean); satErr.append(s.error)
            nReal.append(Int64(rs.count)); pages.append(group[0].page)
            let fits = windows.windows.map { EntanglementGrowthFits.fit(times: times, mean: m, err: e, saturation: s.mean, window: $0) }
            let f0 = fits[0]
            logB.append(f0.logSlope); logBErr.append(f0.logSlopeErr); logChi.append(f0.logChi2)
            powB.append(f0.powerExponent); powBErr.append(f0.powerExponentErr); powChi.append(f0.powerChi2); dof.append(Double(f0.points.count - 2))
            logW.append(windows.combine(fits.map(\.logSlope), stat: f0.logSlopeErr))
            powW.append(windows.combine(fits.map(\.powerExponent), stat: f0.powerExponentErr))
            let what = "L \(k.L) hx \(k.hx) \(k.state == InitialState.random.code ? "random" : "sfs")"
            if !f0.logSlope.isFinite {
                warnings.append("\(what): the growth fits are empty (NaN): "
                                + EntanglementGrowthFits.whyEmpty(times: times, mean: m, saturation: s.mean, window: windows.central, points: f0.points.count))
            } else {
                if let gap = EntanglementGrowthFits.reentry(f0.points) {
                    warnings.append("\(what): <S>(t) is not monotone through the window: it leaves it after t = \(fmtT(times[gap.0])) and is back at "
                                    + "t = \(fmtT(times[gap.1])); the fit includes the later points")
                }
                failures.add(logW[logW.count - 1])
            }
        }
        let P = keys.count
        let g = "/entgrowth"
        try out.group(g)
        try out.attr("fit_window", String(format: "%g S_sat <= <S>(t) <= %g S_sat; S_sat = mean over the last decade of the grid",
                                          windows.central.lower, windows.central.upper), on: g)
        try windows.write(out, at: g + "/fit_windows", failures: failures)
        try out.table(g, ["times": .float(times), "L": .ints(keys.map(\.L)), "hx": .float(keys.map(\.hx)), "state": .ints(keys.map(\.state)),
                          "n_realizations": .int(nReal), "page": .float(pages), "S_mean": .float(mean, shape: [P, nt]),
                          "S_err": .float(err, shape: [P, nt]), "S_sat": .float(sat), "S_sat_err": .float(satErr),
                          "log_slope": .float(logB), "log_slope_err": .float(logBErr), "log_chi2": .float(logChi), "power_exponent": .float(powB),
                          "power_exponent_err": .float(powBErr), "power_chi2": .float(powChi), "fit_dof": .float(dof)])
        let nW = windows.windows.count
        try out.windowed(g + "/log_slope", logW, windows: nW)
        try out.windowed(g + "/power_exponent", powW, windows: nW)

        var lines = ["entgrowth: half-chain S(t) after a quench; growth fits in \(fmt(windows.central.lower, 1))..\(fmt(windows.central.upper, 1)) S_sat, "
                     + "value ± stat ± sys (stat: the fit's error; sys: window systematic)",
                     "  " + windows.reportLine,
                     "    L      hx  state  real.   S_sat            S_sat/Page   S = a + b ln t: b (chi2/dof)            S ~ t^beta: beta (chi2/dof)"]
        for (i, k) in keys.enumerated() {
            lines.append(String(format: "%5d %7.3f %6d %6d   %@ ± %@   %.4f      %@ (%.1f/%d)      %@ (%.1f/%d)", k.L, k.hx, Int(k.state), Int(nReal[i]),
                                fmt(sat[i]), fmtErr(satErr[i], samples: Int(nReal[i])), sat[i] / pages[i],
                                fmtWindowed(logW[i], samples: minimumSamplesForError), logChi[i], Int(dof[i]),
                                fmtWindowed(powW[i], samples: minimumSamplesForError), powChi[i], Int(dof[i])))
        }
        if let note = failures.note { lines.append(note + " (fewer than \(EntanglementGrowthFits.minimumPoints) points)") }
        if let note = fewSamplesNote(nReal.map { Int($0) }) { lines.append(note) }
        return lines
    }
}

/// The reason an S6c growth-law fit (QGPhysics) is empty, for the reducer's warnings.
extension EntanglementGrowthFits {
    /// Why the fit in `window` has fewer than `minimumPoints` points, in words.
    static func whyEmpty(times: [Double], mean m: [Double], saturation s: Double, window: FitWindow, points: Int) -> String {
        func t(_ x: Double) -> String { String(format: "%.3g", x) }
        guard s.isFinite, s > 0 else {
            return "S_sat = \(fmt(s)) is not positive: <S>(t) does not grow on this grid (raise t_max)"
        }
        guard points < minimumPoints else {
            return "the \(points) points in the window \(window.lower)..\(window.upper) S_sat give a degenerate weighted line"
        }
        let lo = window.lower * s, hi = window.upper * s
        guard let i0 = m.indices.first(where: { m[$0] >= lo }) else {
            return "<S>(t) never reaches \(window.lower) S_sat on this grid"
        }
        let i1 = m.indices.first { $0 >= i0 && m[$0] > hi } ?? (m.count - 1)
        // Where the rise crosses the window's edges, interpolated linearly in ln t.
        func crossing(_ level: Double, at i: Int) -> Double {
            guard i > 0, times[i - 1] > 0, m[i] != m[i - 1] else { return times[i] }
            let f = (level - m[i - 1]) / (m[i] - m[i - 1])
            return exp(Foundation.log(times[i - 1]) + f * (Foundation.log(times[i]) - Foundation.log(times[i - 1])))
        }
        let ta = crossing(lo, at: i0), tb = m[i1] > hi ? crossing(hi, at: i1) : times[i1]
        let decades = log10(tb / ta)
        let perDecade = times.count > 1 && times[0] > 0 ? Double(times.count - 1) / log10(times[times.count - 1] / times[0]) : .nan
        let need = decades > 0 ? Int((Double(minimumPoints) / decades).rounded(.up)) : 0
        return "only \(points) grid point(s) lie in the window \(window.lower)..\(window.upper) S_sat (\(minimumPoints) needed): "
            + "<S>(t) rises through it within \(String(format: "%.2f", decades)) decade(s) of t (t = \(t(ta))..\(t(tb))), "
            + "faster than the grid's \(fmt(perDecade, 1)) points per decade resolve"
            + (need > 0 ? "; use per_decade >= \(need)" : "")
    }
}
