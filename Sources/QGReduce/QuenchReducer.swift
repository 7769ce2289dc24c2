import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// S5's entry in the registry, on the reduction pipeline: its records, reader,
/// the check that the inputs share h_x, alpha and the time grid, and its
/// analysis. Figures: python/qglass_plot_quench.py.
extension QuenchStudy: PipelineStudy {
    static var plotEntry: String { "qglass_plot_quench:plot" }

    /// One completed realization of one (L, L_s) block. Its disorder is the
    /// stored stream of the chain couplings (`disorder_stream`).
    struct Record: RealizationRecord {
        struct Point: TaskPoint { var L: Int, Ls: Int }
        var task: TaskIdentity<Point>
        var hx: Double, alpha: Double
        var remnant: [Double], phi: [Double], trace: [Double], times: [Double]
        /// 1 / smallest level spacing of the cluster (the longest time scale).
        var inverseMinGap: Double
    }

    /// Local: the completed rows of one block; a row marked done whose remnant
    /// is not in [-1, 1] is corrupt.
    static func read(_ b: TaskBlock, corrupt: inout [CorruptTask]) throws -> [Record] {
        guard let study = b.plan.study as? QuenchStudy else { throw ReduceError(message: "not a quench campaign") }
        guard let L = Int(exactly: try b.attr("L")), let n = Int(exactly: try b.attr("Ls")) else { throw ReduceError(message: "no L or Ls attribute") }
        let tasks = try TaskRows(b)
        let rem = try b.rows("remnant", Double.self), phi = try b.rows("phi", Double.self)
        let tr = try b.rows("trace", Double.self), tm = try b.rows("times", Double.self)
        let gap = try b.column("inverse_min_gap", Double.self)
        return try tasks.records(corrupt: &corrupt) { t in
            let r = Array(rem[t])
            guard r.allSatisfy({ $0.isFinite && abs($0) <= 1 + 1e-9 }) else {
                throw CorruptRow(detail: "", why: "marked done but its remnant is not in [-1, 1]")
            }
            return Record(task: tasks.task(t, Record.Point(L: L, Ls: n)), hx: study.hx, alpha: study.alpha,
                          remnant: r, phi: Array(phi[t]), trace: Array(tr[t]), times: Array(tm[t]), inverseMinGap: gap[t])
        }
    }

    /// Every input must share h_x, alpha and the time grid.
    static func checkMerged(_ records: [Record], context: ReductionContext) throws {
        try context.requireShared(records, by: { _ in 0 }, { [$0.hx, $0.alpha] + $0.times }) { f, r in
            "mismatched configs: \(context.input(of: f)) and \(context.input(of: r)) differ in hx, alpha or the time grid"
        }
    }

    /// Spins reported per point (n = 1..nMax).
    static let nMax = 6
    /// Points with fewer realizations have unreliable bootstrap errors and stay out of the L_s extrapolation.
    static let minRealizationsForFit: Int64 = 5
    /// Log bins of the initial |phi| for the remnant-vs-field curve.
    static let phiEdges: [Double] = (0...32).map { pow(10, -6 + Double($0) / 4) }

    /// Rank 0: S5's analysis, the averages, fits and the reduced file of the
    /// merged records: per (L, L_s) the disorder-averaged remnant polarization
    /// P(n, L) of the n-th most resonant spin (n = 1..6) with bootstrap errors
    /// over realizations, its extrapolation in L_s (P = P_inf + a / L_s, weighted
    /// least squares), the remnant binned in the initial |phi|, and the mean time
    /// traces (docs/hdf5-schema.md, "Reduced quench files").
    static func analyse(_ merged: [Record], context: ReductionContext, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        let first = merged[0]
        let times = first.times, nt = times.count
        let tLast = times.last ?? 0

        let grouped = groupedByPoint(merged, { $0.key.point }, pointOrder: { ($0.L, $0.Ls) < ($1.L, $1.Ls) })
        let points = grouped.map(\.point)
        let nb = phiEdges.count - 1
        var nReal: [Int64] = [], pMean: [Double] = [], pErr: [Double] = []
        var trMean: [Double] = [], trErr: [Double] = []
        var binMean: [Double] = [], binErr: [Double] = [], binCount: [Double] = []
        // Rows whose longest time scale 1/Delta_min lies past the grid's last
        // time: their trace has not necessarily reached the plateau (issue 12).
        var beyond: [Int64] = []
        for (p, rs) in grouped {
            nReal.append(Int64(rs.count))
            let late = rs.filter { $0.inverseMinGap > tLast }.count
            beyond.append(Int64(late))
            if late > 0 {
                let w = "/quench/L\(p.L)/Ls\(p.Ls): \(late) of \(rs.count) realization(s) have inverse_min_gap > t_max = \(tLast) "
                    + "(the time grid ends before the longest inverse level spacing; raise t_max)"
                warnLoudly(w)
                warnings.append(w)
            }
            let idx = ReduceStatistics.bootstrapIndices(n: rs.count, samples: context.options.bootstrapSamples, key: "quench|L=\(p.L)|Ls=\(p.Ls)")
            let ones = [Double](repeating: 1, count: rs.count)
            for n in 0..<nMax {
                guard n < p.Ls else { pMean.append(.nan); pErr.append(.nan); trMean += [Double](repeating: .nan, count: nt); trErr += [Double](repeating: .nan, count: nt); continue }
                let s = ReduceStatistics.disorderAverageWithError(num: rs.map { $0.remnant[n] }, den: ones, resamples: idx, mode: .perRealization)
                pMean.append(s.value); pErr.append(rs.count > 1 ? s.error : .nan)
                for k in 0..<nt {
                    let t = ReduceStatistics.meanAndError(rs.map { $0.trace[n * nt + k] })
                    trMean.append(t.mean); trErr.append(t.error)
                }
            }
            // Remnant vs initial |phi|, all cluster spins pooled.
            var inBin = [[Double]](repeating: [], count: nb)
            for r in rs {
                for (I, f) in r.phi.enumerated() {
                    let a = abs(f)
                    guard a >= phiEdges[0] && a < phiEdges[nb] else { continue }
                    inBin[min(nb - 1, Int(floor(log10(a / phiEdges[0]) * 4)))].append(r.remnant[I])
                }
            }
            for v in inBin {
                let s = ReduceStatistics.meanAndError(v)
                binMean.append(s.mean); binErr.append(s.error); binCount.append(Double(v.count))
            }
        }
        // Extrapolation in L_s per (L, n): P = P_inf + a / L_s over the L_s >= n present.
        let sizes = Array(Set(points.map(\.L))).sorted()
        var exFits: [ReduceStatistics.LineFit] = []
        for L in sizes {
            for n in 0..<nMax {
                var x: [Double] = [], y: [Double] = [], s: [Double] = []
                for (i, p) in points.enumerated() where p.L == L && n < p.Ls && pMean[i * nMax + n].isFinite && nReal[i] >= minRealizationsForFit {
                    x.append(1 / Double(p.Ls)); y.append(pMean[i * nMax + n]); s.append(pErr[i * nMax + n])
                }
                // Weighted by the bootstrap errors when all are finite and positive; NaN below two points.
                exFits.append(ReduceStatistics.lineFit(x: x, y: y, sigma: s))
            }
        }

        let g = "/quench"
        try out.group(g)
        try out.attrs(g, ["hx": first.hx, "alpha": first.alpha])
        try out.table(g + "/points", ["L": .ints(points.map(\.L)), "Ls": .ints(points.map(\.Ls)), "n_realizations": .int(nReal)])
        try out.file.setAttribute("n_inverse_gap_beyond_grid", beyond, on: g + "/points")
        try out.file.setAttribute("t_last", tLast, on: g + "/points")
        try out.table(g, ["P_mean": .float(pMean, shape: [points.count, nMax]), "P_err": .float(pErr, shape: [points.count, nMax])])
        let ex = [sizes.count, nMax]
        try out.table(g + "/extrapolation", ["L": .ints(sizes), "P_inf": .float(exFits.map(\.intercept), shape: ex),
                                             "P_inf_err": .float(exFits.map(\.interceptError), shape: ex), "slope": .float(exFits.map(\.slope), shape: ex),
                                             "slope_err": .float(exFits.map(\.slopeError), shape: ex), "chi2": .float(exFits.map(\.chi2), shape: ex),
                                             "dof": .float(exFits.map { Double($0.dof) }, shape: ex)])
        try out.attr("form", "P(n, L; Ls) = P_inf(n, L) + a(n, L) / Ls, least squares weighted by the bootstrap errors over the Ls >= n present with >= 5 realizations", on: g + "/extrapolation")
        try out.table(g + "/phi", ["edges": .float(phiEdges), "remnant_mean": .float(binMean, shape: [points.count, nb]),
                                   "remnant_err": .float(binErr, shape: [points.count, nb]), "count": .float(binCount, shape: [points.count, nb])])
        try out.table(g + "/trace", ["times": .float(times), "mean": .float(trMean, shape: [points.count, nMax, nt]),
                                     "err": .float(trErr, shape: [points.count, nMax, nt])])
        var report = ["quench (h_x = \(first.hx), alpha = \(first.alpha)): remnant polarization P(n) of the n-th most resonant spin, bootstrap errors over realizations",
                      "     L    Ls  real.  " + (1...nMax).map { "P(\($0))".padding(toLength: 17, withPad: " ", startingAt: 0) }.joined()]
        for (i, p) in points.enumerated() {
            let cols = (0..<nMax).map { n -> String in
                let v = pMean[i * nMax + n], e = pErr[i * nMax + n]
                return (v.isFinite ? String(format: "%.4f±%@", v, fmtErr(e, samples: Int(nReal[i]))) : "-").padding(toLength: 17, withPad: " ", startingAt: 0)
            }.joined()
            report.append(String(format: "%6d %5d %6d  ", p.L, p.Ls, Int(nReal[i])) + cols)
        }
        if let note = fewSamplesNote(nReal.map { Int($0) }) { report.append(note) }
        report.append("L_s extrapolation P = P_inf + a/L_s (chi2/dof):")
        for (j, L) in sizes.enumerated() {
            let cols = (0..<nMax).map { n -> String in
                let f = exFits[j * nMax + n]
                return (f.intercept.isFinite ? String(format: "%.3f±%.3f (%.1f/%d)", f.intercept, f.interceptError, f.chi2, f.dof) : "-")
                    .padding(toLength: 24, withPad: " ", startingAt: 0)
            }.joined()
            report.append(String(format: "%6d  ", L) + cols)
        }
        return report
    }
}
