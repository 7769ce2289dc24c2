import Foundation
import QGHDF5
import QGPhysics
import QGCampaign

/// Rank 0 of `qglass reduce`: disorder averages with bootstrap errors,
/// crossings, their drift and the data collapse, for S1.
struct Analysis {
    typealias Point = TaskRecord.Point

    let options: ReduceOptions
    var warnings: [String]
    let points: [Point]
    let bins: Int
    let nReal: [Int]
    // [point][bin]
    var nStates: [[Double]] = []
    var rMean: [[Estimate]] = [], rTyp: [[Estimate]] = [], mMean: [[Estimate]] = [], mTyp: [[Estimate]] = []
    // [point]
    var wStates: [Double] = []
    var wR: [Estimate] = [], wRTyp: [Estimate] = [], wM: [Estimate] = [], wMTyp: [Estimate] = []
    // bootstrap replicates of the window means [point][replicate]
    var repR: [[Double]] = [], repM: [[Double]] = []

    struct Crossing { var alpha: Double; var L1: Int; var L2: Int; var hc: Double; var err: Double; var found: Bool }
    /// `dof`: crossings minus the 2 parameters of the line.
    struct Drift { var alpha: Double; var slope: Double; var slopeErr: Double; var hcInf: Double; var hcInfErr: Double; var dof: Int }
    /// `dof`: terms of the quality S at the optimum minus the 2 parameters (h_c, nu).
    struct Collapse { var alpha: Double; var hc: Double; var hcErr: Double; var nu: Double; var nuErr: Double; var quality: Double; var sizes: Int; var ok: Bool; var dof: Int }
    var crossings: [String: [Crossing]] = [:]
    var drifts: [String: [Drift]] = [:]
    var collapses: [String: [Collapse]] = [:]

    /// The eps window actually used (whole bins of the inputs' eps_bins).
    let window: EpsWindow

    init(records: [TaskRecord], options: ReduceOptions, warnings: [String]) throws {
        self.options = options
        self.warnings = warnings
        // Realizations in a fixed order, so the result does not depend on how inputs were split.
        let grouped = groupedByPoint(records, { $0.key.point }, pointOrder: { ($0.L, $0.alpha, $0.hx) < ($1.L, $1.alpha, $1.hx) })
        points = grouped.map(\.point)
        let binSet = Set(records.map(\.bins))
        bins = binSet.max()!
        if binSet.count > 1 { self.warnings.append("inputs use different eps_bins \(binSet.sorted()); eps-resolved averages use \(bins) bins, points with fewer are left NaN") }
        // The survey checked that every eps_bins gives the same, non-empty window.
        guard let w = EpsWindow.snap(lo: options.epsWindow.lo, hi: options.epsWindow.hi, bins: bins) else {
            throw ReduceError(message: "--eps-window \(options.epsWindow.lo),\(options.epsWindow.hi) holds no whole eps bin of \(bins)")
        }
        window = w
        nReal = grouped.map(\.records.count)
        let B = options.bootstrapSamples
        let mode = options.average
        func stat(_ num: [Double], _ den: [Double], _ idx: [[Int]], log: Bool = false) -> (Estimate, [Double]) {
            let s = ReduceStatistics.disorderAverageWithError(num: num, den: den, resamples: idx, mode: mode)
            if !log { return (Estimate(value: s.value, error: s.error), s.replicates) }
            let reps = s.replicates.map { exp($0) }
            return (Estimate(value: exp(s.value), error: ReduceStatistics.standardDeviation(reps)), reps)
        }
        for (p, rs) in grouped {
            let idx = ReduceStatistics.bootstrapIndices(n: rs.count, samples: B, key: "L=\(p.L)|alpha=\(p.alpha)|hx=\(p.hx)")
            let nb = rs[0].bins
            var ns: [Double] = [], a: [Estimate] = [], b: [Estimate] = [], c: [Estimate] = [], d: [Estimate] = []
            for bin in 0..<bins {
                guard nb == bins else { ns.append(.nan); a.append(Estimate(value: .nan, error: .nan)); b.append(a[0]); c.append(a[0]); d.append(a[0]); continue }
                let col = { (k: Int) in rs.map { $0.h(k, bin) } }
                ns.append(col(0).reduce(0, +))
                a.append(stat(col(2), col(1), idx).0)
                b.append(stat(col(7), col(6), idx, log: true).0)
                c.append(stat(col(4), col(0), idx).0)
                d.append(stat(col(8), col(0), idx, log: true).0)
            }
            nStates.append(ns); rMean.append(a); rTyp.append(b); mMean.append(c); mTyp.append(d)
            // Window: whole bins of this point's histograms (same edges for every eps_bins, see the survey).
            let pw = EpsWindow.snap(lo: options.epsWindow.lo, hi: options.epsWindow.hi, bins: nb) ?? w
            let wcol = { (k: Int) in rs.map { r in pw.range.reduce(0.0) { $0 + r.h(k, $1) } } }
            wStates.append(wcol(0).reduce(0, +))
            let (r, rr) = stat(wcol(2), wcol(1), idx), (m, mr) = stat(wcol(4), wcol(0), idx)
            wR.append(r); wRTyp.append(stat(wcol(7), wcol(6), idx, log: true).0)
            wM.append(m); wMTyp.append(stat(wcol(8), wcol(0), idx, log: true).0)
            repR.append(rr); repM.append(mr)
        }
        for (name, mean, reps) in [("r", wR, repR), ("m_ea", wM, repM)] { finiteSize(name, mean, reps) }
    }

    /// Crossings are searched where the mean of the two curves is within the
    /// middle 80% of its range (see `ReduceStatistics.crossing`).
    static let transitionFraction = 0.1

    /// Crossings of consecutive sizes, their drift, and the collapse, per alpha.
    mutating func finiteSize(_ name: String, _ mean: [Estimate], _ reps: [[Double]]) {
        var cross: [Crossing] = [], drift: [Drift] = [], coll: [Collapse] = []
        for alpha in Set(points.map(\.alpha)).sorted() {
            let sizes = Set(points.filter { $0.alpha == alpha }.map(\.L)).sorted()
            let (lo, hi) = (window.lo, window.hi)
            if sizes.count < 2 {
                warnings.append("\(name), alpha \(alpha): only \(sizes.count) size(s); no crossing or collapse possible")
                continue
            }
            func curve(_ L: Int, on grid: [Double]) -> (y: [Double], dy: [Double], rep: [[Double]]) {
                let ids = grid.map { h in points.firstIndex(of: Point(L: L, alpha: alpha, hx: h))! }
                return (ids.map { mean[$0].value }, ids.map { mean[$0].error }, ids.map { reps[$0] })
            }
            func grid(_ Ls: [Int]) -> [Double] {
                var common: Set<Double>? = nil
                for L in Ls {
                    let hs = Set(points.filter { $0.alpha == alpha && $0.L == L }.map(\.hx))
                    common = common.map { $0.intersection(hs) } ?? hs
                }
                return (common ?? []).sorted()
            }
            for (L1, L2) in zip(sizes, sizes.dropFirst()) {
                let g = grid([L1, L2])
                guard g.count >= 2 else { warnings.append("\(name), alpha \(alpha): L=\(L1) and L=\(L2) share fewer than 2 h_x values"); continue }
                let c1 = curve(L1, on: g), c2 = curve(L2, on: g)
                let c = ReduceStatistics.crossingWithError(x: g, y1: c1.y, error1: c1.dy, y2: c2.y, error2: c2.dy, transitionFraction: Self.transitionFraction,
                                                           replicates: options.bootstrapSamples) { k in (c1.rep.map { $0[k] }, c2.rep.map { $0[k] }) }
                let (hc, n, bs) = (c.x, c.count, c.replicates)
                if n == 0 { warnings.append("\(name), alpha \(alpha): curves of L=\(L1) and L=\(L2) do not cross in the transition region of h_x [\(g.first!), \(g.last!)] (eps window [\(lo), \(hi)))") }
                if n > 1 { warnings.append("\(name), alpha \(alpha): curves of L=\(L1) and L=\(L2) cross \(n) times; the most significant crossing is reported") }
                let missing = bs.filter(\.isNaN).count
                if n > 0 && missing > bs.count / 10 {
                    warnings.append("\(name), alpha \(alpha): L=\(L1)/L=\(L2) crossing absent in \(missing) of \(bs.count) bootstrap samples; its error is unreliable")
                }
                cross.append(Crossing(alpha: alpha, L1: L1, L2: L2, hc: hc, err: c.error, found: n > 0))
            }
            let found = cross.filter { $0.alpha == alpha && $0.found }
            if found.count >= 2 {
                // Weighted by the crossings' errors when all are finite and positive.
                let f = ReduceStatistics.lineFit(x: found.map { 2.0 / Double($0.L1 + $0.L2) }, y: found.map(\.hc), sigma: found.map(\.err))
                let dof = f.dof
                if dof <= 0 {
                    warnings.append("\(name), alpha \(alpha): the drift line goes through its \(found.count) crossings exactly (dof \(dof)); "
                                    + "its errors come from the crossings' errors only and the fit is untested (more sizes give dof > 0)")
                }
                drift.append(Drift(alpha: alpha, slope: f.slope, slopeErr: f.slopeError, hcInf: f.intercept, hcInfErr: f.interceptError, dof: dof))
            } else {
                warnings.append("\(name), alpha \(alpha): \(found.count) crossing(s) found; the drift of h_c with L needs at least 2")
            }
            // Collapse over all sizes on their common h_x grid.
            let g = grid(sizes)
            guard g.count >= 3 else { warnings.append("\(name), alpha \(alpha): fewer than 3 common h_x values; no collapse"); continue }
            let curves = sizes.map { L -> ReduceStatistics.Curve in let c = curve(L, on: g); return .init(L: Double(L), h: g, y: c.y, dy: c.dy) }
            let fit = ReduceStatistics.fitCollapse(curves, hRange: g.first!...g.last!)
            let nb = min(options.bootstrapSamples, 40)
            var hcs: [Double] = [], nus: [Double] = []
            for k in 0..<nb {
                let bc = sizes.map { L -> ReduceStatistics.Curve in
                    let c = curve(L, on: g)
                    return .init(L: Double(L), h: g, y: c.rep.map { $0[k] }, dy: c.dy)
                }
                let b = ReduceStatistics.fitCollapse(bc, hRange: g.first!...g.last!)
                hcs.append(b.hc); nus.append(b.nu)
            }
            let interior = fit.hc > g.first! && fit.hc < g.last!
            let nuInside = fit.nu > 1.05 * ReduceStatistics.nuBounds.lowerBound && fit.nu < 0.95 * ReduceStatistics.nuBounds.upperBound
            if !nuInside { warnings.append("\(name), alpha \(alpha): collapse nu = \(fit.nu) sits at the edge of the search range \(ReduceStatistics.nuBounds) (ok = 0)") }
            let dof = fit.hc.isFinite ? ReduceStatistics.collapseQuality(curves, hc: fit.hc, nu: fit.nu).terms - 2 : 0
            if dof <= 0 { warnings.append("\(name), alpha \(alpha): collapse has \(dof) degrees of freedom (terms of S minus 2 parameters); no fit (ok = 0)") }
            let ok = fit.converged && sizes.count >= 3 && interior && nuInside && dof > 0
            if sizes.count < 3 { warnings.append("\(name), alpha \(alpha): collapse from \(sizes.count) sizes is weakly constrained (ok = 0)") }
            if !interior { warnings.append("\(name), alpha \(alpha): collapse h_c = \(fit.hc) is not inside the h_x range (ok = 0)") }
            coll.append(Collapse(alpha: alpha, hc: fit.hc, hcErr: ReduceStatistics.standardDeviation(hcs), nu: fit.nu,
                                 nuErr: ReduceStatistics.standardDeviation(nus), quality: fit.quality, sizes: sizes.count, ok: ok, dof: dof))
        }
        crossings[name] = cross; drifts[name] = drift; collapses[name] = coll
    }

    /// Serial HDF5 output (docs/hdf5-schema.md, "Reduced file"), inside the
    /// pipeline's atomic write.
    func write(_ out: ReducedWriter) throws {
            let f = out.file
            try out.epsAveraging(window: window.lo, window.hi, average: options.average)
            try f.setAttribute("eps_window_requested", [options.epsWindow.lo, options.epsWindow.hi])
            try f.setAttribute("eps_window_snapped", Int64(window.snapped(lo: options.epsWindow.lo, hi: options.epsWindow.hi) ? 1 : 0))
            try f.setAttribute("eps_window_bins", [Int64(window.firstBin), Int64(window.lastBin + 1)])
            let P = points.count
            try out.table("/lrsg/points", ["L": .ints(points.map(\.L)), "alpha": .float(points.map(\.alpha)), "hx": .float(points.map(\.hx)),
                                           "n_realizations": .ints(nReal)])
            try out.table("/lrsg/eps", ["eps_edges": .float((0...bins).map { Double($0) / Double(bins) }),
                                        "n_states": .float(nStates.flatMap { $0 }, shape: [P, bins])])
            try out.table("/lrsg/window", ["n_states": .float(wStates)])
            // Per eps bin and in the window: r_mean with r_err, r_typ with r_typ_err, and the same for m_ea.
            for (g, shape, stats) in [("eps", [P, bins], [rMean, rTyp, mMean, mTyp].map { $0.flatMap { $0 } }), ("window", [P], [wR, wRTyp, wM, wMTyp])] {
                for (n, s) in zip(["r_mean", "r_typ", "m_ea_mean", "m_ea_typ"], stats) {
                    let err = n.hasSuffix("_typ") ? n + "_err" : n.replacingOccurrences(of: "_mean", with: "_err")
                    try out.table("/lrsg/" + g, [n: .float(s.map(\.value), shape: shape), err: .float(s.map(\.error), shape: shape)])
                }
            }
            for obs in ["r", "m_ea"] {
                let c = crossings[obs] ?? [], d = drifts[obs] ?? [], k = collapses[obs] ?? []
                try out.table("/lrsg/crossings/\(obs)", ["alpha": .float(c.map(\.alpha)), "L1": .ints(c.map(\.L1)), "L2": .ints(c.map(\.L2)),
                                                         "hc": .float(c.map(\.hc)), "hc_err": .float(c.map(\.err)), "found": .flag(c.map(\.found))])
                try out.table("/lrsg/drift/\(obs)", ["alpha": .float(d.map(\.alpha)), "slope": .float(d.map(\.slope)), "slope_err": .float(d.map(\.slopeErr)),
                                                     "hc_inf": .float(d.map(\.hcInf)), "hc_inf_err": .float(d.map(\.hcInfErr)), "dof": .ints(d.map(\.dof))])
                try out.table("/lrsg/collapse/\(obs)", ["alpha": .float(k.map(\.alpha)), "hc": .float(k.map(\.hc)), "hc_err": .float(k.map(\.hcErr)),
                                                        "nu": .float(k.map(\.nu)), "nu_err": .float(k.map(\.nuErr)), "quality": .float(k.map(\.quality)),
                                                        "n_sizes": .ints(k.map(\.sizes)), "ok": .flag(k.map(\.ok)), "dof": .ints(k.map(\.dof))])
            }
    }

    /// Human summary for the terminal.
    func report() -> [String] {
        let (lo, hi) = (window.lo, window.hi)
        var s = ["eps window [\(lo), \(hi)) (\(window.range.count) of \(window.bins) bins): disorder averages, \(options.average.phrase) (bootstrap errors over realizations)",
                 "    L   alpha      h_x  real.          <r>                <m_EA>"]
        for (i, p) in points.enumerated() {
            s.append(String(format: "%5d %7.3f %8.4f %6d   %@ ± %@   %@ ± %@", p.L, p.alpha, p.hx, nReal[i],
                            fmt(wR[i].value), fmtErr(wR[i].error, samples: nReal[i]), fmt(wM[i].value), fmtErr(wM[i].error, samples: nReal[i])))
        }
        if let note = fewSamplesNote(nReal.map { Int($0) }) { s.append(note) }
        for obs in ["r", "m_ea"] {
            for c in crossings[obs] ?? [] where c.found {
                s.append("crossing <\(obs)>  alpha \(c.alpha)  L = \(c.L1)/\(c.L2):  h_c = \(fmt(c.hc)) ± \(fmt(c.err))")
            }
            for d in drifts[obs] ?? [] {
                s.append("drift <\(obs)>  alpha \(d.alpha):  dh_c/d(1/L) = \(fmt(d.slope)) ± \(fmt(d.slopeErr)),  h_c(L→∞) = \(fmt(d.hcInf)) ± \(fmt(d.hcInfErr)),  dof \(d.dof)")
            }
            for k in collapses[obs] ?? [] {
                s.append("collapse <\(obs)>  alpha \(k.alpha):  h_c = \(fmt(k.hc)) ± \(fmt(k.hcErr)),  nu = \(fmt(k.nu, 3)) ± \(fmt(k.nuErr, 3)),  S = \(fmt(k.quality, 2)),  sizes \(k.sizes),  dof \(k.dof)\(k.ok ? "" : "  (not ok)")")
            }
        }
        return s
    }
}
