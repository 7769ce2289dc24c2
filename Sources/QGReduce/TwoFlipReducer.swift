import Foundation
import QGHDF5
import QGPhysics
import QGCampaign

/// S4's entry in the registry: how its campaign blocks are read and what
/// its reduced file holds (docs/hdf5-schema.md, "Reduced classical files");
/// figures: python/qglass_plot_classical.py, `twoflip`.
extension TwoFlipStudy: ClassicalReduction {

    /// Payload per task: for each h_x, the five counts (all, genuine, all_pt, genuine_pt, single); one set per h_x.
    static func read(_ block: TaskBlock, corrupt: inout [CorruptTask]) throws -> [ClassicalRecord] {
        let b = try ClassicalBlock(block)
        var out: [ClassicalRecord] = []
        let order = Int(try b.task.attr("order"))
        let state = try b.task.column("state", Int8.self)
        let nH = b.task.rowLength("hx")
        let hx = try b.task.column("hx", Double.self)
        let counts = try TwoFlipStudy.countNames.map { try b.task.column($0, Int64.self) }
        for i in b.tasks.completed {
            for k in 0..<nH {
                let v = counts.map { Double($0[i * nH + k]) }
                guard v.allSatisfy({ $0 >= 0 }), v[1] <= v[0], v[3] <= v[2], v[2] <= v[0] else {
                    corrupt.append(b.tasks.corrupt(i, b.corrupt(i, "marked done but its counts at hx = \(hx[i * nH + k]) are inconsistent")))
                    continue
                }
                out.append(b.record(i, ClassicalSet(alpha: b.alpha[i], state: Int(state[i]), hx: hx[i * nH + k], variant: order, boundary: b.boundary), "", v))
            }
        }
        return out
    }

    /// The counts' names in the reduced file: the campaign's `countNames` without "count_".
    static let names = countNames.map { String($0.dropFirst("count_".count)) }

    /// S4: mean resonance counts vs L and their growth exponents.
    static func analyse(_ records: [ClassicalRecord], options: ReduceOptions, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        var report = ["S4 two-flip resonances: mean counts N(L) ~ L^e (seed amplitude eq. 6; _pt: plain 2nd-order PT, |A_PT| = |A|/4)"]
        for (k, (set, sizes)) in groupBySetAndL(records).enumerated() {
            let g = "/twoflip/set\(k)"
            try out.group(g)
            let Ls = sizes.map(\.L)
            try out.attr("alpha", set.alpha, on: g); try out.attr("hx", set.hx, on: g); try out.attr("state", set.stateName, on: g)
            try out.table(g, ["L": .ints(Ls), "n_realizations": .ints(sizes.map(\.records.count))])
            var line = "  alpha \(fmt(set.alpha, 3)) hx \(fmt(set.hx, 3)) \(set.stateName) L = \(Ls.map(String.init).joined(separator: ",")):"
            // Replicate r resamples each size's realizations, the sizes independently.
            let boots = sizes.map { ReduceStatistics.bootstrapIndices(n: $0.records.count, samples: options.bootstrapSamples, key: "twoflip|\(set.key)|L=\($0.L)") }
            var exact: [String] = []
            for (c, name) in names.enumerated() {
                let stats = sizes.map { s in ReduceStatistics.meanAndError(s.records.map { $0.values[c] }) }, means = stats.map(\.mean)
                try out.table(g, ["\(name)_mean": .float(means), "\(name)_err": .float(stats.map { $0.error.isFinite ? $0.error : 0 })])
                let x = Ls.map(Double.init)
                let fit = ReduceStatistics.powerLawFit(x: x, y: means, window: 1...Double.infinity)
                let reps = (0..<options.bootstrapSamples).map { r -> Double in
                    let m = sizes.indices.map { i in ReduceStatistics.mean(boots[i][r].map { sizes[i].records[$0].values[c] }) }
                    return ReduceStatistics.powerLawFit(x: x, y: m, window: 1...Double.infinity).exponent
                }
                let e = ReduceStatistics.standardDeviation(reps)
                try out.attrs(g, ["exponent_\(name)": fit.exponent, "exponent_\(name)_err": e, "exponent_\(name)_dof": Double(max(0, fit.points - 2))])
                if fit.points == 2 { exact.append(name) }
                if name != "single" { line += " \(name) \(fmt(fit.exponent, 3))+-\(fmt(e, 3))" }
                if fit.points < 2 && Ls.count >= 2 && name == "genuine" {
                    warnings.append("twoflip set\(k): genuine counts are zero at most sizes; no exponent")
                }
            }
            if !exact.isEmpty {
                warnings.append("twoflip set\(k) (alpha \(set.alpha), hx \(set.hx), \(set.stateName)): exponent(s) \(exact.joined(separator: ", ")) from 2 sizes "
                                + "pass through both points (dof 0); their errors are bootstrap-only and the power law is untested (use 3+ sizes)")
                line += " [dof 0: \(exact.joined(separator: ","))]"
            }
            if set.state == 0 { line += " (T = inf prediction genuine ~ L^\(fmt(2 - set.alpha, 2)))" }
            report.append(line)
        }
        return report
    }
}
