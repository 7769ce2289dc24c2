import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// The random-field chains' entry in the registry (studies `xxz` and
/// `heisenberg_o3`, one generic conformance) on the reduction pipeline: per
/// (L, W) the disorder average of the gap ratio <r> and of m_EA over the
/// eigenstates in the eps window, with bootstrap errors over realizations, and
/// the random-matrix reference values (docs/hdf5-schema.md, "Reduced chain
/// files"); campaigns run with `matrix_elements = true` add the S10b analysis
/// (ChainMatrixElementReducer.swift). Figures: python/qglass_plot_chains.py.
extension RandomFieldChainStudy: PipelineStudy {
    typealias Record = ChainRecord
    static var plotEntry: String { "qglass_plot_chains:plot" }

    /// Doubles read per dataset and piece of rows (bounds the memory for large D).
    static var chunkDoubles: Int { 1 << 21 }

    /// Local: the completed tasks of the rows, reduced to their eps-window
    /// sums, read in pieces of at most `chunkDoubles` per dataset; a task
    /// marked done whose eps are not a sorted list in [0, 1] or whose m_EA are
    /// not finite is corrupt.
    static func read(_ b: TaskBlock, corrupt: inout [CorruptTask]) throws -> [ChainRecord] {
        guard let study = b.plan.study as? Self else { throw ReduceError(message: "not a \(name) campaign") }
        let window = b.options.epsWindow
        let D = b.rowLength("eps"), DL = b.rowLength(Model.disorderName)
        guard let L = Int(exactly: try b.attr("L")), L >= 2, D >= 1, b.rowLength("r") == D, b.rowLength("m_ea") == D else {
            throw ReduceError(message: "inconsistent dataset shapes")
        }
        let layout = "dimension=\(D)|delta=\(study.delta)|sz=\(study.sz.map(String.init) ?? "default")"
        var out: [ChainRecord] = []
        for piece in b.pieces(ofAtMost: max(1, chunkDoubles / max(D, DL))) {
            let tasks = try TaskRows(piece), W = try piece.column("W", Double.self)
            let e = try piece.rows("eps", Double.self), rr = try piece.rows("r", Double.self), mm = try piece.rows("m_ea", Double.self)
            let dd = try piece.rows(Model.disorderName, Double.self)
            let meRows = try ChainMEReduction.read(piece, dimension: D, eps: e.values, window: window)
            out += try tasks.records(corrupt: &corrupt) { i in
                let es = e[i], ms = mm[i], rs = rr[i]
                guard es.allSatisfy({ $0.isFinite && $0 >= -1e-12 && $0 <= 1 + 1e-12 }), zip(es, es.dropFirst()).allSatisfy({ $0 <= $1 }),
                      ms.allSatisfy(\.isFinite), W[i].isFinite else {
                    throw CorruptRow(detail: "W \(W[i])", why: "marked done but its eps are not sorted in [0, 1] or its m_ea are not finite")
                }
                var states = 0.0, statesR = 0.0, sumR = 0.0, sumM = 0.0
                for k in 0..<D {
                    let x = es[es.startIndex + k]
                    guard x >= window.lo && x < window.hi else { continue }
                    states += 1
                    sumM += ms[ms.startIndex + k]
                    let y = rs[rs.startIndex + k]
                    if y.isFinite { statesR += 1; sumR += y }
                }
                return ChainRecord(task: tasks.task(i, ChainPoint(L: L, W: W[i]), disorder: .of(dd[i])), layout: layout + (meRows.map { "|" + $0[i].layout } ?? ""),
                                   dimension: D, states: states, statesR: statesR, sumR: sumR, sumM: sumM, me: meRows?[i])
            }
        }
        return out
    }

    /// Every input must agree on a size's settings (dimension, delta, sector, S10b bins).
    static func checkMerged(_ records: [ChainRecord], context: ReductionContext) throws {
        try context.requireShared(records, by: \.key.L, \.layout) { f, r in
            "mismatched configs for L = \(r.key.L): \(context.input(of: f)) has \(f.layout); \(context.input(of: r)) has \(r.layout)"
        }
        try ChainMEReduction.check(records, study: name)
    }

    /// Two analyses of the same records: <r> and m_EA per (L, W), then the
    /// S10b matrix elements (ChainMatrixElementReducer.swift).
    static func analyse(_ merged: [ChainRecord], context: ReductionContext, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        let options = context.options
        let delta = (context.plans.first?.study as? Self)?.delta ?? .nan
        // Per (L, W): realizations in a fixed order, so that the numbers do not
        // depend on how the inputs were split.
        let grouped = groupedByPoint(merged, { $0.key.point }, pointOrder: { ($0.L, $0.W) < ($1.L, $1.W) })
        let points = grouped.map(\.point), groups = grouped.map(\.records)
        var nReal: [Int64] = [], dims: [Int64] = [], states: [Double] = [], rStat: [Estimate] = [], mStat: [Estimate] = []
        for (p, rs) in zip(points, groups) {
            let idx = ReduceStatistics.bootstrapIndices(n: rs.count, samples: options.bootstrapSamples, key: "\(name)|L=\(p.L)|W=\(p.W)")
            let r = ReduceStatistics.disorderAverageWithError(num: rs.map(\.sumR), den: rs.map(\.statesR), resamples: idx, mode: options.average)
            let m = ReduceStatistics.disorderAverageWithError(num: rs.map(\.sumM), den: rs.map(\.states), resamples: idx, mode: options.average)
            nReal.append(Int64(rs.count)); dims.append(Int64(rs[0].dimension)); states.append(rs.map(\.states).reduce(0, +))
            rStat.append(Estimate(value: r.value, error: r.error)); mStat.append(Estimate(value: m.value, error: m.error))
            if states.last == 0 { warnings.append("L \(p.L) W \(p.W): no eigenstate in the eps window [\(options.epsWindow.lo), \(options.epsWindow.hi)); <r> and <m_EA> are NaN") }
        }
        // The model's random-matrix ensemble and its <r>: GUE for complex Hermitian, else GOE.
        let (ensemble, ergodic) = Model.Hamiltonian.Element.isComplex ? ("GUE", EigenstateObservables.gueR) : ("GOE", EigenstateObservables.goeR)
        try out.epsAveraging(window: options.epsWindow.lo, options.epsWindow.hi, average: options.average)
        try out.attrs("/", ["r_poisson": EigenstateObservables.poissonR, "r_goe": EigenstateObservables.goeR, "r_gue": EigenstateObservables.gueR])
        try out.attr("r_ensemble", ensemble, on: "/")
        try out.attr("r_ergodic", ergodic, on: "/")
        let g = "/\(name)"
        try out.group(g)
        try out.attr("delta", delta, on: g)
        try out.table(g + "/points", ["L": .ints(points.map(\.L)), "W": .float(points.map(\.W)), "n_realizations": .int(nReal), "dimension": .int(dims)])
        try out.table(g + "/window", ["n_states": .float(states), "r_mean": .float(rStat.map(\.value)), "r_err": .float(rStat.map(\.error)),
                                      "m_ea_mean": .float(mStat.map(\.value)), "m_ea_err": .float(mStat.map(\.error))])

        var report = ["\(name): eps window [\(options.epsWindow.lo), \(options.epsWindow.hi)), \(options.average.phrase) (bootstrap errors over realizations); "
                      + "<r>: Poisson \(fmt(EigenstateObservables.poissonR)), \(ensemble) \(fmt(ergodic))",
                      "    L        W  real.          <r>                <m_EA>"]
        for (i, p) in points.enumerated() {
            report.append(String(format: "%5d %8.4f %6d   %@ ± %@   %@ ± %@", p.L, p.W, Int(nReal[i]),
                                 fmt(rStat[i].value), fmtErr(rStat[i].error, samples: Int(nReal[i])), fmt(mStat[i].value), fmtErr(mStat[i].error, samples: Int(nReal[i]))))
        }
        if let note = fewSamplesNote(nReal.map { Int($0) }) { report.append(note) }
        return report + (try ChainMEReduction.analyse(groups, study: name, points: points, rMean: rStat.map(\.value), rErr: rStat.map(\.error),
                                                      options: options, out: out, warnings: &warnings))
    }
}

extension TaskBlock {
    /// The same rows in consecutive pieces of at most `n` rows (for rows too
    /// wide to read 2048 at a time).
    func pieces(ofAtMost n: Int) -> [TaskBlock] {
        stride(from: rows.lowerBound, to: rows.upperBound, by: max(1, n)).map {
            TaskBlock(file: file, fileIndex: fileIndex, path: path, block: block, rows: $0..<min($0 + max(1, n), rows.upperBound), plan: plan, options: options,
                      declaration: declaration)
        }
    }
}

/// One completed task of a chain campaign, reduced to its eps-window sums.
/// Its disorder is the FNV-1a of the stored disorder's bytes.
struct ChainRecord: RealizationRecord {
    var task: TaskIdentity<ChainPoint>
    /// Settings every task of a size must share (dimension, delta, sector, S10b bins).
    var layout: String
    var dimension: Int
    /// Eigenstates with eps in the window; those with a finite r; Σ r; Σ m_EA.
    var states: Double
    var statesR: Double
    var sumR: Double
    var sumM: Double
    /// S10b matrix-element sums (campaigns run with matrix_elements = true).
    var me: ChainMERecord? = nil
}

/// A point of a chain study's reduced file (the key of its records).
struct ChainPoint: TaskPoint { var L: Int, W: Double }
