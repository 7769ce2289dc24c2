import Foundation
import QGHDF5
import QGNumerics

/// The HDF5 and report forms of the window systematics of fits. The method
/// (`FitWindowSet`, `WindowedEstimate`, `WindowFailures`: the systematic is
/// half the range of a fit over declared windows) is QGNumerics'
/// (Sources/QGNumerics/FitWindows.swift; docs/design.md, "Fit windows and
/// their systematic error").
extension FitWindowSet {
    /// Stores the set as the dataset `path`, shape [windows, 2] (lower, upper),
    /// with the attributes `labels` (one per line), `units`, `systematic` (the
    /// rule in words) and `failed_fits` (per window, the fits left out of the
    /// spread because they failed where the default succeeded).
    func write(_ out: ReducedWriter, at path: String, failures: WindowFailures) throws {
        try out.put(path, windows.flatMap { [$0.lower, $0.upper] }, [windows.count, 2])
        try out.file.setAttribute("labels", windows.map(\.label).joined(separator: "\n"), on: path)
        try out.file.setAttribute("units", units, on: path)
        try out.file.setAttribute("systematic", Self.rule, on: path)
        try out.file.setAttribute("failed_fits", failures.counts.map(Int64.init), on: path)
    }

    /// One line for a report: the windows and the rule.
    var reportLine: String {
        "fit windows (\(units)): " + windows.map { "\($0.label) [\(fmtEdge($0.lower)), \(fmtEdge($0.upper))]" }.joined(separator: ", ")
            + "; sys = half the range over them"
    }

    private func fmtEdge(_ x: Double) -> String { String(format: "%g", x) }
}

extension WindowFailures {
    /// The report's line; nil when no fit failed.
    var note: String? {
        let parts = zip(set.windows, counts).filter { $0.1 > 0 }.map { "\($0.0.label) \($0.1)" }
        return parts.isEmpty ? nil : "window systematic: fits that failed in a window where the default succeeded, left out of the spread: "
            + parts.joined(separator: ", ")
    }
}

/// "value ± stat ± sys" for a report, with `fmtErr`'s rule for few samples
/// applied to the statistical error.
func fmtWindowed(_ e: WindowedEstimate, samples: Int, _ d: Int = 4) -> String {
    "\(fmt(e.value, d)) ± \(fmtErr(e.stat, samples: samples, d)) ± \(fmt(e.sys, d))"
}

extension ReducedWriter {
    /// Writes the window systematic of one fitted value per row,
    /// `path_sys` [rows], and the value in each of `windows` windows,
    /// `path_by_window` [rows, windows] (docs/hdf5-schema.md).
    func windowed(_ path: String, _ estimates: [WindowedEstimate], windows: Int) throws {
        try put(path + "_sys", estimates.map(\.sys))
        try put(path + "_by_window", estimates.flatMap(\.perWindow), [estimates.count, windows])
    }
}
