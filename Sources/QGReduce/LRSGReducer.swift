import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// S1's entry in the registry: its reducer (`LRSGReducer`), its eps-window
/// check and its figures (python/qglass_plot_lrsg.py).
extension LRSGStudy: ReducibleStudy {
    static var plotEntry: String { "qglass_plot_lrsg:plot" }

    static func reduce(world: Communicator, options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        try LRSGReducer.run(world: world, options: options, survey: survey, log: log)
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

/// One completed task of an S1 campaign file, as the reducer sees it.
struct TaskRecord {
    var seed: UInt64
    var L: Int
    var alpha: Double
    var hx: Double
    var realization: Int
    var boundary: Int          // 0 periodic, 1 open
    var bins: Int
    var disorderHash: UInt64   // FNV-1a of the J row's bytes
    var file: Int
    var row: Int
    /// 9 x bins, in `LRSGStudy.histogramNames` order.
    var hist: [Double]

    var key: String { "\(seed)|\(L)|\(alpha)|\(hx)|\(realization)" }

    func encode(into out: inout [Double]) {
        out += [Double(9 * bins + 10), Double(bitPattern: seed), Double(L), alpha, hx, Double(realization), Double(boundary),
                Double(bins), Double(bitPattern: disorderHash), Double(file), Double(row)]
        out += hist
    }

    static func decode(_ xs: [Double]) -> [TaskRecord] {
        var out: [TaskRecord] = []
        var i = 0
        while i < xs.count {
            let n = Int(xs[i])
            let f = Array(xs[(i + 1)...(i + n)])
            out.append(TaskRecord(seed: f[0].bitPattern, L: Int(f[1]), alpha: f[2], hx: f[3], realization: Int(f[4]), boundary: Int(f[5]),
                                  bins: Int(f[6]), disorderHash: f[7].bitPattern, file: Int(f[8]), row: Int(f[9]), hist: Array(f[10...])))
            i += n + 1
        }
        return out
    }

    func h(_ k: Int, _ b: Int) -> Double { hist[k * bins + b] }
}

/// Merges S1 campaign files into disorder averages and finite-size analysis
/// (docs/hdf5-schema.md, "Reduced file"). Collective over `world`: (file,
/// block) pairs are read in parallel, records are gathered on rank 0, which
/// merges, analyses and writes the reduced file.
public enum LRSGReducer {
    public static let version = Provenance.version

    /// Collective. `survey` is rank 0's check of the inputs (`ReduceOptions.survey`).
    static func run(world: Communicator, options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        // Rank 0 lists (file, block) work items.
        var items: [String] = []
        var listError = ""
        if world.rank == 0 {
            for (i, path) in options.inputs.enumerated() {
                do {
                    try HDF5File.with(path: path, mode: .readOnly) { f in
                        for m in try f.members(of: "/lrsg") where m.hasPrefix("L") {
                            // Chunks of rows, so that one big block is still read by many ranks.
                            let rows = try f.openDataset("/lrsg/\(m)/done").shape.first ?? 0
                            for start in stride(from: 0, to: rows, by: chunkRows) {
                                items.append("\(i)\t/lrsg/\(m)\t\(start)\t\(min(chunkRows, rows - start))")
                            }
                        }
                    }
                } catch {
                    listError += "\(path): cannot be read (\(error))\n"
                }
            }
        }
        listError = try world.broadcast(string: listError)
        if !listError.isEmpty { throw ReduceError(message: String(listError.dropLast())) }
        let joined = try world.broadcast(string: items.joined(separator: "\n"))
        items = joined.isEmpty ? [] : joined.split(separator: "\n").map(String.init)

        // Each rank reads its share of blocks; corrupt tasks and unreadable chunks are named.
        var encoded: [Double] = []
        var localCorrupt: [String] = []
        for (k, item) in items.enumerated() where k % world.size == world.rank {
            let parts = item.split(separator: "\t")
            let fileIndex = Int(parts[0])!, block = String(parts[1]), start = Int(parts[2])!, count = Int(parts[3])!
            let path = options.inputs[fileIndex]
            do {
                for r in try readBlock(path: path, fileIndex: fileIndex, block: block, rows: start..<(start + count), corrupt: &localCorrupt) {
                    r.encode(into: &encoded)
                }
            } catch {
                localCorrupt.append("\(path), \(block) rows \(start)..<\(start + count): cannot be read (\(error))")
            }
        }
        let all = try world.gatherv(encoded)
        let corruptText = try world.gatherv(Array(localCorrupt.joined(separator: "\n").utf8) + [10])
        let corrupt = String(decoding: corruptText, as: UTF8.self).split(separator: "\n").map(String.init)
        var warnings: [String] = []
        if world.rank == 0 && !corrupt.isEmpty {
            if !options.allowPartial {
                throw ReduceError(message: (corrupt + ["(pass --allow-partial to skip corrupt tasks and reduce the rest)"]).joined(separator: "\n"))
            }
            warnings += corrupt.map { $0 + "; skipped (--allow-partial)" }
        }
        guard world.rank == 0 else { return 0 }

        let merged = try merge(TaskRecord.decode(all), inputs: options.inputs, warnings: &warnings, log: log)
        guard !merged.isEmpty else {
            throw ReduceError(message: (["no completed task in the inputs"] + warnings).joined(separator: "\n"))
        }
        let analysis = try Analysis(records: merged, options: options, warnings: warnings)
        try analysis.write(to: options.output, survey: survey, skipped: corrupt.count)
        log(analysis.report())
        try LRSGEntanglement.append(options: options, log: log)  // S6a (issue 12): only when the inputs have entropies
        log("[reduce] wrote \(options.output)")
        return 0
    }

    /// Rows per work item of the parallel read.
    static let chunkRows = 2048

    /// Local: the completed tasks among `rows` of one block, with corruption checks per task.
    static func readBlock(path: String, fileIndex: Int, block: String, rows: Range<Int>, corrupt: inout [String]) throws -> [TaskRecord] {
        try HDF5File.with(path: path, mode: .readOnly) { f in
            let plan = try CampaignPlan(configText: try f.stringAttribute("config_canonical"))
            guard let study = plan.study as? LRSGStudy else { throw ReduceError(message: "not an lrsg campaign") }
            let bins = study.epsBins
            let (r0, t) = (rows.lowerBound, rows.count)
            func part<T: HDF5Scalar>(_ name: String, _ type: T.Type) throws -> [T] {
                try f.openDataset(block + "/" + name).readRows(start: r0, count: t, as: type)
            }
            let done = try part("done", UInt8.self)
            let alpha = try part("alpha", Double.self)
            let hx = try part("hx", Double.self)
            let real = try part("realization", Int64.self)
            let J = try part("J", Double.self)
            let hist = try LRSGStudy.histogramNames.map { try part($0, Double.self) }
            guard let L = Int(block.split(separator: "L").last ?? ""), hist.allSatisfy({ $0.count == t * bins }), J.count == t * L * L else {
                throw ReduceError(message: "inconsistent dataset shapes")
            }
            var out: [TaskRecord] = []
            for i in 0..<t where done[i] == 1 {
                let row = r0 + i
                var h = [Double](repeating: 0, count: 9 * bins)
                for k in 0..<9 { for b in 0..<bins { h[k * bins + b] = hist[k][i * bins + b] } }
                let states = (0..<bins).reduce(0.0) { $0 + h[$1] }
                let what = "\(path), \(block) row \(row) (alpha \(alpha[i]), hx \(hx[i]), realization \(real[i]))"
                // Dense rows hold every eigenstate; mid-spectrum rows (issue 15)
                // the 2 k nearest the target, all in the bins around it.
                let expected = study.statesPerTask(L)
                if !h.allSatisfy(\.isFinite) || states != Double(expected) {
                    corrupt.append("\(what): marked done but its histograms are corrupt (\(states) of \(expected) states)")
                    continue
                }
                let hash = J[(i * L * L)..<((i + 1) * L * L)].withUnsafeBytes { StreamKey.make(bytes: $0) }
                out.append(TaskRecord(seed: plan.settings.seed, L: L, alpha: alpha[i], hx: hx[i], realization: Int(real[i]),
                                      boundary: study.boundary == .periodic ? 0 : 1, bins: bins, disorderHash: hash,
                                      file: fileIndex, row: row, hist: h))
            }
            return out
        }
    }

    /// Rank 0: de-duplicate and check consistency.
    static func merge(_ records: [TaskRecord], inputs: [String], warnings: inout [String], log: (String) -> Void) throws -> [TaskRecord] {
        var byKey: [String: Int] = [:]
        var out: [TaskRecord] = []
        var duplicates = 0
        var pointConfig: [String: (boundary: Int, bins: Int, file: Int)] = [:]
        for r in records.sorted(by: { ($0.file, $0.row, $0.L) < ($1.file, $1.row, $1.L) }) {
            let pkey = "L=\(r.L) alpha=\(r.alpha) hx=\(r.hx)"
            if let c = pointConfig[pkey], c.boundary != r.boundary || c.bins != r.bins {
                throw ReduceError(message: "mismatched configs for point \(pkey): \(inputs[c.file]) has boundary \(c.boundary == 0 ? "periodic" : "open"), eps_bins \(c.bins); "
                                  + "\(inputs[r.file]) has boundary \(r.boundary == 0 ? "periodic" : "open"), eps_bins \(r.bins)")
            }
            pointConfig[pkey] = pointConfig[pkey] ?? (r.boundary, r.bins, r.file)
            if let j = byKey[r.key] {
                let o = out[j]
                guard o.disorderHash == r.disorderHash else {
                    throw ReduceError(message: "mismatched configs: \(inputs[o.file]) row \(o.row) and \(inputs[r.file]) row \(r.row) have the same "
                                      + "(seed \(r.seed), \(pkey), realization \(r.realization)) but different disorder")
                }
                duplicates += 1
                continue
            }
            byKey[r.key] = out.count
            out.append(r)
        }
        if duplicates > 0 {
            warnings.append("\(duplicates) duplicated (point, realization) task(s) found in several inputs; each counted once")
        }
        log("[reduce] \(out.count) distinct completed tasks from \(inputs.count) file(s); \(duplicates) duplicate(s) ignored")
        return out
    }
}
