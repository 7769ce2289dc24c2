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
extension DiamondStudy: ReducibleStudy {
    static var plotEntry: String { "qglass_plot_avalanche2d:plot_diamond" }

    static func reduce(world: Communicator, options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        guard world.rank == 0 else { return 0 }
        return try DiamondReducer.run(options: options, survey: survey, log: log)
    }
}

enum DiamondReducer {
    struct Sample { var seed: UInt64; var realization: Int; var eta: Double; var nStar: Double; var theta0: Double; var seconds: Double }
    struct Key: Hashable { var kind: String; var R: Int; var W: Double }
    struct MapRow { var kind: String; var R: Int; var W: Double; var theta0: Double; var eta: Double
        var n1: [Int64]; var n2: [Int64]; var s: [Double]; var g0: [Double]; var logProduct: Double }

    static func run(options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        var samples: [Key: [Sample]] = [:]
        var seen = Set<String>()
        var maps: [MapRow] = []
        var thetaW = Set<Double>()
        var g0 = Double.nan
        var hopping = Double.nan
        var convention = ""
        for path in options.inputs {
            try HDF5File.with(path: path, mode: .readOnly) { f in
                let plan = try CampaignPlan(configText: try f.stringAttribute("config_canonical"))
                guard let study = plan.study as? DiamondStudy else { throw ReduceError(message: "\(path): not a diamond campaign") }
                if g0.isNaN { g0 = study.g0 }
                guard g0 == study.g0 else { throw ReduceError(message: "mismatched configs: \(path) has g0 = \(study.g0), another input \(g0)") }
                if hopping.isNaN { hopping = study.hopping }
                guard hopping == study.hopping else { throw ReduceError(message: "mismatched configs: \(path) has hopping = \(study.hopping), another input \(hopping)") }
                if convention.isEmpty { convention = study.convention.rawValue }
                guard convention == study.convention.rawValue else { throw ReduceError(message: "mismatched configs: \(path) has convention \(study.convention.rawValue), another input \(convention)") }
                thetaW.formUnion(study.thetaW)
                for b in study.blocks {
                    let p = b.path
                    guard f.exists(p + "/done") else { continue }
                    let kind = p.split(separator: "/")[1].description
                    let R = Int(try f.numericAttribute("R", as: Double.self, on: p).first ?? -1)
                    let done = try f.openDataset(p + "/done").readAll(as: UInt8.self)
                    let W = try f.openDataset(p + "/W").readAll(as: Double.self)
                    let eta = try f.openDataset(p + "/eta_tot").readAll(as: Double.self)
                    let ns = try f.openDataset(p + "/n_star").readAll(as: Double.self)
                    let real = try f.openDataset(p + "/realization").readAll(as: Int64.self)
                    let secs = try f.openDataset(p + "/seconds").readAll(as: Double.self)
                    let thD = try f.openDataset(p + "/theta")
                    if p.hasSuffix("/maps") {
                        let n = thD.rowLength == 1 ? DiamondLattice.siteCount(R: R) : thD.rowLength
                        let n1 = try f.openDataset(p + "/n1").readAll(as: Int64.self), n2 = try f.openDataset(p + "/n2").readAll(as: Int64.self)
                        let s = try f.openDataset(p + "/s_site").readAll(as: Double.self), g = try f.openDataset(p + "/g0_site").readAll(as: Double.self)
                        let lp = try f.openDataset(p + "/log_product").readAll(as: Double.self)
                        let th = try thD.readAll(as: Double.self)
                        for i in done.indices where done[i] == 1 && !maps.contains(where: { $0.kind == kind && $0.W == W[i] && $0.R == R }) {
                            let sl = (i * n)..<((i + 1) * n)
                            maps.append(MapRow(kind: kind, R: R, W: W[i], theta0: kind == "qp" ? th[i] : .nan, eta: eta[i],
                                               n1: Array(n1[sl]), n2: Array(n2[sl]), s: Array(s[sl]), g0: Array(g[sl]), logProduct: lp[i]))
                        }
                        continue
                    }
                    let th0: [Double] = kind == "qp" ? try thD.readAll(as: Double.self) : []
                    for i in done.indices where done[i] == 1 {
                        guard eta[i].isFinite, ns[i].isFinite else { throw ReduceError(message: "\(path), \(p) row \(i): eta_tot not finite") }
                        let key = "\(plan.settings.seed)|\(kind)|\(R)|\(W[i])|\(real[i])"
                        guard seen.insert(key).inserted else { continue }
                        samples[Key(kind: kind, R: R, W: W[i]), default: []].append(
                            Sample(seed: plan.settings.seed, realization: Int(real[i]), eta: eta[i], nStar: ns[i],
                                   theta0: kind == "qp" ? th0[i] : .nan, seconds: secs[i]))
                    }
                }
            }
        }
        guard !samples.isEmpty else { throw ReduceError(message: "no completed task in the inputs") }
        let keys = samples.keys.sorted { ($0.kind, $0.R, $0.W) < ($1.kind, $1.R, $1.W) }
        let kinds = Array(Set(keys.map(\.kind))).sorted()
        var report = ["diamond: eta_tot per sample from the mean field (g0 = \(g0), hopping \(hopping), convention \(convention)); avalanche: n_* > N/2",
                      "  potential    R       W  samples    [eta_tot]/(N ln2)        f_aval   s/sample"]
        try writeAtomically(options.output, force: options.force) { f in
            try writeCommonAttributes(f, study: DiamondStudy.self, options: options, survey: survey, skipped: 0)
            try f.setAttribute("avalanche_criterion", "n_star > N/2")
            let out = ReducedWriter(file: f)
            try out.group("/diamond")
            try out.attr("g0", g0, on: "/diamond")
            try out.attr("hopping", hopping, on: "/diamond")
            try out.attr("convention", convention, on: "/diamond")
            for kind in kinds {
                let ks = keys.filter { $0.kind == kind }
                var nS: [Int64] = [], etaM: [Double] = [], etaE: [Double] = [], fA: [Double] = [], fE: [Double] = [], sec: [Double] = []
                var reps: [Key: [Double]] = [:]
                for k in ks {
                    let ss = samples[k]!.sorted { ($0.seed, $0.realization) < ($1.seed, $1.realization) }
                    let n = Double(DiamondLattice.siteCount(R: k.R))
                    let e = ss.map(\.eta), a = ss.map { $0.nStar > n / 2 ? 1.0 : 0.0 }
                    let m = e.reduce(0, +) / Double(e.count)
                    let fa = a.reduce(0, +) / Double(a.count)
                    let idx = ReduceStatistics.bootstrapIndices(n: ss.count, samples: options.bootstrapSamples, key: "diamond|\(kind)|R=\(k.R)|W=\(k.W)")
                    let r = idx.map { ix in ix.reduce(0.0) { $0 + a[$1] } / Double(ix.count) }
                    reps[k] = r
                    nS.append(Int64(ss.count)); etaM.append(m)
                    etaE.append(ss.count > 1 ? ReduceStatistics.standardDeviation(e) / Double(ss.count).squareRoot() : .nan)
                    fA.append(fa); fE.append(ReduceStatistics.standardDeviation(r)); sec.append(ss.map(\.seconds).reduce(0, +) / Double(ss.count))
                    report.append(String(format: "  %-9@ %4d %7.2f %8d   %@ ± %@   %@ ± %@   %.4g", kind, k.R, k.W, ss.count,
                                         fmt(m / (n * ln2)), fmtErr(etaE.last! / (n * ln2), samples: ss.count), fmt(fa), fmtErr(fE.last!, samples: ss.count), sec.last!))
                }
                // Thresholds from the largest R.
                let rMax = ks.map(\.R).max()!
                let top = ks.indices.filter { ks[$0].R == rMax }.sorted { ks[$0].W < ks[$1].W }
                func halfCrossing(_ y: [Double]) -> Double {
                    for j in 1..<max(1, top.count) where (y[j - 1] - 0.5) * (y[j] - 0.5) <= 0 && y[j - 1] != y[j] {
                        let w0 = ks[top[j - 1]].W, w1 = ks[top[j]].W
                        return w0 + (0.5 - y[j - 1]) * (w1 - w0) / (y[j] - y[j - 1])
                    }
                    return .nan
                }
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
                try out.attr("W_half", wHalf, on: g)
                try out.attr("W_half_err", wHalfErr, on: g)
                try out.attr("W_th", wTh, on: g)
                try out.attr("threshold_R", Double(rMax), on: g)
                try out.group(g + "/points")
                try out.putInt(g + "/points/R", ks.map { Int64($0.R) })
                try out.put(g + "/points/W", ks.map(\.W))
                try out.putInt(g + "/points/n_samples", nS)
                try out.put(g + "/points/eta_mean", etaM)
                try out.put(g + "/points/eta_err", etaE)
                try out.put(g + "/points/f_aval", fA)
                try out.put(g + "/points/f_aval_err", fE)
                try out.put(g + "/points/seconds_per_sample", sec)
                report.append(String(format: "  %@: W_1/2 (R = %d) = %@ ± %@; W_th (no avalanche from here on, grid) = %@", kind, rMax, fmt(wHalf, 3), fmt(wHalfErr, 3), fmt(wTh, 3)))
                if kind == "qp" && !thetaW.isEmpty {
                    var tR: [Int64] = [], tW: [Double] = [], t0: [Double] = [], te: [Double] = []
                    for k in ks where thetaW.contains(k.W) {
                        for s in samples[k]! { tR.append(Int64(k.R)); tW.append(k.W); t0.append(s.theta0); te.append(s.eta) }
                    }
                    try out.group(g + "/theta")
                    try out.putInt(g + "/theta/R", tR)
                    try out.put(g + "/theta/W", tW)
                    try out.put(g + "/theta/theta0", t0)
                    try out.put(g + "/theta/eta", te)
                }
                let ms = maps.filter { $0.kind == kind }
                if !ms.isEmpty {
                    try out.group(g + "/maps")
                    for m in ms {
                        let mg = g + "/maps/\(kind)_R\(m.R)_W\(m.W)"
                        try out.group(mg)
                        try out.attr("R", Double(m.R), on: mg); try out.attr("W", m.W, on: mg)
                        try out.attr("theta0", m.theta0, on: mg); try out.attr("eta_tot", m.eta, on: mg)
                        try out.attr("log_product", m.logProduct, on: mg)
                        try out.putInt(mg + "/n1", m.n1); try out.putInt(mg + "/n2", m.n2)
                        try out.put(mg + "/s_site", m.s); try out.put(mg + "/g0_site", m.g0)
                    }
                }
            }
        }
        if let note = fewSamplesNote(samples.values.map(\.count), what: "samples") { report.append(note) }
        log(report.joined(separator: "\n"))
        log("[reduce] wrote \(options.output)")
        return 0
    }

    static let ln2 = 0.69314718055994530942
}
