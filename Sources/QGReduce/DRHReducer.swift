import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// Reduction of the De Roeck-Huveneers ED study (`drh`, seed 002 Fig. 2):
/// per (N, a) the mean of the last l-bit's eigenstate entropy [S_end] over the
/// eps window and over all eigenstates (mean of per-realization means,
/// bootstrap errors over realizations), the histogram p(S_end) of the window
/// states pooled over realizations, and the mean-field curves [S_end](a; N)
/// of AvalancheMeanField with g_10 fitted at a = a_c = 1/sqrt(2)
/// (docs/avalanche-ed-2d.md). Figures: python/qglass_plot_avalanche2d.py.
extension DRHStudy: PipelineStudy {
    static var plotEntry: String { "qglass_plot_avalanche2d:plot_drh" }

    static let bins = 40
    static let aCritical = 1 / 2.0.squareRoot()

    /// One completed task: its window and all-states sums of S_end and the
    /// window histogram (eps window of the reduce options). The disorder is
    /// the FNV-1a of the stored grain Hamiltonian and fields.
    struct Record: RealizationRecord {
        struct Point: TaskPoint { var N: Int, a: Double }
        var task: TaskIdentity<Point>
        var nWindow: Double; var sumWindow: Double; var nAll: Double; var sumAll: Double
        var histogram: [Double]
    }

    /// Local: the completed tasks among the block's rows.
    static func read(_ b: TaskBlock, corrupt: inout [CorruptTask]) throws -> [Record] {
        let lo = b.options.epsWindow.lo, hi = b.options.epsWindow.hi
        let N = Int(try b.attr("N"))
        let tasks = try TaskRows(b)
        let a = try b.column("a", Double.self)
        let grain = try b.rows("grain", Double.self), h = try b.rows("h", Double.self)
        let epsAll = try b.rows("eps", Double.self), sAll = try b.rows("s_end", Double.self)
        let D = epsAll.length
        return try tasks.records(corrupt: &corrupt) { row in
            let eps = epsAll[row], s = sAll[row]
            guard s.allSatisfy({ $0.isFinite && $0 >= -1e-12 && $0 <= M_LN2 + 1e-9 }) else {
                throw CorruptRow(detail: "a \(a[row])", why: "marked done but its s_end is not finite or outside [0, ln 2]")
            }
            var r = Record(task: tasks.task(row, Record.Point(N: N, a: a[row]), disorder: .of(grain[row] + h[row])),
                           nWindow: 0, sumWindow: 0, nAll: Double(D), sumAll: s.reduce(0, +), histogram: [Double](repeating: 0, count: bins))
            for (e, x) in zip(eps, s) where e >= lo && e < hi {
                r.nWindow += 1; r.sumWindow += x
                r.histogram[min(bins - 1, max(0, Int(x / M_LN2 * Double(bins))))] += 1
            }
            return r
        }
    }

    /// Every input has the same J1 and coupling.
    static func checkMerged(_ records: [Record], context: ReductionContext) throws {
        try context.requireSame(DRHStudy.self, ["J1": { "\($0.J1)" }, "coupling": { $0.coupling.rawValue }])
    }

    /// Rank 0: the analysis of the merged records, written through `out`.
    static func analyse(_ records: [Record], context: ReductionContext, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        guard let study = context.plans.first?.study as? DRHStudy else { throw ReduceError(message: "not a drh campaign") }
        let J1 = study.J1, options = context.options
        let lo = options.epsWindow.lo, hi = options.epsWindow.hi
        let edges = (0...bins).map { M_LN2 * Double($0) / Double(bins) }
        let grouped = groupedByPoint(records, { $0.key.point }, pointOrder: { ($0.N, $0.a) < ($1.N, $1.a) })
        let points = grouped.map(\.point)
        var nReal: [Int64] = [], wMean: [Double] = [], wErr: [Double] = [], aMean: [Double] = [], aErr: [Double] = [], hist: [Double] = []
        for (p, rs) in grouped {
            let idx = ReduceStatistics.bootstrapIndices(n: rs.count, samples: options.bootstrapSamples, key: "drh|N=\(p.N)|a=\(p.a)")
            let w = ReduceStatistics.disorderAverageWithError(num: rs.map(\.sumWindow), den: rs.map(\.nWindow), resamples: idx, mode: options.average)
            let al = ReduceStatistics.disorderAverageWithError(num: rs.map(\.sumAll), den: rs.map(\.nAll), resamples: idx, mode: options.average)
            nReal.append(Int64(rs.count)); wMean.append(w.value); wErr.append(w.error); aMean.append(al.value); aErr.append(al.error)
            hist += ReduceStatistics.histogramDensity(ReduceStatistics.columnSums(rs.map(\.histogram), count: bins), edges: edges)
        }

        // Mean field: fit g_10 at a = a_c (ED window means interpolated linearly in a per N).
        let table = try EtaTable.shared(.default)
        let sizes = Array(Set(points.map(\.N))).sorted()
        var fitN: [Int] = [], fitS: [Double] = [], fitE: [Double] = []
        for n in sizes {
            let sel = points.indices.filter { points[$0].N == n }
            guard let j = sel.firstIndex(where: { points[$0].a >= aCritical - 1e-9 }) else { continue }
            let i1 = sel[j]
            if abs(points[i1].a - aCritical) < 1e-9 { fitN.append(n); fitS.append(wMean[i1]); fitE.append(wErr[i1]); continue }
            guard j > 0 else { continue }
            let i0 = sel[j - 1], t = (aCritical - points[i0].a) / (points[i1].a - points[i0].a)
            fitN.append(n); fitS.append((1 - t) * wMean[i0] + t * wMean[i1]); fitE.append(max(wErr[i0], wErr[i1]))
        }
        var g10 = 0.5, chi = Double.nan
        if fitN.isEmpty {
            warnings.append("a = a_c = 1/sqrt(2) is not inside the a grid of any N: mean-field curves drawn at g_10 = 0.5 (not fitted)")
        } else {
            (g10, chi) = try AvalancheMeanField.fitEndEntropy(N: fitN, a: aCritical, entropy: fitS, error: fitE, table: table)
        }
        let aMin = points.map(\.a).min()!, aMax = points.map(\.a).max()!
        let aGrid = (0...120).map { aMin + (aMax - aMin) * Double($0) / 120 }
        let curves = try sizes.flatMap { n in try aGrid.map { try AvalancheMeanField.endEntropy(N: n, a: $0, g10: g10, table: table) } }
        let mfAtCritical = try fitN.map { try AvalancheMeanField.endEntropy(N: $0, a: aCritical, g10: g10, table: table) }

        try out.epsAveraging(window: lo, hi, average: options.average)
        try out.group("/drh")
        try out.attr("J1", J1, on: "/drh")
        try out.attr("coupling", study.coupling.rawValue, on: "/drh")
        try out.table("/drh/points", ["N": .ints(points.map(\.N)), "a": .float(points.map(\.a)), "n_realizations": .int(nReal),
                                      "s_end_window_mean": .float(wMean), "s_end_window_err": .float(wErr), "s_end_all_mean": .float(aMean),
                                      "s_end_all_err": .float(aErr), "histogram": .float(hist, shape: [points.count, bins])])
        try out.table("/drh", ["histogram_edges": .float(edges)])
        try out.table("/drh/mean_field", ["N": .ints(sizes), "a": .float(aGrid), "s_end": .float(curves, shape: [sizes.count, aGrid.count]),
                                          "fit_N": .ints(fitN), "fit_s_end_ed": .float(fitS), "fit_s_end_err": .float(fitE),
                                          "fit_s_end_mf": .float(mfAtCritical)])
        try out.attrs("/drh/mean_field", ["g10": g10, "a_c": aCritical, "chi2": chi])
        try out.attr("convention", ReducedCouplingConvention.default.rawValue, on: "/drh/mean_field")
        var report = ["drh (coupling = \(study.coupling.rawValue)): [S_end] of the last l-bit, eps window [\(lo), \(hi)) and all states (bootstrap errors over realizations)",
                      "    N        a  real.   [S_end] window        [S_end] all"]
        for (i, p) in points.enumerated() {
            report.append(String(format: "%5d %8.4f %6d   %@ ± %@   %@ ± %@", p.N, p.a, Int(nReal[i]), fmt(wMean[i]), fmtErr(wErr[i], samples: Int(nReal[i])), fmt(aMean[i]), fmtErr(aErr[i], samples: Int(nReal[i]))))
        }
        if let note = fewSamplesNote(nReal.map { Int($0) }) { report.append(note) }
        report.append(fitN.isEmpty
            ? String(format: "mean field: g_10 = %.6g, not fitted (a_c = 1/sqrt(2) is not inside the a grid)", g10)
            : String(format: "mean field: g_10 = %.6g fitted at a_c = 1/sqrt(2) (chi2 %.4g)", g10, chi))
        for (k, n) in fitN.enumerated() {
            report.append(String(format: "  N = %2d: [S_end](a_c) ED %@ ± %@, mean field %@", n, fmt(fitS[k]), fmt(fitE[k]), fmt(mfAtCritical[k])))
        }
        return report
    }
}
