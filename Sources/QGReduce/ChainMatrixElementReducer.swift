import Foundation
import QGHDF5
import QGCampaign
import QGNumerics

/// One task's S10b matrix-element data (chain campaigns run with
/// `matrix_elements = true`), reduced to sums over its eigenstates: per-state
/// sums over the reducer's eps window, and the run's histograms.
struct ChainMERecord: Codable {
    /// Run settings every task of a size must share.
    var layout: String
    var window: Double
    var vEdges: [Double]
    var omegaEdges: [Double]
    /// Eigenstates in the eps window; Σ rho_vbar; Σ window_count; those with finite log chi; Σ log chi.
    var states = 0.0, sumRvb = 0.0, sumCount = 0.0, statesChi = 0.0, sumLogChi = 0.0
    /// Histogram of log chi over the eps window on `ChainMEReduction.logChiEdges` (+ below, above).
    var logChiCounts: [Double]
    /// rho(v) counts of the run ([v_bins + 2]) and its reference states (eps in the run's mid band).
    var vCounts: [Double]
    var referenceStates = 0.0
    /// s_weight ([omega_bins + 2]), the diagonal weight, <V^2>, infinite-time C_zz.
    var sWeight: [Double]
    var sDiagonal = 0.0, v2 = 0.0, czz = 0.0
}

enum ChainMEReduction {
    /// Fixed bins of log chi for the distribution (natural log).
    static let logChiEdges: [Double] = (0...240).map { -40 + 0.5 * Double($0) }

    /// Local: the S10b sums of the rows of `b`, whose `eps` the chain reader
    /// has read (nil when the block holds no S10b data).
    static func read(_ b: TaskBlock, dimension D: Int, eps: [Double], window w: (lo: Double, hi: Double)) throws -> [ChainMERecord]? {
        guard b.declares("log_chi") else { return nil }
        let n = b.count
        let window = try b.attr("window"), midLo = try b.attr("mid_lo"), midHi = try b.attr("mid_hi")
        let nv = Int(try b.attr("v_bins")), no = Int(try b.attr("omega_bins"))
        let vMin = try b.attr("v_min"), vMax = try b.attr("v_max"), oMin = try b.attr("omega_min"), oMax = try b.attr("omega_max")
        let layout = "window=\(window)|mid=\(midLo),\(midHi)|v=\(vMin),\(vMax),\(nv)|omega=\(oMin),\(oMax),\(no)|site=\(try b.attr("operator_site"))"
        let rvb = try b.column("rho_vbar", Double.self), cnt = try b.column("window_count", Double.self), lc = try b.column("log_chi", Double.self)
        let vc = try b.column("v_counts", Int64.self), sw = try b.column("s_weight", Double.self)
        let sd = try b.column("s_diagonal_weight", Double.self), v2 = try b.column("v2_mean", Double.self), cz = try b.column("czz_time_average", Double.self)
        let ve = Grid.logarithmic(vMin, vMax, nv + 1), oe = Grid.logarithmic(oMin, oMax, no + 1)
        let nb = logChiEdges.count - 1, lo = logChiEdges[0], step = logChiEdges[1] - logChiEdges[0]
        var out: [ChainMERecord] = []
        for i in 0..<n {
            var r = ChainMERecord(layout: layout, window: window, vEdges: ve, omegaEdges: oe, logChiCounts: [Double](repeating: 0, count: nb + 2),
                                  vCounts: vc[(i * (nv + 2))..<((i + 1) * (nv + 2))].map(Double.init),
                                  sWeight: Array(sw[(i * (no + 2))..<((i + 1) * (no + 2))]))
            r.sDiagonal = sd[i]; r.v2 = v2[i]; r.czz = cz[i]
            for k in 0..<D {
                let x = eps[i * D + k]
                if x >= midLo && x < midHi { r.referenceStates += 1 }
                guard x >= w.lo && x < w.hi else { continue }
                r.states += 1
                r.sumRvb += rvb[i * D + k]
                r.sumCount += cnt[i * D + k]
                let y = lc[i * D + k]
                if y.isFinite {
                    r.statesChi += 1; r.sumLogChi += y
                    let b = Int(((y - lo) / step).rounded(.down))
                    r.logChiCounts[b < 0 ? nb : (b >= nb ? nb + 1 : b)] += 1
                }
            }
            out.append(r)
        }
        return out
    }

    /// Rank 0, before the write: when every task carries S10b data, the bins
    /// and the window must be the same for every task (all sizes and inputs).
    static func check(_ records: [ChainRecord], study: String) throws {
        guard let first = records.first?.me, records.allSatisfy({ $0.me != nil }) else { return }
        if let r = records.first(where: { $0.me!.vEdges != first.vEdges || $0.me!.omegaEdges != first.omegaEdges || $0.me!.window != first.window }) {
            throw ReduceError(message: "\(study): S10b bins differ between sizes or inputs (L \(r.key.L)); reduce campaigns with the same matrix-element settings")
        }
    }

    /// Rank 0, the second analysis of the chain records: when every task
    /// carries S10b data, writes `/{study}/matrix_elements` (docs/hdf5-schema.md)
    /// and returns report lines; otherwise warns when some do. `groups` are the
    /// realizations per point, in the order of `points`; `rMean`, `rErr` the
    /// <r> per point of the first analysis (same realizations).
    static func analyse(_ records: [[ChainRecord]], study: String, points: [ChainPoint], rMean: [Double], rErr: [Double],
                        options: ReduceOptions, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        guard records.allSatisfy({ $0.allSatisfy { $0.me != nil } }) else {
            if records.contains(where: { $0.contains { $0.me != nil } }) {
                warnings.append("some tasks carry S10b matrix-element data and some do not; the S10b reduction is skipped")
            }
            return []
        }
        let groups = records.map { $0.map { $0.me! } }
        let g = "/\(study)/matrix_elements"
        try out.group(g)
        let P = points.count
        var rvb: [(Double, Double)] = [], lchi: [(Double, Double)] = [], czz: [(Double, Double)] = [], dos: [Double] = []
        var rhoV: [Double] = [], rhoVOut: [Double] = [], sOmega: [Double] = [], sOut: [Double] = [], chiDensity: [Double] = []
        var sumRule = 0.0
        let first = groups[0][0]
        let nv = first.vEdges.count - 1, no = first.omegaEdges.count - 1, nb = logChiEdges.count - 1
        for (i, rs) in groups.enumerated() {
            let p = points[i]
            let idx = ReduceStatistics.bootstrapIndices(n: rs.count, samples: options.bootstrapSamples, key: "\(study)|me|L=\(p.L)|W=\(p.W)")
            let a = ReduceStatistics.disorderAverageWithError(num: rs.map(\.sumRvb), den: rs.map(\.states), resamples: idx, mode: options.average)
            let c = ReduceStatistics.disorderAverageWithError(num: rs.map(\.sumLogChi), den: rs.map(\.statesChi), resamples: idx, mode: options.average)
            let z = ReduceStatistics.disorderAverageWithError(num: rs.map(\.czz), den: rs.map { _ in 1 }, resamples: idx, mode: .perRealization)
            rvb.append((a.value, a.error)); lchi.append((c.value, c.error)); czz.append((z.value, z.error))
            let states = rs.map(\.states).reduce(0, +)
            dos.append(states > 0 ? rs.map(\.sumCount).reduce(0, +) / (states * first.window) : .nan)
            // rho(v), pooled: counts / (reference states * window * bin width); integrates to rho.
            let nRef = rs.map(\.referenceStates).reduce(0, +)
            let counts = ReduceStatistics.columnSums(rs.map(\.vCounts), count: nv + 2)
            for k in 0..<nv { rhoV.append(nRef > 0 ? counts[k] / (nRef * first.window * (first.vEdges[k + 1] - first.vEdges[k])) : .nan) }
            rhoVOut += [counts[nv], counts[nv + 1]].map { nRef > 0 ? $0 / (nRef * first.window) : .nan }
            // [S(omega)]: mean over realizations of the two-sided density weight / (2 d omega).
            var sw = [Double](repeating: 0, count: no + 2), sd = 0.0
            for r in rs {
                for k in sw.indices { sw[k] += r.sWeight[k] / Double(rs.count) }
                sd += r.sDiagonal / Double(rs.count)
                sumRule = max(sumRule, abs(r.sWeight.reduce(0, +) + r.sDiagonal - r.v2) / r.v2)
            }
            for k in 0..<no { sOmega.append(sw[k] / (2 * (first.omegaEdges[k + 1] - first.omegaEdges[k]))) }
            sOut += [sw[no], sw[no + 1], sd]
            chiDensity += ReduceStatistics.histogramDensity(ReduceStatistics.columnSums(rs.map(\.logChiCounts), count: nb + 2), edges: logChiEdges)
        }
        if sumRule > 1e-10 { warnings.append("S10b sum rule of S(omega) off by \(sumRule) (relative) in some task") }
        try out.attrs(g, ["window": first.window, "sum_rule_max_relative_deviation": sumRule])
        try out.table(g, ["rho_vbar_mean": .float(rvb.map(\.0)), "rho_vbar_err": .float(rvb.map(\.1)), "rho_dos": .float(dos),
                          "log_chi_mean": .float(lchi.map(\.0)), "log_chi_err": .float(lchi.map(\.1)), "czz_mean": .float(czz.map(\.0)),
                          "czz_err": .float(czz.map(\.1)), "v_edges": .float(first.vEdges), "rho_v": .float(rhoV, shape: [P, nv]),
                          "rho_v_outside": .float(rhoVOut, shape: [P, 2]), "omega_edges": .float(first.omegaEdges),
                          "s_omega": .float(sOmega, shape: [P, no]), "s_outside": .float(sOut, shape: [P, 3]),
                          "log_chi_edges": .float(logChiEdges), "log_chi_density": .float(chiDensity, shape: [P, nb])])

        // Per W: slopes in L of [log chi] and of log(rho v_bar).
        let ws = Array(Set(points.map(\.W))).sorted()
        var slopes: [[Double]] = []
        var report = ["S10b (eps window [\(options.epsWindow.lo), \(options.epsWindow.hi)), window omega = \(first.window)): slopes in L; "
                      + "[log chi]: L log 2 (thermal), 2 L log 2 (maximal chaos), L^0 (MBL); log(rho v_bar): (log 2)/2 thermal, 0 MBL",
                      "       W   d[log chi]/dL / log2        d log(rho vbar)/dL / (log2/2)"]
        for w in ws {
            let sel = points.indices.filter { points[$0].W == w && lchi[$0].0.isFinite && rvb[$0].0 > 0 }
            let x = sel.map { Double(points[$0].L) }
            var row = [w, .nan, .nan, .nan, .nan]
            if sel.count >= 2 {
                let c = ReduceStatistics.linearFit(x: x, y: sel.map { lchi[$0].0 }, sigma: sel.count > 2 ? sel.map { lchi[$0].1 } : nil)
                let r = ReduceStatistics.linearFit(x: x, y: sel.map { log(rvb[$0].0) }, sigma: sel.count > 2 ? sel.map { rvb[$0].1 / rvb[$0].0 } : nil)
                row = [w, c.slope, c.slopeError, r.slope, r.slopeError]
            }
            slopes.append(row)
            report.append(String(format: "%8.3f   %8.3f ± %-8.3f          %8.3f ± %-8.3f", w, row[1] / log(2), row[2] / log(2), row[3] / (log(2) / 2), row[4] / (log(2) / 2)))
        }
        try out.table(g + "/slopes", ["W": .float(ws), "log_chi_slope": .float(slopes.map { $0[1] }), "log_chi_slope_err": .float(slopes.map { $0[2] }),
                                      "log_rho_vbar_slope": .float(slopes.map { $0[3] }), "log_rho_vbar_slope_err": .float(slopes.map { $0[4] })])

        // Crossings in W of consecutive sizes: <r> and log(rho v_bar) (the
        // W where rho v_bar stops growing with L), and where rho v_bar = 1.
        let sizes = Array(Set(points.map(\.L))).sorted()
        func curve(_ L: Int) -> [Int] { points.indices.filter { points[$0].L == L }.sorted { points[$0].W < points[$1].W } }
        var cross: [[Double]] = []
        report.append("crossings in W (consecutive sizes, same realizations): <r> curves, rho v_bar curves; W where rho v_bar = 1 at the larger size")
        for (l1, l2) in zip(sizes, sizes.dropFirst()) {
            let c1 = curve(l1), c2 = curve(l2)
            guard c1.map({ points[$0].W }) == c2.map({ points[$0].W }), c1.count >= 2 else { continue }
            let x = c1.map { points[$0].W }
            // <r>: only where the mean curve is between 20% and 80% of its range (no noise crossings on the plateaus).
            let cr = ReduceStatistics.crossing(x: x, y1: c2.map { rMean[$0] }, y2: c1.map { rMean[$0] },
                                               error: zip(c1, c2).map { (rErr[$0].isFinite ? rErr[$0] * rErr[$0] : 0) + (rErr[$1].isFinite ? rErr[$1] * rErr[$1] : 0) }.map { $0.squareRoot() }, transitionFraction: 0.2)
            let cv = ReduceStatistics.crossing(x: x, y1: c2.map { log(rvb[$0].0) }, y2: c1.map { log(rvb[$0].0) })
            let one = ReduceStatistics.crossing(x: x, y1: c2.map { log(rvb[$0].0) }, y2: x.map { _ in 0 })
            cross.append([Double(l1), Double(l2), cr.x, cv.x, one.x])
            report.append(String(format: "  L %d-%d: W_r = %@, W_rho_vbar = %@, W(rho vbar = 1 at L %d) = %@", l1, l2,
                                 fmtNum(cr.x), fmtNum(cv.x), l2, fmtNum(one.x)))
        }
        try out.table(g + "/crossings", ["L_small": .float(cross.map { $0[0] }), "L_large": .float(cross.map { $0[1] }), "W_r": .float(cross.map { $0[2] }),
                                         "W_rho_vbar": .float(cross.map { $0[3] }), "W_rho_vbar_one": .float(cross.map { $0[4] })])
        report.append("     L        W      rho vbar          [log chi]        [C_zz]")
        for (i, p) in points.enumerated() {
            report.append(String(format: "%6d %8.3f  %@ ± %@  %@ ± %@  %@", p.L, p.W, fmtNum(rvb[i].0), fmtNum(rvb[i].1), fmtNum(lchi[i].0), fmtNum(lchi[i].1), fmtNum(czz[i].0)))
        }
        return report
    }

    static func fmtNum(_ x: Double) -> String { x.isFinite ? String(format: "%.4g", x) : "-" }
}
