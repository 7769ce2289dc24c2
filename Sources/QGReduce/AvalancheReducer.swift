import Foundation
import QGHDF5
import QGNumerics
import QGPhysics
import QGCampaign

/// S3's entry in the registry: how its campaign blocks are read and what
/// its reduced file holds (docs/hdf5-schema.md, "Reduced classical files");
/// figures: python/qglass_plot_classical.py, `avalanche`.
extension AvalancheStudy: ClassicalReduction {

    /// Payload per task: ever[0...steps]; layout = steps.
    static func read(_ block: TaskBlock, corrupt: inout [CorruptTask]) throws -> [ClassicalRecord] {
        let b = try ClassicalBlock(block)
        let order = Int(try b.task.attr("order"))
        let state = try b.task.column("state", Int8.self), hx = try b.task.column("hx", Double.self)
        let ever = try b.task.rows("ever", Int64.self)
        return try b.tasks.records(corrupt: &corrupt) { i in
            let v = ever[i].map(Double.init)
            guard zip(v, v.dropFirst()).allSatisfy({ $0 <= $1 }), (v.last ?? 0) <= Double(b.L), v[0] >= 0 else {
                throw b.corrupt(i, "marked done but its ever-resonant counts are not a non-decreasing curve in 0...\(b.L)")
            }
            return b.record(i, ClassicalSet(alpha: b.alpha[i], state: Int(state[i]), hx: hx[i], variant: order, boundary: b.boundary), "steps=\(ever.length - 1)", v)
        }
    }

    /// S3: mean and spread of the ever-resonant count vs step, the growth
    /// exponent (log-log fit over the late steps) and the saturation fraction.
    static func analyse(_ records: [ClassicalRecord], options: ReduceOptions, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        var report = ["S3 avalanche: ever-resonant count N(s) ~ s^g over steps s in [\(fmt(options.growthWindow.lo, 2)), \(fmt(options.growthWindow.hi, 2))] x steps"]
        let windows = AvalancheGrowthWindows.set(options.growthWindow)
        report.append("  " + windows.reportLine)
        var k = 0
        for (set, sizes) in groupBySetAndL(records) {
            for (L, recs) in sizes {
                let g = "/avalanche/set\(k)"; k += 1
                try out.group(g)
                let S = recs[0].values.count - 1, n = recs.count
                let columns = (0...S).map { s in recs.map { $0.values[s] } }
                let m = columns.map(ReduceStatistics.mean), sd = columns.map { n > 1 ? ReduceStatistics.standardDeviation($0) : 0 }
                let steps = (0...S).map(Double.init)
                // Before saturation only: the fit stops where the mean count reaches L/2.
                let cap = (0...S).first { m[$0] >= 0.5 * Double(L) } ?? (S + 1)
                let (lo, hiCapped) = AvalancheGrowthWindows.steps(windows.central, steps: S, cap: cap)
                let window = Double(lo)...Double(hiCapped)
                let fit = ReduceStatistics.powerLawFit(x: steps, y: m, window: window)
                let boot = ReduceStatistics.bootstrapIndices(n: n, samples: options.bootstrapSamples, key: "avalanche|\(set.key)|L=\(L)")
                let reps = boot.map { idx -> Double in
                    let mm = ReduceStatistics.columnSums(idx.map { recs[$0].values }, count: S + 1)
                    return ReduceStatistics.powerLawFit(x: steps, y: mm.map { $0 / Double(n) }, window: window).exponent
                }
                let gErr = ReduceStatistics.standardDeviation(reps)
                let gw = windows.estimate { i, w in
                    let (a, b) = AvalancheGrowthWindows.steps(w, steps: S, cap: cap)
                    return i == 0 ? (fit.exponent, gErr) : (ReduceStatistics.powerLawFit(x: steps, y: m, window: Double(a)...Double(b)).exponent, .nan)
                }
                let gDof = max(0, fit.points - 2)
                if gDof <= 0 {
                    warnings.append("avalanche L \(L) alpha \(set.alpha) hx \(set.hx) \(set.stateName): the growth fit has \(fit.points) step(s) in \(lo)..\(hiCapped) (dof \(gDof)); "
                                    + (fit.points < 2 ? "no exponent" : "the line passes through both points") + " (widen --growth-window or use more steps)")
                }
                let finals = recs.map { $0.values[S] }
                let satMean = ReduceStatistics.mean(finals) / Double(L), satMax = (finals.max() ?? 0) / Double(L)
                let half = recs.filter { $0.values[S] == $0.values[S / 2] }.count
                try out.attr("state", set.stateName, on: g)
                try out.attrs(g, ["L": Double(L), "alpha": set.alpha, "hx": set.hx, "n_realizations": Double(n), "growth_exponent": fit.exponent,
                                  "growth_exponent_err": gErr, "growth_exponent_sys": gw.sys, "fit_lo": Double(lo), "fit_hi": Double(hiCapped),
                                  "fit_points": Double(fit.points), "fit_dof": Double(gDof), "saturation_fraction": satMean, "max_fraction": satMax,
                                  "saturated_realizations": Double(half) / Double(n)])
                try out.table(g, ["growth_exponent_by_window": .float(gw.perWindow), "step": .float(steps), "mean": .float(m), "std": .float(sd),
                                  "err": .float(sd.map { $0 / Double(n).squareRoot() })])
                var failures = WindowFailures(windows)
                failures.add(gw)
                try windows.write(out, at: g + "/fit_windows", failures: failures)
                report.append("  L \(L) alpha \(fmt(set.alpha, 3)) hx \(fmt(set.hx, 3)) \(set.stateName): N(0) = \(fmt(m[0], 2)), N(\(S)) = \(fmt(m[S], 2)) "
                              + "(\(fmt(100 * satMean, 2))% of spins, max \(fmt(100 * satMax, 2))%), growth exponent \(fmt(fit.exponent, 3)) +- \(fmt(gErr, 3)) +- \(fmt(gw.sys, 3)) sys (steps \(lo)..\(hiCapped)), "
                              + "\(fmt(100 * Double(half) / Double(n), 0))% of \(n) realizations saturated by step \(S / 2)")
            }
        }
        return report
    }
}

/// S3's growth-exponent windows, a `FitWindowSet` (FitWindows.swift; docs/classical.md, S3).
enum AvalancheGrowthWindows {
    /// Built from `--growth-window lo,hi` (fractions of the steps): that window,
    /// its start halved and doubled, and its end halved (a window whose start
    /// passes its end gives no exponent and is left out of the spread).
    static func set(_ w: (lo: Double, hi: Double)) -> FitWindowSet {
        FitWindowSet(units: "fractions of the steps; each window is cut where the mean count reaches L/2", [
            FitWindow(label: "default", lower: w.lo, upper: w.hi),
            FitWindow(label: "start-earlier", lower: w.lo / 2, upper: w.hi),
            FitWindow(label: "start-later", lower: 2 * w.lo, upper: w.hi),
            FitWindow(label: "end-earlier", lower: w.lo, upper: w.hi / 2),
        ])
    }

    /// The steps lo...hi a window fits: lo = max(1, floor(lower S)),
    /// hi = max(lo, floor(upper S)), then cut before `cap`, the first step where
    /// the mean count reaches L/2 (before saturation only), but not below lo.
    static func steps(_ w: FitWindow, steps S: Int, cap: Int) -> (lo: Int, hi: Int) {
        let lo = max(1, Int(w.lower * Double(S))), hi = max(lo, Int(w.upper * Double(S)))
        return (lo, max(lo, min(hi, cap - 1)))
    }
}
