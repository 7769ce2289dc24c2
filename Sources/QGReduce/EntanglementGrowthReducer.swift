import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// S6c's entry in the registry: per (L, h_x, initial state) the disorder
/// average of S(t) with standard errors, its saturation value (mean over the
/// last decade of the grid) and S_sat / S_Page, and two growth-law fits in the
/// window where 0.1 S_sat <= S(t) <= 0.7 S_sat: S = a + b ln t (weighted
/// line in ln t) and S = c t^beta (weighted line in (ln t, ln S)), each with
/// errors, chi^2 and dof (docs/hdf5-schema.md, "Reduced growth files").
/// Figure: python/qglass_plot_entgrowth.py.
extension EntanglementGrowthStudy: ReducibleStudy {
    static var plotEntry: String { "qglass_plot_entgrowth:plot" }

    static func reduce(world: Communicator, options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        guard world.rank == 0 else { return 0 }
        struct Key: Hashable { var L: Int; var hx: Double; var state: Int8 }
        var traces: [Key: [String: [Double]]] = [:]
        var times: [Double] = [], page: [Int: Double] = [:]
        for path in options.inputs {
            try HDF5File.with(path: path, mode: .readOnly) { f in
                let plan = try CampaignPlan(configText: try f.stringAttribute("config_canonical"))
                guard let study = plan.study as? EntanglementGrowthStudy else { throw ReduceError(message: "\(path): not an entgrowth campaign") }
                if times.isEmpty { times = study.times } else if times != study.times { throw ReduceError(message: "\(path): a different time grid") }
                for L in study.sizes {
                    let b = "/entgrowth/L\(L)"
                    page[L] = try f.numericAttribute("page", as: Double.self, on: b).first
                    let done = try f.openDataset(b + "/done").readAll(as: UInt8.self)
                    let hx = try f.openDataset(b + "/hx").readAll(as: Double.self)
                    let st = try f.openDataset(b + "/state").readAll(as: Int8.self)
                    let real = try f.openDataset(b + "/realization").readAll(as: Int64.self)
                    let S = try f.openDataset(b + "/entropy").readAll(as: Double.self)
                    let nt = times.count
                    for t in done.indices where done[t] == 1 {
                        let k = Key(L: L, hx: hx[t], state: st[t]), id = "\(plan.settings.seed)|\(real[t])"
                        if traces[k]?[id] == nil { traces[k, default: [:]][id] = Array(S[(t * nt)..<((t + 1) * nt)]) }
                    }
                }
            }
        }
        guard !traces.isEmpty else { throw ReduceError(message: "no completed task in the inputs") }
        let keys = traces.keys.sorted { ($0.state, $0.hx, $0.L) < ($1.state, $1.hx, $1.L) }
        let nt = times.count
        let lateStart = times.firstIndex { $0 >= times[nt - 1] / 10 } ?? (nt - 1)
        var mean: [Double] = [], err: [Double] = [], sat: [Double] = [], satErr: [Double] = [], nReal: [Int64] = [], pages: [Double] = []
        var logB: [Double] = [], logBErr: [Double] = [], logChi: [Double] = [], powB: [Double] = [], powBErr: [Double] = [], powChi: [Double] = [], dof: [Double] = []
        for k in keys {
            let rs = traces[k]!.sorted { $0.key < $1.key }.map(\.value)
            let n = Double(rs.count)
            var m = [Double](repeating: 0, count: nt), e = m
            for i in 0..<nt {
                let xs = rs.map { $0[i] }
                m[i] = xs.reduce(0, +) / n
                e[i] = rs.count > 1 ? ReduceStatistics.standardDeviation(xs) / n.squareRoot() : .nan
            }
            mean += m; err += e
            let perReal = rs.map { r in r[lateStart...].reduce(0, +) / Double(nt - lateStart) }
            let s = perReal.reduce(0, +) / n
            sat.append(s); satErr.append(rs.count > 1 ? ReduceStatistics.standardDeviation(perReal) / n.squareRoot() : .nan)
            nReal.append(Int64(rs.count)); pages.append(page[k.L] ?? .nan)
            let win = (0..<nt).filter { m[$0] >= 0.1 * s && m[$0] <= 0.7 * s && times[$0] > 0 }
            let x: [Double] = win.map { Foundation.log(times[$0]) }
            let w: [Double] = win.map { e[$0].isFinite && e[$0] > 0 ? e[$0] : 1e-3 }
            if x.count >= 3 {
                let y1: [Double] = win.map { m[$0] }
                let f1 = ReduceStatistics.linearFit(x: x, y: y1, sigma: w)
                let y2: [Double] = win.map { Foundation.log(m[$0]) }
                let s2: [Double] = win.indices.map { w[$0] / y1[$0] }
                let f2 = ReduceStatistics.linearFit(x: x, y: y2, sigma: s2)
                var c1 = 0.0, c2 = 0.0
                for i in x.indices {
                    c1 += pow((y1[i] - f1.intercept - f1.slope * x[i]) / w[i], 2)
                    c2 += pow((y2[i] - f2.intercept - f2.slope * x[i]) / s2[i], 2)
                }
                logB.append(f1.slope); logBErr.append(f1.slopeError); logChi.append(c1)
                powB.append(f2.slope); powBErr.append(f2.slopeError); powChi.append(c2); dof.append(Double(x.count - 2))
            } else {
                logB.append(.nan); logBErr.append(.nan); logChi.append(.nan); powB.append(.nan); powBErr.append(.nan); powChi.append(.nan)
                dof.append(Double(x.count - 2))
            }
        }
        let P = keys.count
        try writeAtomically(options.output, force: options.force) { f in
            try writeCommonAttributes(f, study: EntanglementGrowthStudy.self, options: options, survey: survey, skipped: 0)
            let out = ReducedWriter(file: f)
            let g = "/entgrowth"
            try out.group(g)
            try out.attr("fit_window", "0.1 S_sat <= <S>(t) <= 0.7 S_sat; S_sat = mean over the last decade of the grid", on: g)
            try out.put(g + "/times", times)
            try out.putInt(g + "/L", keys.map { Int64($0.L) })
            try out.put(g + "/hx", keys.map(\.hx))
            try out.putInt(g + "/state", keys.map { Int64($0.state) })
            try out.putInt(g + "/n_realizations", nReal)
            try out.put(g + "/page", pages)
            try out.put(g + "/S_mean", mean, [P, nt])
            try out.put(g + "/S_err", err, [P, nt])
            try out.put(g + "/S_sat", sat)
            try out.put(g + "/S_sat_err", satErr)
            try out.put(g + "/log_slope", logB)
            try out.put(g + "/log_slope_err", logBErr)
            try out.put(g + "/log_chi2", logChi)
            try out.put(g + "/power_exponent", powB)
            try out.put(g + "/power_exponent_err", powBErr)
            try out.put(g + "/power_chi2", powChi)
            try out.put(g + "/fit_dof", dof)
        }
        var lines = ["entgrowth: half-chain S(t) after a quench; growth fits in 0.1..0.7 S_sat",
                     "    L      hx  state  real.   S_sat            S_sat/Page   S = a + b ln t: b (chi2/dof)     S ~ t^beta: beta (chi2/dof)"]
        for (i, k) in keys.enumerated() {
            lines.append(String(format: "%5d %7.3f %6d %6d   %@ ± %@   %.4f      %.4f ± %.4f (%.1f/%d)      %.4f ± %.4f (%.1f/%d)", k.L, k.hx, Int(k.state), Int(nReal[i]),
                                fmt(sat[i]), fmtErr(satErr[i], samples: Int(nReal[i])), sat[i] / pages[i], logB[i], logBErr[i], logChi[i], Int(dof[i]), powB[i], powBErr[i], powChi[i], Int(dof[i])))
        }
        if let note = fewSamplesNote(nReal.map { Int($0) }) { lines.append(note) }
        log(lines.joined(separator: "\n"))
        log("[reduce] wrote \(options.output)")
        return 0
    }
}
