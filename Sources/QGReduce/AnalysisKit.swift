import Foundation
import QGNumerics

/// Pieces every study's analysis shares (the numerics themselves live in
/// QGNumerics' `Statistics`): grouping the merged records by the points of the
/// reduced file, and attributes several reduced files carry.

/// A disorder average (or any estimate) with its error.
struct Estimate { var value: Double; var error: Double }

/// The records grouped by `point`: the points sorted by `pointOrder`, each with
/// its records sorted by `recordOrder` (realizations in a fixed order, so that
/// the numbers do not depend on how the inputs were split).
func groupedByPoint<P: Hashable, R>(_ records: [R], _ point: (R) -> P, pointOrder: (P, P) -> Bool,
                                    recordOrder: (R, R) -> Bool) -> [(point: P, records: [R])] {
    var groups: [P: [R]] = [:]
    for r in records { groups[point(r), default: []].append(r) }
    return groups.keys.sorted(by: pointOrder).map { ($0, groups[$0]!.sorted(by: recordOrder)) }
}

/// `groupedByPoint` for realization records: each point's records in
/// (seed, realization) order, the order of their key.
func groupedByPoint<P: Hashable, R: RealizationRecord>(_ records: [R], _ point: (R) -> P,
                                                       pointOrder: (P, P) -> Bool) -> [(point: P, records: [R])] {
    groupedByPoint(records, point, pointOrder: pointOrder,
                   recordOrder: { ($0.key.seed, $0.key.realization) < ($1.key.seed, $1.key.realization) })
}

extension Sequence where Element: Hashable {
    /// The distinct elements, in the order of their first appearance.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

extension DisorderAverage {
    /// The mode in words, for the reports.
    var phrase: String { self == .pooled ? "pooled over eigenstates" : "mean of per-realization means" }
}

extension ReducedWriter {
    /// The root attributes of a study that averages eigenstates over an eps
    /// window (docs/hdf5-schema.md): `eps_window` [lo, hi] and `average` (the
    /// `--average` mode).
    func epsAveraging(window lo: Double, _ hi: Double, average: DisorderAverage) throws {
        try file.setAttribute("eps_window", [lo, hi])
        try file.setAttribute("average", average.rawValue)
    }

    /// Sets text attributes of the object at `p`, in the order given.
    func attrs(_ p: String, text values: KeyValuePairs<String, String>) throws {
        for (name, v) in values { try attr(name, v, on: p) }
    }
}
