import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// S1's entry in the registry: its records' reader, its merge and eps-window
/// check and its figures (python/qglass_plot_lrsg.py).
extension LRSGStudy: PipelineStudy {
    static var plotEntry: String { "qglass_plot_lrsg:plot" }

    /// Local: the completed tasks among the block's rows, with corruption checks per task.
    static func read(_ b: TaskBlock, corrupt: inout [CorruptTask]) throws -> [TaskRecord] {
        guard let study = b.plan.study as? LRSGStudy else { throw ReduceError(message: "not an lrsg campaign") }
        let bins = study.epsBins
        let tasks = try TaskRows(b)
        let alpha = try b.column("alpha", Double.self)
        let hx = try b.column("hx", Double.self)
        let J = try b.rows("J", Double.self)
        let hist = try EpsHistogram(bins: bins).columns.map { try b.column($0.name, Double.self) }
        let entropy = b.declares("hist_sum_entropy") ? try b.rows("hist_sum_entropy", Double.self) : nil
        guard let L = Int(b.block.split(separator: "L").last ?? "") else { throw ReduceError(message: "not an /lrsg/L block") }
        return try tasks.records(corrupt: &corrupt) { i in
            let h = hist.flatMap { $0[(i * bins)..<((i + 1) * bins)] }
            let states = (0..<bins).reduce(0.0) { $0 + h[$1] }
            let e = entropy.map { Array($0[i]) } ?? []
            // Dense rows hold every eigenstate; mid-spectrum rows (issue 15)
            // the 2 k nearest the target, all in the bins around it.
            let expected = study.statesPerTask(L)
            if !h.allSatisfy(\.isFinite) || !e.allSatisfy(\.isFinite) || states != Double(expected) {
                throw CorruptRow(detail: "alpha \(alpha[i]), hx \(hx[i])", why: "marked done but its histograms are corrupt (\(states) of \(expected) states)")
            }
            return TaskRecord(task: tasks.task(i, TaskRecord.Point(L: L, alpha: alpha[i], hx: hx[i]), disorder: .of(J[i])),
                              boundary: study.boundary == .periodic ? 0 : 1, bins: bins, hist: h, entropy: e)
        }
    }

    /// Every input agrees on each point's boundary and eps_bins.
    static func checkMerged(_ records: [TaskRecord], context: ReductionContext) throws {
        func config(_ r: TaskRecord) -> String { "boundary \(r.boundary == 0 ? "periodic" : "open"), eps_bins \(r.bins)" }
        try context.requireShared(records, by: \.key.point, config) { f, r in
            "mismatched configs for point \(f.key.point): \(context.input(of: f)) has \(config(f)); \(context.input(of: r)) has \(config(r))"
        }
    }

    /// Two analyses of the same records: the S1 averages and finite-size
    /// analysis (`Analysis`), then the S6a eigenstate entanglement
    /// (`LRSGEntanglement`, only where the inputs hold entropies) with the
    /// same eps window.
    static func analyse(_ records: [TaskRecord], context: ReductionContext, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        let analysis = try Analysis(records: records, options: context.options, warnings: warnings)
        try analysis.write(out)
        warnings = analysis.warnings
        return analysis.report() + (try LRSGEntanglement.analyse(records, window: analysis.window, options: context.options, out: out))
    }

    /// The eps window in whole bins, the same edges for every input's eps_bins.
    static func checkOptions(_ options: ReduceOptions, plans: [CampaignPlan]) -> [String] {
        let lo = options.epsWindow.lo, hi = options.epsWindow.hi
        var used: [Int: EpsWindow] = [:]
        for b in Set(plans.compactMap { ($0.study as? LRSGStudy)?.epsBins }).sorted() {
            guard let w = EpsWindow.snap(lo: lo, hi: hi, bins: b) else {
                return ["--eps-window \(lo),\(hi) holds no whole eps bin: the \(b) bins have width \(1 / Double(b)) "
                        + "and a bin is used when its centre lies in [lo, hi); widen the window"]
            }
            used[b] = w
        }
        let edges = Set(used.values.map { "\($0.lo),\($0.hi)" })
        if edges.count > 1 {
            return ["--eps-window \(lo),\(hi) snaps to different edges for the inputs' eps_bins "
                    + used.keys.sorted().map { "\($0): [\(used[$0]!.lo), \(used[$0]!.hi))" }.joined(separator: ", ")
                    + "; choose a window on edges common to all of them"]
        }
        if let w = used.values.first, w.snapped(lo: lo, hi: hi) {
            warnLoudly("--eps-window \(lo),\(hi) is not on bin edges: the analysis uses whole bins, "
                       + "eps in [\(w.lo), \(w.hi)) (\(w.range.count) of \(w.bins) bins); recorded as eps_window")
        }
        return []
    }
}

/// The eps window that the S1 analysis uses: whole histogram bins whose
/// centre lies in the requested [lo, hi).
struct EpsWindow: Equatable {
    var firstBin: Int
    var lastBin: Int        // inclusive
    var bins: Int
    var lo: Double { Double(firstBin) / Double(bins) }
    var hi: Double { Double(lastBin + 1) / Double(bins) }
    var range: ClosedRange<Int> { firstBin...lastBin }

    /// nil when no bin centre lies in [lo, hi).
    static func snap(lo: Double, hi: Double, bins: Int) -> EpsWindow? {
        let inside = (0..<bins).filter { let c = (Double($0) + 0.5) / Double(bins); return c >= lo && c < hi }
        guard let a = inside.first, let b = inside.last else { return nil }
        return EpsWindow(firstBin: a, lastBin: b, bins: bins)
    }

    /// True when the used edges differ from the requested ones.
    func snapped(lo rlo: Double, hi rhi: Double) -> Bool { abs(lo - rlo) > 1e-12 || abs(hi - rhi) > 1e-12 }
}

/// One completed task of an S1 campaign file, as the reducer sees it. The
/// disorder is the FNV-1a of the J row's bytes.
struct TaskRecord: RealizationRecord {
    struct Point: TaskPoint {
        var L: Int, alpha: Double, hx: Double
        var description: String { "L=\(L) alpha=\(alpha) hx=\(hx)" }
    }
    var task: TaskIdentity<Point>
    var boundary: Int          // 0 periodic, 1 open
    var bins: Int
    /// 9 x bins, in `EpsHistogram.columns` order.
    var hist: [Double]
    /// `hist_sum_entropy` (bins values) of an entanglement campaign, else empty.
    var entropy: [Double]

    func h(_ k: Int, _ b: Int) -> Double { hist[k * bins + b] }
}
