import Foundation
import QGHDF5
import QGPhysics

/// One completed task of a classical campaign file (studies fields,
/// avalanche, twoflip, tempering), as the reducer sees it (one per h_x for
/// twoflip).
struct ClassicalRecord: RealizationRecord {
    /// Its set (everything but L and the realization) and L; the disorder is
    /// the stored disorder stream.
    struct Point: TaskPoint {
        var set: ClassicalSet, L: Int
        var description: String { "\(set.key), L \(L)" }
    }
    var task: TaskIdentity<Point>
    /// Settings that every task of a set must share (bins, steps, T grid...).
    var layout: String
    /// Study-specific payload (see each study's `read`, e.g. `FieldsStudy.read`).
    var values: [Double]
}

/// A curve family of the reduced file: one (alpha, state, h_x, ...) choice.
struct ClassicalSet: Hashable, Comparable, Codable {
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

/// Rows of one output block of a classical campaign file (e.g. /fields/L128)
/// with the columns every classical study has, as a study's `read` sees them.
/// Row indices `i` are local (0 ..< task.count).
struct ClassicalBlock {
    let task: TaskBlock
    /// The done, realization and disorder_stream columns.
    let tasks: TaskRows
    let L: Int
    let boundary: Int
    let alpha: [Double]

    init(_ b: TaskBlock) throws {
        task = b
        tasks = try TaskRows(b)
        L = Int(try b.attr("L"))
        boundary = Int(try b.attr("boundary_open"))
        alpha = try b.column("alpha", Double.self)
    }

    /// Row `i` as a corrupt row, named with its alpha (`TaskRows.records`).
    func corrupt(_ i: Int, _ why: String) -> CorruptRow { CorruptRow(detail: "alpha \(alpha[i])", why: why) }
    /// The record of row `i`.
    func record(_ i: Int, _ set: ClassicalSet, _ layout: String, _ values: [Double]) -> ClassicalRecord {
        ClassicalRecord(task: tasks.task(i, .init(set: set, L: L)), layout: layout, values: values)
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

