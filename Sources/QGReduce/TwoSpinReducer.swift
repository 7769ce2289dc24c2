import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// S6b's entry in the registry: per (L, alpha, state, h_x) the disorder mean
/// of the two-spin entropy sum across the half-chain cut with bootstrap
/// errors, and per (alpha, state, h_x) the exponent b of S ~ a L^b from a
/// weighted least-squares line in (ln L, ln S) (b = 0: area law, b = 1:
/// volume law), with its error, chi^2 and degrees of freedom
/// (docs/hdf5-schema.md, "Reduced two-spin files"). Figure:
/// python/qglass_plot_twospin.py.
extension TwoSpinStudy: PipelineStudy {
    static var plotEntry: String { "qglass_plot_twospin:plot" }

    /// One completed task: its entropy sums at every h_x of the study. The
    /// disorder is the stored disorder stream.
    struct Record: RealizationRecord {
        struct Point: TaskPoint { var L: Int, alpha: Double, state: Int8 }
        var task: TaskIdentity<Point>
        var hx: [Double], entropySum: [Double]
    }

    static func read(_ b: TaskBlock, corrupt: inout [CorruptTask]) throws -> [Record] {
        guard let L = Int(b.block.split(separator: "L").last ?? "") else { throw ReduceError(message: "not a /twospin/L block") }
        let tasks = try TaskRows(b)
        let alpha = try b.column("alpha", Double.self)
        let state = try b.column("state", Int8.self)
        let hx = try b.rows("hx", Double.self), s = try b.rows("entropy_sum", Double.self)
        return try tasks.records(corrupt: &corrupt) { t in
            let e = Array(s[t])
            guard e.allSatisfy({ $0.isFinite && $0 >= -1e-12 }) else {
                throw CorruptRow(detail: "alpha \(alpha[t])", why: "marked done but its entropy sums are not finite and non-negative")
            }
            return Record(task: tasks.task(t, Record.Point(L: L, alpha: alpha[t], state: state[t])), hx: Array(hx[t]), entropySum: e)
        }
    }

    static func analyse(_ records: [Record], context: ReductionContext, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        struct Key: Hashable { var L: Int; var alpha: Double; var state: Int8; var hx: Double }
        // One value per record and h_x; realizations in the order of their text "seed|realization".
        let values = records.flatMap { r in r.hx.indices.map { (Key(L: r.L, alpha: r.alpha, state: r.state, hx: r.hx[$0]), "\(r.seed)|\(r.realization)", r.entropySum[$0]) } }
        let grouped = groupedByPoint(values, { $0.0 }, pointOrder: { ($0.alpha, $0.state, $0.hx, $0.L) < ($1.alpha, $1.state, $1.hx, $1.L) }, recordOrder: { $0.1 < $1.1 })
        guard !grouped.isEmpty else { throw ReduceError(message: "no completed task in the inputs") }
        let keys = grouped.map(\.point)
        var mean: [Double] = [], err: [Double] = [], nReal: [Int64] = []
        for (k, group) in grouped {
            let xs = group.map(\.2)
            let idx = ReduceStatistics.bootstrapIndices(n: xs.count, samples: context.options.bootstrapSamples, key: "twospin|\(k.L)|\(k.alpha)|\(k.state)|\(k.hx)")
            let s = ReduceStatistics.disorderAverageWithError(num: xs, den: [Double](repeating: 1, count: xs.count), resamples: idx, mode: .perRealization)
            mean.append(s.value); err.append(xs.count > 1 ? s.error : .nan); nReal.append(Int64(xs.count))
        }
        struct Curve: Hashable { var alpha: Double; var state: Int8; var hx: Double }
        let curves = Array(Set(keys.map { Curve(alpha: $0.alpha, state: $0.state, hx: $0.hx) })).sorted { ($0.alpha, $0.state, $0.hx) < ($1.alpha, $1.state, $1.hx) }
        let fits = curves.map { c in
            let sel = keys.indices.filter { keys[$0].alpha == c.alpha && keys[$0].state == c.state && keys[$0].hx == c.hx && mean[$0] > 0 }
            // Weighted by the errors of ln S when all are finite and positive; NaN below two sizes.
            return ReduceStatistics.powerLawLineFit(x: sel.map { Double(keys[$0].L) }, y: sel.map { mean[$0] }, sigma: sel.map { err[$0] })
        }
        try out.file.setAttribute("maximum_pair_entropy", TwoSpinEntanglement.maximumEntropy)
        try out.group("/twospin")
        try out.table("/twospin/points", ["L": .ints(keys.map(\.L)), "alpha": .float(keys.map(\.alpha)), "state": .ints(keys.map(\.state)),
                                          "hx": .float(keys.map(\.hx)), "n_realizations": .int(nReal), "S_mean": .float(mean), "S_err": .float(err)])
        try out.table("/twospin/fit", ["alpha": .float(curves.map(\.alpha)), "state": .ints(curves.map(\.state)), "hx": .float(curves.map(\.hx)),
                                       "exponent": .float(fits.map(\.slope)), "exponent_err": .float(fits.map(\.slopeError)),
                                       "prefactor": .float(fits.map { exp($0.intercept) }), "chi2": .float(fits.map(\.chi2)), "dof": .float(fits.map { Double($0.dof) })])
        try out.attr("form", "ln S = ln a + b ln L, least squares weighted by the bootstrap errors of ln S", on: "/twospin/fit")
        var lines = ["twospin: sum of two-spin entropies across the half-chain cut (max per pair ln 2); fit S = a L^b",
                     "    L    alpha  state      hx  real.        <S_sum>"]
        for (i, k) in keys.enumerated() {
            lines.append(String(format: "%5d %8.4f %6d %7.4f %6d   %.5g ± %@", k.L, k.alpha, Int(k.state), k.hx, Int(nReal[i]), mean[i],
                                Int(nReal[i]) < minimumSamplesForError ? "–" : String(format: "%.2g", err[i])))
        }
        if let note = fewSamplesNote(nReal.map { Int($0) }) { lines.append(note) }
        for (c, f) in zip(curves, fits) {
            lines.append(String(format: "alpha %.3g state %d hx %.3g: b = %.4f ± %.4f (chi2 %.2f, dof %d)", c.alpha, Int(c.state), c.hx, f.slope, f.slopeError, f.chi2, f.dof))
        }
        return lines
    }
}
