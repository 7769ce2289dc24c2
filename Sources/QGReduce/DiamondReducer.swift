import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// Reduction of the 2D avalanche study (`diamond`, seed 002 Figs. 4, 5): per
/// (potential, R, W) the sample mean of eta_tot with its standard error, and
/// the avalanche fraction f_aval (a sample avalanches when n_* > N/2) with a
/// bootstrap error; per potential W_1/2, where f_aval of the largest R
/// crosses 1/2 (linear interpolation in W, bootstrap error over samples), and
/// W_th, the smallest W of the grid from which on no sample of the largest R
/// avalanches; eta_tot vs theta_0 of every qp sample at the theta_W values;
/// the maps, copied. Figures: python/qglass_plot_avalanche2d.py.
extension DiamondStudy: PipelineStudy {
    static var plotEntry: String { "qglass_plot_avalanche2d:plot_diamond" }

    struct Sample: Codable { var seed: UInt64; var realization: Int; var eta: Double; var nStar: Double; var theta0: Double; var seconds: Double }
    struct Key: Hashable { var kind: String; var R: Int; var W: Double }
    struct MapRow: Codable { var kind: String; var R: Int; var W: Double; var theta0: Double; var eta: Double
        var n1: [Int64]; var n2: [Int64]; var s: [Double]; var g0: [Double]; var logProduct: Double }

    /// One completed task: a sample of a (potential, R, W) point, or a map
    /// (block /diamond/{kind}/R{R}/maps...). The disorder is the FNV-1a of
    /// the stored angles (theta).
    struct Record: RealizationRecord {
        struct Point: TaskPoint {
            var kind: String, map: Bool, R: Int, W: Double
            var description: String { "\(kind)\(map ? " map" : ""), R \(R), W \(W)" }
        }
        var task: TaskIdentity<Point>
        var sample: Sample
        var map: MapRow?
    }

    /// Local: the completed tasks among the block's rows.
    static func read(_ b: TaskBlock, corrupt: inout [CorruptTask]) throws -> [Record] {
        let p = b.block
        let kind = p.split(separator: "/")[1].description
        let R = Int(try b.attr("R"))
        let tasks = try TaskRows(b)
        let W = try b.column("W", Double.self)
        let eta = try b.column("eta_tot", Double.self)
        let ns = try b.column("n_star", Double.self)
        let secs = try b.column("seconds", Double.self)
        let th = try b.rows("theta", Double.self)
        let isMap = p.hasSuffix("/maps")
        let n = isMap ? b.rowLength("n1") : 0
        let n1: [Int64] = isMap ? try b.column("n1", Int64.self) : [], n2: [Int64] = isMap ? try b.column("n2", Int64.self) : []
        let sSite: [Double] = isMap ? try b.column("s_site", Double.self) : [], g0: [Double] = isMap ? try b.column("g0_site", Double.self) : []
        let lp: [Double] = isMap ? try b.column("log_product", Double.self) : []
        return try tasks.records(corrupt: &corrupt) { i in
            let theta0 = kind == "qp" ? th[i].first ?? .nan : .nan
            guard eta[i].isFinite, ns[i].isFinite else {
                throw CorruptRow(detail: "W \(W[i])", why: "marked done but its eta_tot or n_star is not finite")
            }
            var map: MapRow? = nil
            if isMap {
                let sl = (i * n)..<((i + 1) * n)
                map = MapRow(kind: kind, R: R, W: W[i], theta0: theta0, eta: eta[i], n1: Array(n1[sl]), n2: Array(n2[sl]),
                             s: Array(sSite[sl]), g0: Array(g0[sl]), logProduct: lp[i])
            }
            let task = tasks.task(i, Record.Point(kind: kind, map: isMap, R: R, W: W[i]), disorder: .of(th[i]))
            return Record(task: task, sample: Sample(seed: task.key.seed, realization: task.key.realization, eta: eta[i], nStar: ns[i],
                                                     theta0: theta0, seconds: secs[i]), map: map)
        }
    }

    /// Every input has the same g0, hopping and convention.
    static func checkMerged(_ records: [Record], context: ReductionContext) throws {
        try context.requireSame(DiamondStudy.self, ["g0": { "\($0.g0)" }, "hopping": { "\($0.hopping)" }, "convention": { $0.convention.rawValue }])
    }

    /// Rank 0: the analysis of the merged records, written through `out`.
    static func analyse(_ records: [Record], context: ReductionContext, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        let options = context.options
        guard let study = context.plans.first?.study as? DiamondStudy else { throw ReduceError(message: "not a diamond campaign") }
        let g0 = study.g0, hopping = study.hopping, convention = study.convention.rawValue
        let thetaW = Set(context.plans.compactMap { ($0.study as? DiamondStudy)?.thetaW }.joined())
        var samples: [Key: [Sample]] = [:]
        var maps: [MapRow] = []
        for r in records {
            if let m = r.map {
                if !maps.contains(where: { $0.kind == m.kind && $0.W == m.W && $0.R == m.R }) { maps.append(m) }
            } else {
                samples[Key(kind: r.kind, R: r.R, W: r.W), default: []].append(r.sample)
            }
        }
        guard !samples.isEmpty else { throw ReduceError(message: "no completed task in the inputs") }
        let keys = samples.keys.sorted { ($0.kind, $0.R, $0.W) < ($1.kind, $1.R, $1.W) }
        let kinds = Array(Set(keys.map(\.kind))).sorted()
        var report = ["diamond: eta_tot per sample from the mean field (g0 = \(g0), hopping \(hopping), convention \(convention)); avalanche: n_* > N/2",
                      "  potential    R       W  samples    [eta_tot]/(N ln2)        f_aval   s/sample"]
        try out.file.setAttribute("avalanche_criterion", "n_star > N/2")
        try out.group("/diamond")
        try out.attrs("/diamond", ["g0": g0, "hopping": hopping])
        try out.attr("convention", convention, on: "/diamond")
        for kind in kinds {
            let ks = keys.filter { $0.kind == kind }
            var nS: [Int64] = [], etaM: [Double] = [], etaE: [Double] = [], fA: [Double] = [], fE: [Double] = [], sec: [Double] = []
            var reps: [Key: [Double]] = [:]
            for k in ks {
                let ss = samples[k]!.sorted { ($0.seed, $0.realization) < ($1.seed, $1.realization) }
                let n = Double(DiamondLattice.siteCount(R: k.R))
                let a = ss.map { $0.nStar > n / 2 ? 1.0 : 0.0 }
                let (m, mErr) = ReduceStatistics.meanAndError(ss.map(\.eta))
                let fa = ReduceStatistics.mean(a)
                let idx = ReduceStatistics.bootstrapIndices(n: ss.count, samples: options.bootstrapSamples, key: "diamond|\(kind)|R=\(k.R)|W=\(k.W)")
                let r = idx.map { ix in ix.reduce(0.0) { $0 + a[$1] } / Double(ix.count) }
                reps[k] = r
                nS.append(Int64(ss.count)); etaM.append(m); etaE.append(mErr)
                fA.append(fa); fE.append(ReduceStatistics.standardDeviation(r)); sec.append(ReduceStatistics.mean(ss.map(\.seconds)))
                report.append(String(format: "  %-9@ %4d %7.2f %8d   %@ ± %@   %@ ± %@   %.4g", kind, k.R, k.W, ss.count,
                                     fmt(m / (n * M_LN2)), fmtErr(etaE.last! / (n * M_LN2), samples: ss.count), fmt(fa), fmtErr(fE.last!, samples: ss.count), sec.last!))
            }
            // Thresholds from the largest R.
            let rMax = ks.map(\.R).max()!
            let top = ks.indices.filter { ks[$0].R == rMax }.sorted { ks[$0].W < ks[$1].W }
            func halfCrossing(_ y: [Double]) -> Double { ReduceStatistics.firstCrossing(x: top.map { ks[$0].W }, y: y, level: 0.5) }
            let wHalf = top.count > 1 ? halfCrossing(top.map { fA[$0] }) : .nan
            var wHalfErr = Double.nan
            if top.count > 1 {
                let nb = options.bootstrapSamples
                let bs = (0..<nb).map { b in halfCrossing(top.map { reps[ks[$0]]![b] }) }.filter(\.isFinite)
                if bs.count > 1 { wHalfErr = ReduceStatistics.standardDeviation(bs) }
            }
            var wTh = Double.nan
            for j in top.indices.reversed() { if fA[top[j]] == 0 { wTh = ks[top[j]].W } else { break } }
            let g = "/diamond/\(kind)"
            try out.group(g)
            try out.attrs(g, ["W_half": wHalf, "W_half_err": wHalfErr, "W_th": wTh, "threshold_R": Double(rMax)])
            try out.table(g + "/points", ["R": .ints(ks.map(\.R)), "W": .float(ks.map(\.W)), "n_samples": .int(nS), "eta_mean": .float(etaM),
                                          "eta_err": .float(etaE), "f_aval": .float(fA), "f_aval_err": .float(fE), "seconds_per_sample": .float(sec)])
            report.append(String(format: "  %@: W_1/2 (R = %d) = %@ ± %@; W_th (no avalanche from here on, grid) = %@", kind, rMax, fmt(wHalf, 3), fmt(wHalfErr, 3), fmt(wTh, 3)))
            if kind == "qp" && !thetaW.isEmpty {
                var tR: [Int64] = [], tW: [Double] = [], t0: [Double] = [], te: [Double] = []
                for k in ks where thetaW.contains(k.W) {
                    for s in samples[k]! { tR.append(Int64(k.R)); tW.append(k.W); t0.append(s.theta0); te.append(s.eta) }
                }
                try out.table(g + "/theta", ["R": .int(tR), "W": .float(tW), "theta0": .float(t0), "eta": .float(te)])
            }
            let ms = maps.filter { $0.kind == kind }
            if !ms.isEmpty {
                try out.group(g + "/maps")
                for m in ms {
                    let mg = g + "/maps/\(kind)_R\(m.R)_W\(m.W)"
                    try out.table(mg, ["n1": .int(m.n1), "n2": .int(m.n2), "s_site": .float(m.s), "g0_site": .float(m.g0)])
                    try out.attrs(mg, ["R": Double(m.R), "W": m.W, "theta0": m.theta0, "eta_tot": m.eta, "log_product": m.logProduct])
                }
            }
        }
        if let note = fewSamplesNote(samples.values.map(\.count), what: "samples") { report.append(note) }
        return report
    }
}
