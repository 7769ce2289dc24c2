import Foundation
import QGHDF5
import QGPhysics

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
    /// Study-specific payload (see each study's `ClassicalReduction.read`).
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

/// One output block of a classical campaign file (e.g. /fields/L128) with
/// the columns every classical study has, as a study's `read` sees it.
struct ClassicalBlock {
    let file: HDF5File
    let fileIndex: Int
    /// HDF5 path of the block.
    let path: String
    let seed: UInt64
    let L: Int
    let boundary: Int
    let done: [UInt8]
    let alpha: [Double]
    let realization: [Int64]
    let disorder: [Int64]
    var rows: Int { done.count }

    init(file f: HDF5File, fileIndex: Int, path: String, seed: UInt64) throws {
        self.file = f; self.fileIndex = fileIndex; self.path = path; self.seed = seed
        L = Int(try f.numericAttribute("L", as: Double.self, on: path).first ?? .nan)
        boundary = Int(try f.numericAttribute("boundary_open", as: Double.self, on: path).first ?? .nan)
        done = try f.openDataset(path + "/done").readAll(as: UInt8.self)
        alpha = try f.openDataset(path + "/alpha").readAll(as: Double.self)
        realization = try f.openDataset(path + "/realization").readAll(as: Int64.self)
        disorder = try f.openDataset(path + "/disorder_stream").readAll(as: Int64.self)
        guard alpha.count == done.count, realization.count == done.count, disorder.count == done.count else {
            throw ReduceError(message: "inconsistent dataset shapes")
        }
    }

    /// Local: a whole dataset of the block.
    func ds<T: HDF5Scalar>(_ name: String, _ t: T.Type) throws -> [T] { try file.openDataset(path + "/" + name).readAll(as: t) }
    /// Local: a numeric attribute of the block (NaN when empty).
    func attr(_ name: String) throws -> Double { try file.numericAttribute(name, as: Double.self, on: path).first ?? .nan }
    /// Names row `i` in a corruption message.
    func describe(_ i: Int) -> String { "\(file.path), \(path) row \(i) (alpha \(alpha[i]), realization \(realization[i]))" }
    /// The record of row `i`.
    func record(_ i: Int, _ set: ClassicalSet, _ layout: String, _ values: [Double]) -> ClassicalRecord {
        ClassicalRecord(file: fileIndex, block: path, row: i, set: set, L: L, seed: seed, realization: Int(realization[i]),
                        disorder: disorder[i], layout: layout, values: values)
    }
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

/// Bootstrap helpers shared by the classical analyses: replicate r of a
/// per-size quantity resamples that size's realizations (sizes independently).
struct SizeBootstrap {
    let indices: [[Int]]   // [replicate][k]
    init(n: Int, samples: Int, key: String) { indices = ReduceStatistics.bootstrapIndices(n: n, samples: samples, key: key) }
}

func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }
