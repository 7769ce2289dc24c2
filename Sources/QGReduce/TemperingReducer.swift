import Foundation
import QGHDF5
import QGPhysics
import QGCampaign

/// S7's entry in the registry: how its campaign blocks are read and what
/// its reduced file holds (docs/hdf5-schema.md, "Reduced classical files");
/// figures: python/qglass_plot_classical.py, `tempering`.
extension TemperingStudy: ClassicalReduction {

    /// Payload per task: [tmf2, sweeps[S], energy[S*nT], q2, q4, abs_q, ql, exchange[S*(nT-1)]]; layout = T grid and stages.
    static func read(_ block: TaskBlock, corrupt: inout [CorruptTask]) throws -> [ClassicalRecord] {
        let b = try ClassicalBlock(block)
        let temps = try b.task.rows("T", Double.self)
        let stages = Int(try b.task.attr("stages"))
        let normalized = Int(try b.task.attr("normalized_mean_field"))
        let tmf2 = try b.task.column("tmf2", Double.self), sweeps = try b.task.rows("sweeps", Int64.self)
        let fields = try TemperingStudy.stageNames.map { try b.task.rows($0, Double.self) }
        let exch = try b.task.rows("exchange_acceptance", Double.self)
        return try b.tasks.records(corrupt: &corrupt) { i in
            var v = [tmf2[i]] + sweeps[i].map(Double.init)
            for fld in fields { v += fld[i] }
            v += exch[i]
            guard v.allSatisfy(\.isFinite), tmf2[i] > 0 else {
                throw b.corrupt(i, "marked done but holds non-finite averages")
            }
            let layout = "T=\(temps[i].map { "\($0)" }.joined(separator: ","))|stages=\(stages)|sweeps=\(v[1])"
            return b.record(i, ClassicalSet(alpha: b.alpha[i], state: -1, hx: -1, variant: normalized, boundary: b.boundary), layout, v)
        }
    }

    /// S7: Binder ratios per L from the last doubling stage, the link-overlap
    /// equilibration test per stage, and the crossings of consecutive sizes.
    static func analyse(_ records: [ClassicalRecord], options: ReduceOptions, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        var report = ["S7 parallel tempering: Binder g = (3 - [<q^4>]/[<q^2>]^2)/2 from the last stage; link test [q_l] vs 1 + 2T[e]/(T_c^MF)^2 at the lowest T"]
        for (k, (set, sizes)) in groupBySetAndL(records).enumerated() {
            let g = "/tempering/set\(k)"
            try out.group(g)
            let lay = sizes[0].records[0].layout
            let temps = String(lay.split(separator: "|")[0].dropFirst(2)).split(separator: ",").compactMap { Double($0) }
            let nT = temps.count
            let S = Int(lay.split(separator: "|")[1].split(separator: "=")[1])!
            if sizes.contains(where: { $0.records[0].layout.split(separator: "|")[0] != lay.split(separator: "|")[0] }) {
                throw ReduceError(message: "tempering set \(set.key): sizes use different temperature grids; reduce them separately")
            }
            // values: [tmf2, sweeps[S], energy[S*nT], q2[S*nT], q4[S*nT], abs_q[S*nT], ql[S*nT], exch[S*(nT-1)]]
            func at(_ field: Int, _ s: Int, _ t: Int) -> Int { 1 + S + field * S * nT + s * nT + t }
            let Ls = sizes.map(\.L)
            var gAll: [[Double]] = [], gErrAll: [[Double]] = [], gReps: [[[Double]]] = []
            var q2All: [Double] = [], eAll: [Double] = [], qlAll: [Double] = [], qlEAll: [Double] = []
            var diff: [Double] = [], diffErr: [Double] = [], passed: [Int64] = [], firstPass: [Int64] = [], exMin: [Double] = [], sweepsOut: [Double] = []
            let last = S - 1
            for (L, recs) in sizes {
                let n = recs.count
                let boot = ReduceStatistics.bootstrapIndices(n: n, samples: options.bootstrapSamples, key: "tempering|\(set.key)|L=\(L)")
                func avg(_ idx: [Int], _ field: Int, _ s: Int, _ t: Int) -> Double { idx.reduce(0.0) { $0 + recs[$1].values[at(field, s, t)] } / Double(idx.count) }
                let all = Array(0..<n)
                let tmf2 = ReduceStatistics.mean(recs.map { $0.values[0] })
                func binder(_ idx: [Int], _ s: Int) -> [Double] { (0..<nT).map { t in ParallelTempering.binder(q2: avg(idx, 1, s, t), q4: avg(idx, 2, s, t)) } }
                func link(_ idx: [Int], _ s: Int) -> Double { avg(idx, 4, s, 0) - (1 + 2 * temps[0] * avg(idx, 0, s, 0) / tmf2) }
                let gl = binder(all, last)
                let reps = boot.map { binder($0, last) }
                gAll.append(gl); gReps.append(reps)
                gErrAll.append(ReduceStatistics.standardDeviations(reps, count: nT))
                q2All += (0..<nT).map { avg(all, 1, last, $0) }
                eAll += (0..<nT).map { avg(all, 0, last, $0) }
                qlAll += (0..<nT).map { avg(all, 4, last, $0) }
                qlEAll += (0..<nT).map { 1 + 2 * temps[$0] * avg(all, 0, last, $0) / tmf2 }
                var first: Int64 = -1
                var prevG: [Double] = [], prevErr: [Double] = []
                for s in 0..<S {
                    let d = link(all, s), e = ReduceStatistics.standardDeviation(boot.map { link($0, s) })
                    diff.append(d); diffErr.append(e)
                    let gs = binder(all, s)
                    let gsErr = ReduceStatistics.standardDeviations(boot.map { binder($0, s) }, count: nT)
                    let linkOK = abs(d) <= 2 * max(e, 1e-12)
                    let stable = s > 0 && !(0..<nT).contains { t -> Bool in
                        let tol: Double = 2 * (gsErr[t] * gsErr[t] + prevErr[t] * prevErr[t]).squareRoot() + 1e-12
                        return abs(gs[t] - prevG[t]) > tol
                    }
                    if first < 0 && linkOK && stable { first = Int64(s) }
                    prevG = gs; prevErr = gsErr
                    sweepsOut.append(recs[0].values[1 + s])
                }
                firstPass.append(first)
                let lastOK = abs(diff[diff.count - 1]) <= 2 * max(diffErr[diffErr.count - 1], 1e-12)
                passed.append(lastOK && first >= 0 ? 1 : 0)
                if !(lastOK && first >= 0) {
                    warnings.append("tempering L = \(L) alpha \(set.alpha): the equilibration test does not pass (last-stage link difference "
                                    + "\(fmt(diff[diff.count - 1])) +- \(fmt(diffErr[diffErr.count - 1])); Binder stable from stage \(first)); increase sweeps or stages")
                }
                let ex = (0..<(nT - 1)).map { t in ReduceStatistics.mean(recs.map { $0.values[1 + S + 5 * S * nT + last * (nT - 1) + t] }) }
                exMin.append(ex.min() ?? .nan)
            }
            // Crossings of consecutive sizes.
            var tc: [Double] = [], tcErr: [Double] = []
            for i in 0..<(Ls.count - 1) {
                let x = ReduceStatistics.crossingWithError(x: temps, y1: gAll[i], error1: gErrAll[i], y2: gAll[i + 1], error2: gErrAll[i + 1],
                                                           transitionFraction: 0.1, replicates: options.bootstrapSamples) { r in (gReps[i][r], gReps[i + 1][r]) }
                tc.append(x.x); tcErr.append(x.error)
                if !x.x.isFinite { warnings.append("tempering alpha \(set.alpha): Binder curves of L = \(Ls[i]) and \(Ls[i + 1]) do not cross in [\(temps[0]), \(temps[nT - 1])]") }
            }
            if Ls.count < 2 { warnings.append("tempering alpha \(set.alpha): one size only; no crossing") }
            try out.attrs(g, ["alpha": set.alpha, "stages": Double(S)])
            try out.attr("normalization", set.variant == 1 ? "mean-field" : "none", on: g)
            let perT = [Ls.count, nT], perStage = [Ls.count, S]
            try out.table(g, ["L": .ints(Ls), "n_samples": .ints(sizes.map(\.records.count)), "T": .float(temps),
                              "g": .float(gAll.flatMap { $0 }, shape: perT), "g_err": .float(gErrAll.flatMap { $0 }, shape: perT),
                              "q2": .float(q2All, shape: perT), "energy": .float(eAll, shape: perT), "ql": .float(qlAll, shape: perT),
                              "ql_energy": .float(qlEAll, shape: perT), "stage_sweeps": .float(sweepsOut, shape: perStage),
                              "link_diff": .float(diff, shape: perStage), "link_diff_err": .float(diffErr, shape: perStage),
                              "equilibrated": .int(passed), "first_passing_stage": .int(firstPass), "exchange_acceptance_min": .float(exMin)])
            try out.table(g + "/crossings", ["L1": .ints(Ls.dropLast()), "L2": .ints(Ls.dropFirst()), "Tc": .float(tc), "Tc_err": .float(tcErr),
                                             "found": .ints(tc.map { $0.isFinite ? 1 : 0 })])
            report.append("  alpha \(fmt(set.alpha, 3)) (\(set.variant == 1 ? "T_c^MF = 1 units" : "raw couplings")): L = \(Ls.map(String.init).joined(separator: ",")), "
                          + "samples \(sizes.map { String($0.records.count) }.joined(separator: "/")), equilibrated \(passed.map(String.init).joined(separator: "/")), "
                          + "min exchange acceptance \(exMin.map { fmt($0, 2) }.joined(separator: "/"))")
            for i in tc.indices {
                report.append("    g crossing L = \(Ls[i])/\(Ls[i + 1]): T = \(fmt(tc[i], 3)) +- \(fmt(tcErr[i], 3))")
            }
        }
        return report
    }
}
