import Foundation
import QGHDF5
import QGPhysics
import QGCampaign

/// S2's entry in the registry: how its campaign blocks are read and what
/// its reduced file holds (docs/hdf5-schema.md, "Reduced classical files");
/// figures: python/qglass_plot_classical.py, `fields`.
extension FieldsStudy: ClassicalReduction {

    /// Payload per task: [phi_sq_mean, underflow, overflow, hist...]; layout = the histogram edges.
    static func read(_ block: TaskBlock, corrupt: inout [CorruptTask]) throws -> [ClassicalRecord] {
        let b = try ClassicalBlock(block)
        let order = Int(try b.task.attr("order"))
        let layout = "phi_min=\(try b.task.attr("phi_min"))|phi_max=\(try b.task.attr("phi_max"))|per_decade=\(try b.task.attr("bins_per_decade"))"
        let state = try b.task.column("state", Int8.self), sq = try b.task.column("phi_sq_mean", Double.self)
        let under = try b.task.column("phi_underflow", Double.self), over = try b.task.column("phi_overflow", Double.self)
        let h = try b.task.rows("phi_hist", Double.self)
        return try b.tasks.records(corrupt: &corrupt) { i in
            let v = [sq[i], under[i], over[i]] + Array(h[i])
            let total = v.dropFirst().reduce(0, +)
            guard v.allSatisfy(\.isFinite), total == Double(b.L) else {
                throw b.corrupt(i, "marked done but its histogram holds \(total) of \(b.L) spins")
            }
            return b.record(i, ClassicalSet(alpha: b.alpha[i], state: Int(state[i]), hx: -1, variant: order, boundary: b.boundary), layout, v)
        }
    }

    /// S2: p(phi) per L, its extrapolation to L = inf in 1/L, and the power law
    /// p ~ |phi|^x at small |phi| (docs/classical.md).
    static func analyse(_ records: [ClassicalRecord], options: ReduceOptions, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        var report = ["S2 fields: p(phi) ~ |phi|^x at small |phi| (L -> inf extrapolation in 1/L up to 2nd order, with at least one spare degree of freedom)"]
        var sumAlpha: [Double] = [], sumState: [Int64] = [], sumX: [Double] = [], sumXErr: [Double] = [], sumLo: [Double] = [], sumHi: [Double] = []
        var sumXL: [Double] = [], sumXLErr: [Double] = []
        for (k, (set, sizes)) in groupBySetAndL(records).enumerated() {
            let g = "/fields/set\(k)"
            try out.group(g)
            // Histogram edges from the layout "phi_min=..|phi_max=..|per_decade=..".
            let lay = Dictionary(uniqueKeysWithValues: sizes[0].records[0].layout.split(separator: "|").map { kv -> (String, Double) in
                let p = kv.split(separator: "="); return (String(p[0]), Double(p[1]) ?? .nan)
            })
            let hist = LogHistogram(lo: lay["phi_min"]!, hi: lay["phi_max"]!, perDecade: Int(lay["per_decade"]!))
            let edges = hist.edges, B = edges.count - 1
            let centers = (0..<B).map { (edges[$0] * edges[$0 + 1]).squareRoot() }
            let Ls = sizes.map(\.L)
            let nRep = options.bootstrapSamples
            var p: [[Double]] = [], pErr: [[Double]] = [], counts: [[Double]] = []
            var pRep: [[[Double]]] = []   // [L][rep][b]
            var sq: [Double] = [], sqErr: [Double] = [], sqExact: [Double] = []
            for (L, recs) in sizes {
                let n = recs.count, hists = recs.map { Array($0.values[3...]) }
                func density(_ idx: [Int]) -> [Double] {
                    let c = ReduceStatistics.columnSums(idx.map { hists[$0] }, count: B)
                    return ReduceStatistics.histogramDensity(c, edges: edges, total: Double(idx.count * L) * 2)
                }
                counts.append(ReduceStatistics.columnSums(hists, count: B))
                p.append(density(Array(0..<n)))
                let boot = ReduceStatistics.bootstrapIndices(n: n, samples: nRep, key: "fields|\(set.key)|L=\(L)")
                let reps = boot.map(density)
                pRep.append(reps)
                pErr.append(ReduceStatistics.standardDeviations(reps, count: B))
                let s = ReduceStatistics.meanAndError(recs.map { $0.values[0] })
                sq.append(s.mean); sqErr.append(s.error)
                let t = ClassicalChain.meanFieldTemperature(L: L, alpha: set.alpha, boundary: set.boundary == 1 ? .open : .periodic)
                sqExact.append(t * t)
            }
            // Second order only with a spare degree of freedom (4+ sizes); three sizes drop to first order.
            let (order, dof) = ReduceStatistics.inverseLOrder(sizes: Ls.count, maxOrder: 2)
            if order < 2 || dof <= 0 {
                warnings.append("fields set\(k) (alpha \(set.alpha), \(set.stateName)): \(Ls.count) size(s): the 1/L extrapolation of p(phi) is of order \(order) "
                                + "with \(dof) spare degree(s) of freedom" + (dof <= 0 ? " (it passes through the data; x and its error are not tested by the fit)" : " (second order needs 4 sizes)"))
            }
            func extrapolate(_ perL: [[Double]]) -> [Double] {
                (0..<B).map { b in ReduceStatistics.extrapolateInverseL(sizes: Ls, values: perL.map { $0[b] }, order: order) }
            }
            let pInf = extrapolate(p)
            let pInfRep = (0..<nRep).map { r in extrapolate(pRep.map { $0[r] }) }
            let pInfErr = ReduceStatistics.standardDeviations(pInfRep, count: B)
            // Fit window: [lo, hi] with hi = options.phiFitMax; lo given, or the
            // smallest bin below hi down to which every size has >= minBinCount
            // counts per bin and p_inf > 0.
            let hi = options.phiFitMax
            var lo = options.phiFitMin ?? hi
            if options.phiFitMin == nil {
                var b = (0..<B).last { centers[$0] <= hi } ?? -1
                while b >= 0 && counts.allSatisfy({ $0[b] >= Double(options.minBinCount) }) && pInf[b] > 0 { lo = centers[b]; b -= 1 }
            }
            let window = lo...max(lo, hi)
            let fit = ReduceStatistics.powerLawFit(x: centers, y: pInf, window: window)
            let xReps = pInfRep.map { ReduceStatistics.powerLawFit(x: centers, y: $0, window: window).exponent }
            let xErr = ReduceStatistics.standardDeviation(xReps)
            let big = p.count - 1
            let xL = ReduceStatistics.powerLawFit(x: centers, y: p[big], window: window).exponent
            let xLErr = ReduceStatistics.standardDeviation(pRep[big].map { ReduceStatistics.powerLawFit(x: centers, y: $0, window: window).exponent })
            if fit.points < 3 {
                warnings.append("fields set\(k) (alpha \(set.alpha), \(set.stateName)): only \(fit.points) bins in the fit window [\(fmt(lo, 4)), \(fmt(hi, 2))] "
                                + "(dof \(max(0, fit.points - 2))); x is unreliable (more realizations or a wider --phi-fit-window)")
            }
            try out.attrs(g, text: ["state": set.stateName, "order": set.variant == 0 ? "greedy" : "sequential"])
            try out.attrs(g, ["alpha": set.alpha, "x": fit.exponent, "x_err": xErr, "x_largest_L": xL, "x_largest_L_err": xLErr, "fit_lo": lo, "fit_hi": hi,
                              "fit_points": Double(fit.points), "fit_prefactor": fit.prefactor, "extrapolation_order": Double(order),
                              "extrapolation_dof": Double(dof), "fit_dof": Double(max(0, fit.points - 2))])
            let perL = [Ls.count, B]
            try out.table(g, ["L": .ints(Ls), "n_realizations": .ints(sizes.map(\.records.count)), "bin_edges": .float(edges), "bin_centers": .float(centers),
                              "p": .float(p.flatMap { $0 }, shape: perL), "p_err": .float(pErr.flatMap { $0 }, shape: perL),
                              "counts": .float(counts.flatMap { $0 }, shape: perL), "p_inf": .float(pInf), "p_inf_err": .float(pInfErr),
                              "phi_sq_mean": .float(sq), "phi_sq_mean_err": .float(sqErr), "phi_sq_exact": .float(sqExact)])
            sumAlpha.append(set.alpha); sumState.append(Int64(set.state)); sumX.append(fit.exponent); sumXErr.append(xErr)
            sumLo.append(lo); sumHi.append(hi); sumXL.append(xL); sumXLErr.append(xLErr)
            report.append("  alpha \(fmt(set.alpha, 3)) \(set.stateName): x = \(fmt(fit.exponent, 3)) +- \(fmt(xErr, 3)) "
                          + "(|phi| in [\(fmt(lo, 4)), \(fmt(hi, 2))], \(fit.points) bins, 1/L order \(order) dof \(dof), L = \(Ls.map(String.init).joined(separator: ",")), "
                          + "\(sizes.map { $0.records.count }.map(String.init).joined(separator: "/")) realizations); largest L alone: "
                          + "\(fmt(xL, 3)) +- \(fmt(xLErr, 3)); 1/alpha - 1 = \(fmt(1 / set.alpha - 1, 3))")
            if set.state == 0 {
                for (i, L) in Ls.enumerated() {
                    let dev = (sq[i] - sqExact[i]) / sqErr[i]
                    report.append("    L = \(L): <phi^2> = \(fmt(sq[i])) +- \(fmt(sqErr[i])) vs exact sum_j d^(-2 alpha) = \(fmt(sqExact[i])) (\(fmt(dev, 1)) sigma)")
                }
            }
        }
        try out.table("/fields/summary", ["alpha": .float(sumAlpha), "state": .int(sumState), "x": .float(sumX), "x_err": .float(sumXErr),
                                          "x_largest_L": .float(sumXL), "x_largest_L_err": .float(sumXLErr), "fit_lo": .float(sumLo),
                                          "fit_hi": .float(sumHi), "stability_bound": .float(sumAlpha.map { 1 / $0 - 1 })])
        return report
    }
}
