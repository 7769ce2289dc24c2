import Foundation
import QGHDF5
import QGCampaign

/// S6a part of the S1 reduction (issue 12): when the inputs were run with
/// `entanglement = true` (datasets `hist_sum_entropy`, `entropy`), the mean
/// half-chain entropy S and S / S_Page per (L, alpha, h_x), per eps bin and
/// in the eps window, with bootstrap errors over realizations, appended to the
/// reduced file as `/lrsg/entanglement` (docs/hdf5-schema.md). Inputs without
/// entropies leave the reduced file unchanged.
enum LRSGEntanglement {
    struct Key: Hashable { var L: Int; var alpha: Double; var hx: Double }
    struct Row { var seed: UInt64; var realization: Int; var count: [Double]; var sum: [Double] }

    /// Page value of a Haar-random state of a dimA x dimB system (as `pageEntropy` in QGED).
    static func page(L: Int) -> Double {
        let m = 1 << (L / 2), n = 1 << (L - L / 2)
        var s = 0.0
        if m * n > n { for k in (n + 1)...(m * n) { s += 1 / Double(k) } }
        return s - Double(m - 1) / Double(2 * n)
    }

    /// Rank 0, after the reduced file is written: appends the entanglement group.
    static func append(options: ReduceOptions, log: (String) -> Void) throws {
        var groups: [Key: [String: Row]] = [:]
        var bins = 0
        for path in options.inputs {
            try HDF5File.with(path: path, mode: .readOnly) { f in
                let plan = try CampaignPlan(configText: try f.stringAttribute("config_canonical"))
                guard let study = plan.study as? LRSGStudy, study.entanglement else { return }
                for L in study.sizes {
                    let b = "/lrsg/L\(L)"
                    guard f.exists(b + "/hist_sum_entropy") else { continue }
                    let done = try f.openDataset(b + "/done").readAll(as: UInt8.self)
                    let alpha = try f.openDataset(b + "/alpha").readAll(as: Double.self)
                    let hx = try f.openDataset(b + "/hx").readAll(as: Double.self)
                    let real = try f.openDataset(b + "/realization").readAll(as: Int64.self)
                    let cnt = try f.openDataset(b + "/hist_count").readAll(as: Double.self)
                    let sum = try f.openDataset(b + "/hist_sum_entropy").readAll(as: Double.self)
                    let nb = study.epsBins
                    guard bins == 0 || bins == nb else { throw ReduceError(message: "entanglement: inputs use different eps_bins") }
                    bins = nb
                    for t in done.indices where done[t] == 1 {
                        let k = Key(L: L, alpha: alpha[t], hx: hx[t])
                        let id = "\(plan.settings.seed)|\(real[t])"
                        if groups[k]?[id] != nil { continue }
                        groups[k, default: [:]][id] = Row(seed: plan.settings.seed, realization: Int(real[t]),
                                                         count: Array(cnt[(t * nb)..<((t + 1) * nb)]), sum: Array(sum[(t * nb)..<((t + 1) * nb)]))
                    }
                }
            }
        }
        guard !groups.isEmpty else { return }
        let keys = groups.keys.sorted { ($0.L, $0.alpha, $0.hx) < ($1.L, $1.alpha, $1.hx) }
        let inWindow = (0..<bins).filter { Double($0) / Double(bins) >= options.epsWindow.lo - 1e-12 && Double($0 + 1) / Double(bins) <= options.epsWindow.hi + 1e-12 }
        var sMean: [Double] = [], sErr: [Double] = [], wMean: [Double] = [], wErr: [Double] = [], pages: [Double] = [], nReal: [Int64] = []
        for k in keys {
            let rows = groups[k]!.values.sorted { ($0.seed, $0.realization) < ($1.seed, $1.realization) }
            let idx = ReduceStatistics.bootstrapIndices(n: rows.count, samples: options.bootstrapSamples, key: "lrsg-entropy|L=\(k.L)|alpha=\(k.alpha)|hx=\(k.hx)")
            for b in 0..<bins {
                let s = ReduceStatistics.disorderAverageWithError(num: rows.map { $0.sum[b] }, den: rows.map { $0.count[b] }, resamples: idx, mode: options.average)
                sMean.append(s.value); sErr.append(s.error)
            }
            let w = ReduceStatistics.disorderAverageWithError(num: rows.map { r in inWindow.reduce(0.0) { $0 + r.sum[$1] } },
                                                              den: rows.map { r in inWindow.reduce(0.0) { $0 + r.count[$1] } }, resamples: idx, mode: options.average)
            wMean.append(w.value); wErr.append(w.error)
            pages.append(page(L: k.L)); nReal.append(Int64(rows.count))
        }
        let P = keys.count
        try HDF5File.with(path: options.output, mode: .readWrite) { f in
            let out = ReducedWriter(file: f)
            let g = "/lrsg/entanglement"
            try out.group("/lrsg")
            try out.group(g)
            try out.attr("cut", "half chain: sites 0..L/2-1 | L/2..L-1, sector eigenstates (cat states carry ln 2, docs/quench-entanglement.md)", on: g)
            try out.putInt(g + "/L", keys.map { Int64($0.L) })
            try out.put(g + "/alpha", keys.map(\.alpha))
            try out.put(g + "/hx", keys.map(\.hx))
            try out.putInt(g + "/n_realizations", nReal)
            try out.put(g + "/page", pages)
            try out.put(g + "/eps_edges", (0...bins).map { Double($0) / Double(bins) })
            try out.put(g + "/S_mean", sMean, [P, bins])
            try out.put(g + "/S_err", sErr, [P, bins])
            try out.put(g + "/S_over_page", zip(sMean, (0..<(P * bins)).map { pages[$0 / bins] }).map { $0 / $1 }, [P, bins])
            try out.put(g + "/S_over_page_err", zip(sErr, (0..<(P * bins)).map { pages[$0 / bins] }).map { $0 / $1 }, [P, bins])
            try out.put(g + "/window_S_mean", wMean)
            try out.put(g + "/window_S_err", wErr)
            try out.put(g + "/window_S_over_page", zip(wMean, pages).map { $0 / $1 })
            try out.put(g + "/window_S_over_page_err", zip(wErr, pages).map { $0 / $1 })
        }
        var lines = ["eigenstate entanglement (half chain), eps window [\(options.epsWindow.lo), \(options.epsWindow.hi)):",
                     "    L    alpha       hx  real.        <S>             S/S_Page      S_Page"]
        for (i, k) in keys.enumerated() {
            lines.append(String(format: "%5d %8.4f %8.4f %6d   %@ ± %@   %@ ± %@   %.4f", k.L, k.alpha, k.hx, Int(nReal[i]),
                                fmt(wMean[i]), fmtErr(wErr[i], samples: Int(nReal[i])), fmt(wMean[i] / pages[i]),
                                fmtErr(wErr[i] / pages[i], samples: Int(nReal[i])), pages[i]))
        }
        if let note = fewSamplesNote(nReal.map { Int($0) }) { lines.append(note) }
        log(lines.joined(separator: "\n"))
    }
}
