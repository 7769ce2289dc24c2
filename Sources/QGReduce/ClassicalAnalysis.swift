import Foundation
import QGPhysics

/// Bootstrap helpers shared by the classical analyses: replicate r of a
/// per-size quantity resamples that size's realizations (sizes independently).
struct SizeBootstrap {
    let indices: [[Int]]   // [replicate][k]
    init(n: Int, samples: Int, key: String) { indices = ReduceStatistics.bootstrapIndices(n: n, samples: samples, key: key) }
}

func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }

/// S2: p(phi) per L, its extrapolation to L = inf in 1/L, and the power law
/// p ~ |phi|^x at small |phi| (docs/classical.md).
enum FieldsAnalysis {
    static func run(_ records: [ClassicalRecord], options: ReduceOptions, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        var report = ["S2 fields: p(phi) ~ |phi|^x at small |phi| (L -> inf extrapolation in 1/L up to 2nd order, with at least one spare degree of freedom)"]
        try out.group("/fields")
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
            let widths = (0..<B).map { edges[$0 + 1] - edges[$0] }
            let Ls = sizes.map(\.L)
            let nRep = options.bootstrapSamples
            var p: [[Double]] = [], pErr: [[Double]] = [], counts: [[Double]] = []
            var pRep: [[[Double]]] = []   // [L][rep][b]
            var sq: [Double] = [], sqErr: [Double] = [], sqExact: [Double] = []
            for (L, recs) in sizes {
                let n = recs.count
                func density(_ idx: [Int]) -> [Double] {
                    var c = [Double](repeating: 0, count: B)
                    for i in idx { for b in 0..<B { c[b] += recs[i].values[3 + b] } }
                    let spins = Double(idx.count * L)
                    return (0..<B).map { c[$0] / (spins * 2 * widths[$0]) }
                }
                var c = [Double](repeating: 0, count: B)
                for r in recs { for b in 0..<B { c[b] += r.values[3 + b] } }
                counts.append(c)
                p.append(density(Array(0..<n)))
                let boot = SizeBootstrap(n: n, samples: nRep, key: "fields|\(set.key)|L=\(L)")
                let reps = boot.indices.map(density)
                pRep.append(reps)
                pErr.append((0..<B).map { b in ReduceStatistics.standardDeviation(reps.map { $0[b] }) })
                let s = recs.map { $0.values[0] }
                sq.append(mean(s)); sqErr.append(ReduceStatistics.standardDeviation(s) / Double(n).squareRoot())
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
            let pInfErr = (0..<B).map { b in ReduceStatistics.standardDeviation(pInfRep.map { $0[b] }) }
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
            try out.attr("alpha", set.alpha, on: g)
            try out.attr("state", set.stateName, on: g)
            try out.attr("order", set.variant == 0 ? "greedy" : "sequential", on: g)
            try out.attr("x", fit.exponent, on: g); try out.attr("x_err", xErr, on: g)
            try out.attr("x_largest_L", xL, on: g); try out.attr("x_largest_L_err", xLErr, on: g)
            try out.attr("fit_lo", lo, on: g); try out.attr("fit_hi", hi, on: g)
            try out.attr("fit_points", Double(fit.points), on: g); try out.attr("fit_prefactor", fit.prefactor, on: g)
            try out.attr("extrapolation_order", Double(order), on: g)
            try out.attr("extrapolation_dof", Double(dof), on: g)
            try out.attr("fit_dof", Double(max(0, fit.points - 2)), on: g)
            try out.putInt(g + "/L", Ls.map { Int64($0) })
            try out.putInt(g + "/n_realizations", sizes.map { Int64($0.records.count) })
            try out.put(g + "/bin_edges", edges)
            try out.put(g + "/bin_centers", centers)
            try out.put(g + "/p", p.flatMap { $0 }, [Ls.count, B])
            try out.put(g + "/p_err", pErr.flatMap { $0 }, [Ls.count, B])
            try out.put(g + "/counts", counts.flatMap { $0 }, [Ls.count, B])
            try out.put(g + "/p_inf", pInf)
            try out.put(g + "/p_inf_err", pInfErr)
            try out.put(g + "/phi_sq_mean", sq)
            try out.put(g + "/phi_sq_mean_err", sqErr)
            try out.put(g + "/phi_sq_exact", sqExact)
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
        try out.group("/fields/summary")
        try out.put("/fields/summary/alpha", sumAlpha)
        try out.putInt("/fields/summary/state", sumState)
        try out.put("/fields/summary/x", sumX)
        try out.put("/fields/summary/x_err", sumXErr)
        try out.put("/fields/summary/x_largest_L", sumXL)
        try out.put("/fields/summary/x_largest_L_err", sumXLErr)
        try out.put("/fields/summary/fit_lo", sumLo)
        try out.put("/fields/summary/fit_hi", sumHi)
        try out.put("/fields/summary/stability_bound", sumAlpha.map { 1 / $0 - 1 })
        return report
    }
}

/// S3: mean and spread of the ever-resonant count vs step, the growth
/// exponent (log-log fit over the late steps) and the saturation fraction.
enum AvalancheAnalysis {
    static func run(_ records: [ClassicalRecord], options: ReduceOptions, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        var report = ["S3 avalanche: ever-resonant count N(s) ~ s^g over steps s in [\(fmt(options.growthWindow.lo, 2)), \(fmt(options.growthWindow.hi, 2))] x steps"]
        try out.group("/avalanche")
        var k = 0
        for (set, sizes) in groupBySetAndL(records) {
            for (L, recs) in sizes {
                let g = "/avalanche/set\(k)"; k += 1
                try out.group(g)
                let S = recs[0].values.count - 1, n = recs.count
                var m = [Double](repeating: 0, count: S + 1), sd = m
                for s in 0...S {
                    let col = recs.map { $0.values[s] }
                    m[s] = mean(col); sd[s] = n > 1 ? ReduceStatistics.standardDeviation(col) : 0
                }
                let lo = max(1, Int(options.growthWindow.lo * Double(S))), hi = max(lo, Int(options.growthWindow.hi * Double(S)))
                let steps = (0...S).map(Double.init)
                // Before saturation only: the fit stops where the mean count reaches L/2.
                let cap = (0...S).first { m[$0] >= 0.5 * Double(L) } ?? (S + 1)
                let hiCapped = max(lo, min(hi, cap - 1))
                let window = Double(lo)...Double(hiCapped)
                let fit = ReduceStatistics.powerLawFit(x: steps, y: m, window: window)
                let boot = SizeBootstrap(n: n, samples: options.bootstrapSamples, key: "avalanche|\(set.key)|L=\(L)")
                let reps = boot.indices.map { idx -> Double in
                    var mm = [Double](repeating: 0, count: S + 1)
                    for i in idx { for s in 0...S { mm[s] += recs[i].values[s] } }
                    return ReduceStatistics.powerLawFit(x: steps, y: mm.map { $0 / Double(n) }, window: window).exponent
                }
                let gErr = ReduceStatistics.standardDeviation(reps)
                let gDof = max(0, fit.points - 2)
                if gDof <= 0 {
                    warnings.append("avalanche L \(L) alpha \(set.alpha) hx \(set.hx) \(set.stateName): the growth fit has \(fit.points) step(s) in \(lo)..\(hiCapped) (dof \(gDof)); "
                                    + (fit.points < 2 ? "no exponent" : "the line passes through both points") + " (widen --growth-window or use more steps)")
                }
                let finals = recs.map { $0.values[S] }
                let satMean = mean(finals) / Double(L), satMax = (finals.max() ?? 0) / Double(L)
                let half = recs.filter { $0.values[S] == $0.values[S / 2] }.count
                try out.attr("L", Double(L), on: g); try out.attr("alpha", set.alpha, on: g); try out.attr("hx", set.hx, on: g)
                try out.attr("state", set.stateName, on: g)
                try out.attr("n_realizations", Double(n), on: g)
                try out.attr("growth_exponent", fit.exponent, on: g); try out.attr("growth_exponent_err", gErr, on: g)
                try out.attr("fit_lo", Double(lo), on: g); try out.attr("fit_hi", Double(hiCapped), on: g)
                try out.attr("fit_points", Double(fit.points), on: g); try out.attr("fit_dof", Double(gDof), on: g)
                try out.attr("saturation_fraction", satMean, on: g)
                try out.attr("max_fraction", satMax, on: g)
                try out.attr("saturated_realizations", Double(half) / Double(n), on: g)
                try out.put(g + "/step", steps)
                try out.put(g + "/mean", m)
                try out.put(g + "/std", sd)
                try out.put(g + "/err", sd.map { $0 / Double(n).squareRoot() })
                report.append("  L \(L) alpha \(fmt(set.alpha, 3)) hx \(fmt(set.hx, 3)) \(set.stateName): N(0) = \(fmt(m[0], 2)), N(\(S)) = \(fmt(m[S], 2)) "
                              + "(\(fmt(100 * satMean, 2))% of spins, max \(fmt(100 * satMax, 2))%), growth exponent \(fmt(fit.exponent, 3)) +- \(fmt(gErr, 3)) (steps \(lo)..\(hiCapped)), "
                              + "\(fmt(100 * Double(half) / Double(n), 0))% of \(n) realizations saturated by step \(S / 2)")
            }
        }
        return report
    }
}

/// S4: mean resonance counts vs L and their growth exponents.
enum TwoFlipAnalysis {
    static let names = ["all", "genuine", "all_pt", "genuine_pt", "single"]

    static func run(_ records: [ClassicalRecord], options: ReduceOptions, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        var report = ["S4 two-flip resonances: mean counts N(L) ~ L^e (seed amplitude eq. 6; _pt: plain 2nd-order PT, |A_PT| = |A|/4)"]
        try out.group("/twoflip")
        for (k, (set, sizes)) in groupBySetAndL(records).enumerated() {
            let g = "/twoflip/set\(k)"
            try out.group(g)
            let Ls = sizes.map(\.L)
            try out.attr("alpha", set.alpha, on: g); try out.attr("hx", set.hx, on: g); try out.attr("state", set.stateName, on: g)
            try out.putInt(g + "/L", Ls.map { Int64($0) })
            try out.putInt(g + "/n_realizations", sizes.map { Int64($0.records.count) })
            var line = "  alpha \(fmt(set.alpha, 3)) hx \(fmt(set.hx, 3)) \(set.stateName) L = \(Ls.map(String.init).joined(separator: ",")):"
            let boots = sizes.map { SizeBootstrap(n: $0.records.count, samples: options.bootstrapSamples, key: "twoflip|\(set.key)|L=\($0.L)") }
            var exact: [String] = []
            for (c, name) in names.enumerated() {
                let means = sizes.map { mean($0.records.map { $0.values[c] }) }
                let errs = sizes.map { s in ReduceStatistics.standardDeviation(s.records.map { $0.values[c] }) / Double(s.records.count).squareRoot() }
                try out.put(g + "/\(name)_mean", means)
                try out.put(g + "/\(name)_err", errs.map { $0.isFinite ? $0 : 0 })
                let x = Ls.map(Double.init)
                let fit = ReduceStatistics.powerLawFit(x: x, y: means, window: 1...Double.infinity)
                let reps = (0..<options.bootstrapSamples).map { r -> Double in
                    let m = sizes.indices.map { i in mean(boots[i].indices[r].map { sizes[i].records[$0].values[c] }) }
                    return ReduceStatistics.powerLawFit(x: x, y: m, window: 1...Double.infinity).exponent
                }
                let e = ReduceStatistics.standardDeviation(reps)
                try out.attr("exponent_\(name)", fit.exponent, on: g)
                try out.attr("exponent_\(name)_err", e, on: g)
                try out.attr("exponent_\(name)_dof", Double(max(0, fit.points - 2)), on: g)
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

/// S7: Binder ratios per L from the last doubling stage, the link-overlap
/// equilibration test per stage, and the crossings of consecutive sizes.
enum TemperingAnalysis {
    static func run(_ records: [ClassicalRecord], options: ReduceOptions, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        var report = ["S7 parallel tempering: Binder g = (3 - [<q^4>]/[<q^2>]^2)/2 from the last stage; link test [q_l] vs 1 + 2T[e]/(T_c^MF)^2 at the lowest T"]
        try out.group("/tempering")
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
                let boot = SizeBootstrap(n: n, samples: options.bootstrapSamples, key: "tempering|\(set.key)|L=\(L)")
                func avg(_ idx: [Int], _ field: Int, _ s: Int, _ t: Int) -> Double { idx.reduce(0.0) { $0 + recs[$1].values[at(field, s, t)] } / Double(idx.count) }
                let all = Array(0..<n)
                let tmf2 = mean(recs.map { $0.values[0] })
                func binder(_ idx: [Int], _ s: Int) -> [Double] { (0..<nT).map { t in ParallelTempering.binder(q2: avg(idx, 1, s, t), q4: avg(idx, 2, s, t)) } }
                func link(_ idx: [Int], _ s: Int) -> Double { avg(idx, 4, s, 0) - (1 + 2 * temps[0] * avg(idx, 0, s, 0) / tmf2) }
                let gl = binder(all, last)
                let reps = boot.indices.map { binder($0, last) }
                gAll.append(gl); gReps.append(reps)
                gErrAll.append((0..<nT).map { t in ReduceStatistics.standardDeviation(reps.map { $0[t] }) })
                q2All += (0..<nT).map { avg(all, 1, last, $0) }
                eAll += (0..<nT).map { avg(all, 0, last, $0) }
                qlAll += (0..<nT).map { avg(all, 4, last, $0) }
                qlEAll += (0..<nT).map { 1 + 2 * temps[$0] * avg(all, 0, last, $0) / tmf2 }
                var first: Int64 = -1
                var prevG: [Double] = [], prevErr: [Double] = []
                for s in 0..<S {
                    let d = link(all, s), e = ReduceStatistics.standardDeviation(boot.indices.map { link($0, s) })
                    diff.append(d); diffErr.append(e)
                    let gs = binder(all, s)
                    let gsReps = boot.indices.map { binder($0, s) }
                    let gsErr = (0..<nT).map { t in ReduceStatistics.standardDeviation(gsReps.map { $0[t] }) }
                    let linkOK = abs(d) <= 2 * max(e, 1e-12)
                    var stable = s > 0
                    if stable {
                        for t in 0..<nT {
                            let tol: Double = 2 * (gsErr[t] * gsErr[t] + prevErr[t] * prevErr[t]).squareRoot() + 1e-12
                            if abs(gs[t] - prevG[t]) > tol { stable = false }
                        }
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
                let ex = (0..<(nT - 1)).map { t in mean(recs.map { $0.values[1 + S + 5 * S * nT + last * (nT - 1) + t] }) }
                exMin.append(ex.min() ?? .nan)
            }
            // Crossings of consecutive sizes.
            var c1: [Int64] = [], c2: [Int64] = [], tc: [Double] = [], tcErr: [Double] = [], found: [Int64] = []
            for i in 0..<(Ls.count - 1) {
                let err = (0..<nT).map { t in (gErrAll[i][t] * gErrAll[i][t] + gErrAll[i + 1][t] * gErrAll[i + 1][t]).squareRoot() }
                let x = ReduceStatistics.crossing(x: temps, y1: gAll[i], y2: gAll[i + 1], error: err, transitionFraction: 0.1)
                let reps = (0..<options.bootstrapSamples).map { r in
                    ReduceStatistics.crossing(x: temps, y1: gReps[i][r], y2: gReps[i + 1][r], error: err, transitionFraction: 0.1).x
                }
                c1.append(Int64(Ls[i])); c2.append(Int64(Ls[i + 1])); tc.append(x.x); tcErr.append(ReduceStatistics.standardDeviation(reps))
                found.append(x.x.isFinite ? 1 : 0)
                if !x.x.isFinite { warnings.append("tempering alpha \(set.alpha): Binder curves of L = \(Ls[i]) and \(Ls[i + 1]) do not cross in [\(temps[0]), \(temps[nT - 1])]") }
            }
            if Ls.count < 2 { warnings.append("tempering alpha \(set.alpha): one size only; no crossing") }
            try out.attr("alpha", set.alpha, on: g)
            try out.attr("normalization", set.variant == 1 ? "mean-field" : "none", on: g)
            try out.attr("stages", Double(S), on: g)
            try out.putInt(g + "/L", Ls.map { Int64($0) })
            try out.putInt(g + "/n_samples", sizes.map { Int64($0.records.count) })
            try out.put(g + "/T", temps)
            try out.put(g + "/g", gAll.flatMap { $0 }, [Ls.count, nT])
            try out.put(g + "/g_err", gErrAll.flatMap { $0 }, [Ls.count, nT])
            try out.put(g + "/q2", q2All, [Ls.count, nT])
            try out.put(g + "/energy", eAll, [Ls.count, nT])
            try out.put(g + "/ql", qlAll, [Ls.count, nT])
            try out.put(g + "/ql_energy", qlEAll, [Ls.count, nT])
            try out.put(g + "/stage_sweeps", sweepsOut, [Ls.count, S])
            try out.put(g + "/link_diff", diff, [Ls.count, S])
            try out.put(g + "/link_diff_err", diffErr, [Ls.count, S])
            try out.putInt(g + "/equilibrated", passed)
            try out.putInt(g + "/first_passing_stage", firstPass)
            try out.put(g + "/exchange_acceptance_min", exMin)
            try out.group(g + "/crossings")
            try out.putInt(g + "/crossings/L1", c1)
            try out.putInt(g + "/crossings/L2", c2)
            try out.put(g + "/crossings/Tc", tc)
            try out.put(g + "/crossings/Tc_err", tcErr)
            try out.putInt(g + "/crossings/found", found)
            report.append("  alpha \(fmt(set.alpha, 3)) (\(set.variant == 1 ? "T_c^MF = 1 units" : "raw couplings")): L = \(Ls.map(String.init).joined(separator: ",")), "
                          + "samples \(sizes.map { String($0.records.count) }.joined(separator: "/")), equilibrated \(passed.map(String.init).joined(separator: "/")), "
                          + "min exchange acceptance \(exMin.map { fmt($0, 2) }.joined(separator: "/"))")
            for i in tc.indices {
                report.append("    g crossing L = \(c1[i])/\(c2[i]): T = \(fmt(tc[i], 3)) +- \(fmt(tcErr[i], 3))")
            }
        }
        return report
    }
}
