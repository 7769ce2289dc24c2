import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// One completed task of a classical campaign file (studies fields,
/// avalanche, twoflip, tempering), as the reducer sees it.
struct ClassicalRecord {
    var file: Int
    var block: String
    var row: Int
    /// The set this task belongs to (everything but L and the realization).
    var set: ClassicalSet
    var L: Int
    var seed: UInt64
    var realization: Int
    var disorder: Int64
    /// Settings that every task of a set must share (bins, steps, T grid...).
    var layout: String
    /// Study-specific payload (see `ClassicalReducer.read`).
    var values: [Double]

    var key: String { "\(set.key)|L=\(L)|seed=\(seed)|r=\(realization)" }
}

/// A curve family of the reduced file: one (alpha, state, h_x, ...) choice.
struct ClassicalSet: Hashable, Comparable {
    var alpha: Double
    var state: Int      // -1 where not applicable
    var hx: Double      // -1 where not applicable
    /// The study's variant: the SFS order code (fields, avalanche, twoflip)
    /// or the normalization (tempering: 1 mean-field, 0 none). Keyed as
    /// "order" (the key seeds the bootstrap streams).
    var variant: Int
    var boundary: Int
    var key: String { "alpha=\(alpha)|state=\(state)|hx=\(hx)|order=\(variant)|boundary=\(boundary)" }
    static func < (a: ClassicalSet, b: ClassicalSet) -> Bool {
        (a.state, a.alpha, a.hx, a.variant, a.boundary) < (b.state, b.alpha, b.hx, b.variant, b.boundary)
    }
    var stateName: String { state == 0 ? "random" : state == 1 ? "sfs" : "-" }
}

/// Merges classical campaign files into disorder averages and fits
/// (docs/hdf5-schema.md, "Reduced classical files"; docs/classical.md).
/// Collective over `world` for the refusal checks; the per-task payloads of
/// these studies are small (histograms, counts, curves), so rank 0 reads,
/// merges, analyses and writes.
public enum ClassicalReducer {
    public static let version = Provenance.version
    public static let studies = [FieldsStudy.name, AvalancheStudy.name, TwoFlipStudy.name, TemperingStudy.name]

    /// Local: the study named by the first readable input, if any.
    public static func detectStudy(_ inputs: [String]) -> String? {
        for path in inputs {
            if let s = try? HDF5File.with(path: path, mode: .readOnly, { try $0.stringAttribute("study") }) { return s }
        }
        return nil
    }

    /// Collective (rank 0 does the work). `survey` is rank 0's check of the
    /// inputs (`ReduceOptions.survey`): every input is a readable campaign of
    /// `survey.study`.
    static func run(world: Communicator, options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        guard world.rank == 0 else { return 0 }
        let study = survey.study
        var warnings: [String] = []
        var corrupt: [String] = []
        var records: [ClassicalRecord] = []
        for (i, path) in options.inputs.enumerated() {
            do {
                try HDF5File.with(path: path, mode: .readOnly) { f in
                    let plan = try CampaignPlan(configText: try f.stringAttribute("config_canonical"))
                    for m in try f.members(of: "/" + study) where m.hasPrefix("L") {
                        let block = "/\(study)/\(m)"
                        do {
                            records += try read(file: f, fileIndex: i, study: study, block: block, seed: plan.settings.seed, corrupt: &corrupt)
                        } catch {
                            corrupt.append("\(path), \(block): cannot be read (\(error))")
                        }
                    }
                }
            } catch {
                throw ReduceError(message: "\(path): cannot be read (\(error))")
            }
        }
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
        var report: [String] = []
        try writeAtomically(options.output, force: options.force) { f in
            try writeCommonAttributes(f, study: study, options: options, survey: survey, skipped: corrupt.count)
            let out = ReducedWriter(file: f)
            switch study {
            case FieldsStudy.name: report = try FieldsAnalysis.run(merged, options: options, out: out, warnings: &warnings)
            case AvalancheStudy.name: report = try AvalancheAnalysis.run(merged, options: options, out: out, warnings: &warnings)
            case TwoFlipStudy.name: report = try TwoFlipAnalysis.run(merged, options: options, out: out, warnings: &warnings)
            default: report = try TemperingAnalysis.run(merged, options: options, out: out, warnings: &warnings)
            }
            try f.setAttribute("warnings", warnings.joined(separator: "\n"))
        }
        log(report.joined(separator: "\n"))
        for w in warnings { log("[reduce] warning: \(w)") }
        log("[reduce] wrote \(options.output)")
        return 0
    }

    /// Local: the completed tasks of one block. Payload per study:
    /// - fields: [phi_sq_mean, underflow, overflow, hist...]; layout = histogram edges;
    /// - avalanche: ever[0...steps]; layout = steps;
    /// - twoflip: for each h_x, the five counts (all, genuine, all_pt, genuine_pt, single); one set per h_x;
    /// - tempering: [tmf2, sweeps[S], energy[S*nT], q2, q4, abs_q, ql, exchange[S*(nT-1)]]; layout = T grid and stages.
    static func read(file f: HDF5File, fileIndex: Int, study: String, block: String, seed: UInt64,
                     corrupt: inout [String]) throws -> [ClassicalRecord] {
        func ds<T: HDF5Scalar>(_ name: String, _ t: T.Type) throws -> [T] { try f.openDataset(block + "/" + name).readAll(as: t) }
        func attr(_ name: String) throws -> Double { try f.numericAttribute(name, as: Double.self, on: block).first ?? .nan }
        let L = Int(try attr("L"))
        let boundary = Int(try attr("boundary_open"))
        let done = try ds("done", UInt8.self)
        let alpha = try ds("alpha", Double.self), real = try ds("realization", Int64.self), dis = try ds("disorder_stream", Int64.self)
        let rows = done.count
        guard alpha.count == rows, real.count == rows, dis.count == rows else { throw ReduceError(message: "inconsistent dataset shapes") }
        var out: [ClassicalRecord] = []
        func where_(_ i: Int) -> String { "\(f.path), \(block) row \(i) (alpha \(alpha[i]), realization \(real[i]))" }
        func base(_ i: Int, _ set: ClassicalSet, _ layout: String, _ v: [Double]) -> ClassicalRecord {
            ClassicalRecord(file: fileIndex, block: block, row: i, set: set, L: L, seed: seed, realization: Int(real[i]),
                            disorder: dis[i], layout: layout, values: v)
        }
        switch study {
        case FieldsStudy.name:
            let order = Int(try attr("order"))
            let layout = "phi_min=\(try attr("phi_min"))|phi_max=\(try attr("phi_max"))|per_decade=\(try attr("bins_per_decade"))"
            let state = try ds("state", Int8.self), sq = try ds("phi_sq_mean", Double.self)
            let under = try ds("phi_underflow", Double.self), over = try ds("phi_overflow", Double.self)
            let hist = try f.openDataset(block + "/phi_hist")
            let B = hist.rowLength
            let h = try hist.readAll(as: Double.self)
            guard h.count == rows * B, state.count == rows, sq.count == rows else { throw ReduceError(message: "inconsistent dataset shapes") }
            for i in 0..<rows where done[i] == 1 {
                let v = [sq[i], under[i], over[i]] + Array(h[(i * B)..<((i + 1) * B)])
                let total = v.dropFirst().reduce(0, +)
                guard v.allSatisfy(\.isFinite), total == Double(L) else {
                    corrupt.append("\(where_(i)): marked done but its histogram holds \(total) of \(L) spins")
                    continue
                }
                out.append(base(i, ClassicalSet(alpha: alpha[i], state: Int(state[i]), hx: -1, variant: order, boundary: boundary), layout, v))
            }
        case AvalancheStudy.name:
            let order = Int(try attr("order"))
            let state = try ds("state", Int8.self), hx = try ds("hx", Double.self)
            let everDS = try f.openDataset(block + "/ever")
            let S = everDS.rowLength
            let ever = try everDS.readAll(as: Int64.self)
            for i in 0..<rows where done[i] == 1 {
                let v = ever[(i * S)..<((i + 1) * S)].map(Double.init)
                guard zip(v, v.dropFirst()).allSatisfy({ $0 <= $1 }), (v.last ?? 0) <= Double(L), v[0] >= 0 else {
                    corrupt.append("\(where_(i)): marked done but its ever-resonant counts are not a non-decreasing curve in 0...\(L)")
                    continue
                }
                out.append(base(i, ClassicalSet(alpha: alpha[i], state: Int(state[i]), hx: hx[i], variant: order, boundary: boundary), "steps=\(S - 1)", v))
            }
        case TwoFlipStudy.name:
            let order = Int(try attr("order"))
            let state = try ds("state", Int8.self)
            let hxDS = try f.openDataset(block + "/hx")
            let nH = hxDS.rowLength
            let hx = try hxDS.readAll(as: Double.self)
            let counts = try TwoFlipStudy.countNames.map { try ds($0, Int64.self) }
            for i in 0..<rows where done[i] == 1 {
                for k in 0..<nH {
                    let v = counts.map { Double($0[i * nH + k]) }
                    guard v.allSatisfy({ $0 >= 0 }), v[1] <= v[0], v[3] <= v[2], v[2] <= v[0] else {
                        corrupt.append("\(where_(i)): marked done but its counts at hx = \(hx[i * nH + k]) are inconsistent")
                        continue
                    }
                    out.append(base(i, ClassicalSet(alpha: alpha[i], state: Int(state[i]), hx: hx[i * nH + k], variant: order, boundary: boundary), "", v))
                }
            }
        default:
            let T = try f.openDataset(block + "/T")
            let nT = T.rowLength
            let temps = try T.readAll(as: Double.self)
            let stages = Int(try attr("stages"))
            let normalized = Int(try attr("normalized_mean_field"))
            let tmf2 = try ds("tmf2", Double.self), sweeps = try ds("sweeps", Int64.self)
            let fields = try TemperingStudy.stageNames.map { try ds($0, Double.self) }
            let exch = try ds("exchange_acceptance", Double.self)
            let sn = stages * nT, se = stages * (nT - 1)
            for i in 0..<rows where done[i] == 1 {
                var v = [tmf2[i]] + sweeps[(i * stages)..<((i + 1) * stages)].map(Double.init)
                for fld in fields { v += fld[(i * sn)..<((i + 1) * sn)] }
                v += exch[(i * se)..<((i + 1) * se)]
                guard v.allSatisfy(\.isFinite), tmf2[i] > 0 else {
                    corrupt.append("\(where_(i)): marked done but holds non-finite averages")
                    continue
                }
                let layout = "T=\(temps[(i * nT)..<((i + 1) * nT)].map { "\($0)" }.joined(separator: ","))|stages=\(stages)|sweeps=\(v[1])"
                out.append(base(i, ClassicalSet(alpha: alpha[i], state: -1, hx: -1, variant: normalized, boundary: boundary), layout, v))
            }
        }
        return out
    }

    /// De-duplicates (set, L, seed, realization) and checks that duplicates
    /// and sets agree on disorder and layout.
    static func merge(_ records: [ClassicalRecord], inputs: [String], warnings: inout [String], log: (String) -> Void) throws -> [ClassicalRecord] {
        var byKey: [String: Int] = [:], layouts: [String: (String, Int)] = [:]
        var out: [ClassicalRecord] = []
        var duplicates = 0
        for r in records.sorted(by: { ($0.file, $0.block, $0.row) < ($1.file, $1.block, $1.row) }) {
            let sk = r.set.key + "|L=\(r.L)"
            if let (l, file) = layouts[sk], l != r.layout {
                throw ReduceError(message: "mismatched configs for \(sk): \(inputs[file]) has \(l); \(inputs[r.file]) has \(r.layout)")
            }
            layouts[sk] = layouts[sk] ?? (r.layout, r.file)
            if let j = byKey[r.key] {
                guard out[j].disorder == r.disorder else {
                    throw ReduceError(message: "mismatched configs: \(inputs[out[j].file]) and \(inputs[r.file]) hold \(r.key) with different disorder streams")
                }
                duplicates += 1
                continue
            }
            byKey[r.key] = out.count
            out.append(r)
        }
        if duplicates > 0 { warnings.append("\(duplicates) duplicated task(s) found in several inputs; each counted once") }
        log("[reduce] \(out.count) distinct completed task records from \(inputs.count) file(s); \(duplicates) duplicate(s) ignored")
        return out
    }
}

/// Writes datasets and attributes of a reduced file (S1 and classical).
struct ReducedWriter {
    let file: HDF5File
    func group(_ p: String) throws { if !file.exists(p) { try file.createGroup(p) } }
    func put(_ p: String, _ v: [Double], _ shape: [Int]? = nil) throws {
        let s = shape ?? [v.count]
        let d = try file.createDataset(p, type: .float64, shape: s)
        if !v.isEmpty { try d.writeRows(start: 0, count: s[0], v) }
    }
    func putInt(_ p: String, _ v: [Int64]) throws {
        let d = try file.createDataset(p, type: .int64, shape: [v.count])
        if !v.isEmpty { try d.writeRows(start: 0, count: v.count, v) }
    }
    func putFlag(_ p: String, _ v: [UInt8]) throws {
        let d = try file.createDataset(p, type: .uint8, shape: [v.count])
        if !v.isEmpty { try d.writeRows(start: 0, count: v.count, v) }
    }
    func attr(_ name: String, _ v: Double, on p: String) throws { try file.setAttribute(name, v, on: p) }
    func attr(_ name: String, _ v: String, on p: String) throws { try file.setAttribute(name, v, on: p) }
}

/// Groups records by set and, within a set, by L (sorted).
func groupBySetAndL(_ records: [ClassicalRecord]) -> [(set: ClassicalSet, sizes: [(L: Int, records: [ClassicalRecord])])] {
    var bySet: [ClassicalSet: [Int: [ClassicalRecord]]] = [:]
    for r in records { bySet[r.set, default: [:]][r.L, default: []].append(r) }
    return bySet.keys.sorted().map { s in
        let m = bySet[s]!
        return (s, m.keys.sorted().map { L in (L, m[L]!.sorted { $0.realization < $1.realization }) })
    }
}

/// Fixed-point text of x with d decimals; "nan" when not finite.
func fmt(_ x: Double, _ d: Int = 4) -> String { x.isFinite ? String(format: "%.\(d)f", x) : "nan" }
