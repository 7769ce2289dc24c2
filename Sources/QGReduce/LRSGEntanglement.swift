import Foundation
import QGHDF5
import QGCampaign
import QGNumerics

/// S6a part of the S1 reduction (issue 12), its second analysis over the
/// same records: when the inputs were run with `entanglement = true`
/// (datasets `hist_sum_entropy`, `entropy`), the mean half-chain entropy S
/// and S / S_Page per (L, alpha, h_x), per eps bin and in the eps window (the
/// same whole bins as the main analysis, `EpsWindow.snap`), with bootstrap
/// errors over realizations, written as `/lrsg/entanglement`
/// (docs/hdf5-schema.md). Records without entropies are left out; with none,
/// nothing is written.
enum LRSGEntanglement {
    /// Rank 0, inside the reduced file's atomic write: the entanglement
    /// group; returns the report lines (none without entropies).
    static func analyse(_ records: [TaskRecord], window: EpsWindow, options: ReduceOptions, out: ReducedWriter) throws -> [String] {
        let grouped = groupedByPoint(records.filter { !$0.entropy.isEmpty }, { $0.key.point },
                                     pointOrder: { ($0.L, $0.alpha, $0.hx) < ($1.L, $1.alpha, $1.hx) })
        guard let bins = grouped.first?.records.first?.bins else { return [] }
        guard grouped.allSatisfy({ $0.records.allSatisfy { $0.bins == bins } }) else { throw ReduceError(message: "entanglement: inputs use different eps_bins") }
        // The main analysis's rule, for these bins (the survey checked that every eps_bins gives the same edges).
        let inWindow = (EpsWindow.snap(lo: options.epsWindow.lo, hi: options.epsWindow.hi, bins: bins) ?? window).range
        let keys = grouped.map(\.point)
        var sMean: [Double] = [], sErr: [Double] = [], wMean: [Double] = [], wErr: [Double] = [], pages: [Double] = [], nReal: [Int64] = []
        for (k, rows) in grouped {
            let idx = ReduceStatistics.bootstrapIndices(n: rows.count, samples: options.bootstrapSamples, key: "lrsg-entropy|L=\(k.L)|alpha=\(k.alpha)|hx=\(k.hx)")
            for b in 0..<bins {
                let s = ReduceStatistics.disorderAverageWithError(num: rows.map { $0.entropy[b] }, den: rows.map { $0.h(0, b) }, resamples: idx, mode: options.average)
                sMean.append(s.value); sErr.append(s.error)
            }
            let w = ReduceStatistics.disorderAverageWithError(num: rows.map { r in inWindow.reduce(0.0) { $0 + r.entropy[$1] } },
                                                              den: rows.map { r in inWindow.reduce(0.0) { $0 + r.h(0, $1) } }, resamples: idx, mode: options.average)
            wMean.append(w.value); wErr.append(w.error)
            pages.append(pageEntropy(halfChainOf: k.L)); nReal.append(Int64(rows.count))
        }
        let P = keys.count
        let g = "/lrsg/entanglement"
        try out.group("/lrsg")
        try out.group(g)
        try out.attr("cut", "half chain: sites 0..L/2-1 | L/2..L-1, sector eigenstates (cat states carry ln 2, docs/quench-entanglement.md)", on: g)
        let pagePerBin = (0..<(P * bins)).map { pages[$0 / bins] }
        try out.table(g, ["L": .ints(keys.map(\.L)), "alpha": .float(keys.map(\.alpha)), "hx": .float(keys.map(\.hx)), "n_realizations": .int(nReal),
                          "page": .float(pages), "eps_edges": .float((0...bins).map { Double($0) / Double(bins) }),
                          "S_mean": .float(sMean, shape: [P, bins]), "S_err": .float(sErr, shape: [P, bins]),
                          "S_over_page": .float(zip(sMean, pagePerBin).map { $0 / $1 }, shape: [P, bins]),
                          "S_over_page_err": .float(zip(sErr, pagePerBin).map { $0 / $1 }, shape: [P, bins]),
                          "window_S_mean": .float(wMean), "window_S_err": .float(wErr), "window_S_over_page": .float(zip(wMean, pages).map { $0 / $1 }),
                          "window_S_over_page_err": .float(zip(wErr, pages).map { $0 / $1 })])
        let w = EpsWindow(firstBin: inWindow.lowerBound, lastBin: inWindow.upperBound, bins: bins)
        var lines = ["eigenstate entanglement (half chain), eps window [\(w.lo), \(w.hi)) (\(inWindow.count) of \(bins) bins):",
                     "    L    alpha       hx  real.        <S>             S/S_Page      S_Page"]
        for (i, k) in keys.enumerated() {
            lines.append(String(format: "%5d %8.4f %8.4f %6d   %@ ± %@   %@ ± %@   %.4f", k.L, k.alpha, k.hx, Int(nReal[i]),
                                fmt(wMean[i]), fmtErr(wErr[i], samples: Int(nReal[i])), fmt(wMean[i] / pages[i]),
                                fmtErr(wErr[i] / pages[i], samples: Int(nReal[i])), pages[i]))
        }
        if let note = fewSamplesNote(nReal.map { Int($0) }) { lines.append(note) }
        return lines
    }
}
