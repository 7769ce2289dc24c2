import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// The random-field chains' entry in the registry (studies `xxz` and
/// `heisenberg_o3`, one generic conformance): per (L, W) the disorder average
/// of the gap ratio <r> and of m_EA over the eigenstates in the eps window,
/// with bootstrap errors over realizations, and the random-matrix reference
/// values (docs/hdf5-schema.md, "Reduced chain files"). Figures:
/// python/qglass_plot_chains.py.
extension RandomFieldChainStudy: ReducibleStudy {
    static var plotEntry: String { "qglass_plot_chains:plot" }

    static func reduce(world: Communicator, options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        guard world.rank == 0 else { return 0 }
        return try ChainReducer<Model>.run(options: options, survey: survey, log: log)
    }
}

/// Reference values of <r> (Atas et al., PRL 110, 084101 (2013)).
enum GapRatioReference {
    /// Poisson (localized): 2 ln 2 - 1.
    static let poisson = EigenstateObservables.poissonR
    /// GOE (real symmetric, time-reversal invariant, e.g. the XXZ chain).
    static let goe = EigenstateObservables.goeR
    /// GUE (complex Hermitian, e.g. the Heisenberg chain with O(3) fields).
    static let gue = 0.5996
}

/// One completed task of a chain campaign, reduced to its eps-window sums.
struct ChainRecord {
    var seed: UInt64
    var L: Int
    var W: Double
    var realization: Int
    var file: Int
    var row: Int
    /// FNV-1a of the stored disorder's bytes (duplicates must agree).
    var disorderHash: UInt64
    /// Settings every task of a size must share (dimension, delta, sector).
    var layout: String
    var dimension: Int
    /// Eigenstates with eps in the window; those with a finite r; Σ r; Σ m_EA.
    var states: Double
    var statesR: Double
    var sumR: Double
    var sumM: Double
    /// S10b matrix-element sums (campaigns run with matrix_elements = true).
    var me: ChainMERecord? = nil

    var key: String { "seed=\(seed)|L=\(L)|W=\(W)|r=\(realization)" }
}

/// Rank 0: reads, merges, averages and writes a chain study's campaign files.
enum ChainReducer<Model: RandomFieldChainModel> {
    typealias ChainStudy = RandomFieldChainStudy<Model>

    struct Point: Hashable { var L: Int; var W: Double }
    struct Stat { var value: Double; var error: Double }

    /// Doubles read per dataset and chunk of rows (bounds the memory for large D).
    static var chunkDoubles: Int { 1 << 21 }

    static func run(options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        var records: [ChainRecord] = []
        var delta = Double.nan
        var corrupt: [String] = []
        for (i, path) in options.inputs.enumerated() {
            do {
                try HDF5File.with(path: path, mode: .readOnly) { f in
                    let plan = try CampaignPlan(configText: try f.stringAttribute("config_canonical"))
                    guard let study = plan.study as? ChainStudy else { throw ReduceError(message: "not a \(ChainStudy.name) campaign") }
                    if delta.isNaN { delta = study.delta }
                    for m in try f.members(of: "/" + ChainStudy.name) where m.hasPrefix("L") {
                        let block = "/\(ChainStudy.name)/\(m)"
                        do {
                            records += try read(f, fileIndex: i, block: block, study: study, seed: plan.settings.seed, window: options.epsWindow, corrupt: &corrupt)
                        } catch {
                            corrupt.append("\(path), \(block): cannot be read (\(error))")
                        }
                    }
                }
            } catch {
                throw ReduceError(message: "\(path): cannot be read (\(error))")
            }
        }
        var warnings: [String] = []
        if !corrupt.isEmpty {
            if !options.allowPartial {
                throw ReduceError(message: (corrupt + ["(pass --allow-partial to skip corrupt tasks and reduce the rest)"]).joined(separator: "\n"))
            }
            warnings += corrupt.map { $0 + "; skipped (--allow-partial)" }
        }
        let merged = try merge(records, inputs: options.inputs, warnings: &warnings, log: log)
        guard !merged.isEmpty else {
            throw ReduceError(message: (["no completed task in the inputs"] + warnings).joined(separator: "\n"))
        }

        // Per (L, W): realizations in a fixed order, so that the numbers do not
        // depend on how the inputs were split.
        var groups: [Point: [ChainRecord]] = [:]
        for r in merged { groups[Point(L: r.L, W: r.W), default: []].append(r) }
        let points = groups.keys.sorted { ($0.L, $0.W) < ($1.L, $1.W) }
        var nReal: [Int64] = [], dims: [Int64] = [], states: [Double] = [], rStat: [Stat] = [], mStat: [Stat] = []
        for p in points {
            let rs = groups[p]!.sorted { ($0.seed, $0.realization) < ($1.seed, $1.realization) }
            let idx = ReduceStatistics.bootstrapIndices(n: rs.count, samples: options.bootstrapSamples, key: "\(ChainStudy.name)|L=\(p.L)|W=\(p.W)")
            let r = ReduceStatistics.disorderAverageWithError(num: rs.map(\.sumR), den: rs.map(\.statesR), resamples: idx, mode: options.average)
            let m = ReduceStatistics.disorderAverageWithError(num: rs.map(\.sumM), den: rs.map(\.states), resamples: idx, mode: options.average)
            nReal.append(Int64(rs.count)); dims.append(Int64(rs[0].dimension)); states.append(rs.map(\.states).reduce(0, +))
            rStat.append(Stat(value: r.value, error: r.error)); mStat.append(Stat(value: m.value, error: m.error))
            if states.last == 0 { warnings.append("L \(p.L) W \(p.W): no eigenstate in the eps window [\(options.epsWindow.lo), \(options.epsWindow.hi)); <r> and <m_EA> are NaN") }
        }
        let complex = Model.Hamiltonian.Element.isComplex
        let ensemble = complex ? "GUE" : "GOE"
        // S10b: only when every task carries matrix-element data.
        let meGroups: [[ChainMERecord]]? = merged.allSatisfy({ $0.me != nil })
            ? points.map { p in groups[p]!.sorted { ($0.seed, $0.realization) < ($1.seed, $1.realization) }.map { $0.me! } } : nil
        if meGroups == nil && merged.contains(where: { $0.me != nil }) {
            warnings.append("some tasks carry S10b matrix-element data and some do not; the S10b reduction is skipped")
        }
        var meReport: [String] = []

        try writeAtomically(options.output, force: options.force) { f in
            try writeCommonAttributes(f, study: ChainStudy.self, options: options, survey: survey, skipped: corrupt.count)
            try f.setAttribute("eps_window", [options.epsWindow.lo, options.epsWindow.hi])
            try f.setAttribute("average", options.average.rawValue)
            try f.setAttribute("r_poisson", GapRatioReference.poisson)
            try f.setAttribute("r_goe", GapRatioReference.goe)
            try f.setAttribute("r_gue", GapRatioReference.gue)
            try f.setAttribute("r_ensemble", ensemble)
            try f.setAttribute("r_ergodic", complex ? GapRatioReference.gue : GapRatioReference.goe)
            try f.setAttribute("warnings", warnings.joined(separator: "\n"))
            let out = ReducedWriter(file: f)
            let g = "/\(ChainStudy.name)"
            try out.group(g)
            try out.attr("delta", delta, on: g)
            try out.group(g + "/points")
            try out.putInt(g + "/points/L", points.map { Int64($0.L) })
            try out.put(g + "/points/W", points.map(\.W))
            try out.putInt(g + "/points/n_realizations", nReal)
            try out.putInt(g + "/points/dimension", dims)
            try out.group(g + "/window")
            try out.put(g + "/window/n_states", states)
            try out.put(g + "/window/r_mean", rStat.map(\.value))
            try out.put(g + "/window/r_err", rStat.map(\.error))
            try out.put(g + "/window/m_ea_mean", mStat.map(\.value))
            try out.put(g + "/window/m_ea_err", mStat.map(\.error))
            if let meGroups {
                meReport = try ChainMEReduction.write(out, study: ChainStudy.name, points: points.map { .init(L: $0.L, W: $0.W) }, groups: meGroups,
                                                      rMean: rStat.map(\.value), rErr: rStat.map(\.error), options: options, warnings: &warnings)
                try f.setAttribute("warnings", warnings.joined(separator: "\n"))
            }
        }

        let how = options.average == .pooled ? "pooled over eigenstates" : "mean of per-realization means"
        var report = ["\(ChainStudy.name): eps window [\(options.epsWindow.lo), \(options.epsWindow.hi)), \(how) (bootstrap errors over realizations); "
                      + "<r>: Poisson \(fmt(GapRatioReference.poisson)), \(ensemble) \(fmt(complex ? GapRatioReference.gue : GapRatioReference.goe))",
                      "    L        W  real.          <r>                <m_EA>"]
        for (i, p) in points.enumerated() {
            report.append(String(format: "%5d %8.4f %6d   %@ ± %@   %@ ± %@", p.L, p.W, Int(nReal[i]),
                                 fmt(rStat[i].value), fmtErr(rStat[i].error, samples: Int(nReal[i])), fmt(mStat[i].value), fmtErr(mStat[i].error, samples: Int(nReal[i]))))
        }
        if let note = fewSamplesNote(nReal.map { Int($0) }) { report.append(note) }
        report += meReport
        if !warnings.isEmpty { report.append("warnings:"); report += warnings.map { "  - " + $0 } }
        log(report.joined(separator: "\n"))
        log("[reduce] wrote \(options.output)")
        return 0
    }

    /// Local: the completed tasks of one block, reduced to their eps-window
    /// sums; a task marked done whose eps are not a sorted list in [0, 1] or
    /// whose m_EA are not finite is named in `corrupt` and left out.
    static func read(_ f: HDF5File, fileIndex: Int, block: String, study: ChainStudy, seed: UInt64,
                     window: (lo: Double, hi: Double), corrupt: inout [String]) throws -> [ChainRecord] {
        let L = Int(try f.numericAttribute("L", as: Double.self, on: block).first ?? -1)
        let eps = try f.openDataset(block + "/eps"), r = try f.openDataset(block + "/r"), m = try f.openDataset(block + "/m_ea")
        let dis = try f.openDataset(block + "/" + Model.disorderName)
        let D = eps.rowLength, DL = dis.rowLength
        let rows = try f.openDataset(block + "/done").shape.first ?? 0
        guard L >= 2, D >= 1, r.rowLength == D, m.rowLength == D, eps.shape.first == rows, r.shape.first == rows, m.shape.first == rows,
              dis.shape.first == rows else {
            throw ReduceError(message: "inconsistent dataset shapes")
        }
        let layout = "dimension=\(D)|delta=\(study.delta)|sz=\(study.sz.map(String.init) ?? "default")"
        var out: [ChainRecord] = []
        let chunk = max(1, chunkDoubles / max(D, DL))
        for start in stride(from: 0, to: rows, by: chunk) {
            let n = min(chunk, rows - start)
            func part<T: HDF5Scalar>(_ name: String, _ t: T.Type) throws -> [T] { try f.openDataset(block + "/" + name).readRows(start: start, count: n, as: t) }
            let done = try part("done", UInt8.self), W = try part("W", Double.self), real = try part("realization", Int64.self)
            let e = try eps.readRows(start: start, count: n, as: Double.self)
            let rr = try r.readRows(start: start, count: n, as: Double.self)
            let mm = try m.readRows(start: start, count: n, as: Double.self)
            let dd = try dis.readRows(start: start, count: n, as: Double.self)
            let meRows = try ChainMEReduction.read(f, block: block, start: start, count: n, dimension: D, eps: e, window: window)
            for i in 0..<n where done[i] == 1 {
                let row = start + i
                let what = "\(f.path), \(block) row \(row) (W \(W[i]), realization \(real[i]))"
                let es = e[(i * D)..<((i + 1) * D)], ms = mm[(i * D)..<((i + 1) * D)], rs = rr[(i * D)..<((i + 1) * D)]
                guard es.allSatisfy({ $0.isFinite && $0 >= -1e-12 && $0 <= 1 + 1e-12 }), zip(es, es.dropFirst()).allSatisfy({ $0 <= $1 }),
                      ms.allSatisfy(\.isFinite), W[i].isFinite else {
                    corrupt.append("\(what): marked done but its eps are not sorted in [0, 1] or its m_ea are not finite")
                    continue
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
                let hash = dd[(i * DL)..<((i + 1) * DL)].withUnsafeBytes { StreamKey.make(bytes: $0) }
                out.append(ChainRecord(seed: seed, L: L, W: W[i], realization: Int(real[i]), file: fileIndex, row: row, disorderHash: hash,
                                       layout: layout + (meRows.map { "|" + $0[i].layout } ?? ""), dimension: D, states: states, statesR: statesR,
                                       sumR: sumR, sumM: sumM, me: meRows?[i]))
            }
        }
        return out
    }

    /// De-duplicates (seed, L, W, realization); duplicates must hold the same
    /// disorder, and every input must agree on a size's settings.
    static func merge(_ records: [ChainRecord], inputs: [String], warnings: inout [String], log: (String) -> Void) throws -> [ChainRecord] {
        var byKey: [String: Int] = [:], layouts: [Int: (String, Int)] = [:]
        var out: [ChainRecord] = []
        var duplicates = 0
        for r in records.sorted(by: { ($0.file, $0.L, $0.row) < ($1.file, $1.L, $1.row) }) {
            if let (l, file) = layouts[r.L], l != r.layout {
                throw ReduceError(message: "mismatched configs for L = \(r.L): \(inputs[file]) has \(l); \(inputs[r.file]) has \(r.layout)")
            }
            layouts[r.L] = layouts[r.L] ?? (r.layout, r.file)
            if let j = byKey[r.key] {
                guard out[j].disorderHash == r.disorderHash else {
                    throw ReduceError(message: "mismatched configs: \(inputs[out[j].file]) row \(out[j].row) and \(inputs[r.file]) row \(r.row) hold "
                                      + "(seed \(r.seed), L \(r.L), W \(r.W), realization \(r.realization)) with different disorder")
                }
                duplicates += 1
                continue
            }
            byKey[r.key] = out.count
            out.append(r)
        }
        if duplicates > 0 { warnings.append("\(duplicates) duplicated (L, W, realization) task(s) found in several inputs; each counted once") }
        log("[reduce] \(out.count) distinct completed tasks from \(inputs.count) file(s); \(duplicates) duplicate(s) ignored")
        return out
    }
}
