import Foundation
import QGHDF5

/// Window systematics of fits, declared once for every reducer that chooses a
/// fit window (S9 stretched exponentials, S6c growth laws, S3 growth exponent;
/// docs/design.md, "Fit windows and their systematic error").
///
/// A fitted exponent depends on where the fit starts and stops, and that
/// dependence is not covered by the statistical error (jackknife, bootstrap or
/// covariance), which only measures the scatter of samples at a fixed window.
/// Each reducer therefore declares, once, a `FitWindowSet`: the default window,
/// whose fit is the quoted value with its statistical error, then documented
/// variations of it (each edge moved on its own, and both together). The same
/// fit is repeated in every window, and the **window-systematic error** is
///
///     sys = (max - min) / 2   over the values of every window whose fit succeeded,
///
/// half the range of the values. It is the half-width of the band that holds
/// every declared window's value. Why not the standard deviation: the windows
/// are a small set chosen on purpose, not random draws, so a standard deviation
/// has no sampling meaning. It would also shrink when a nearly identical window
/// is added, while the half-range changes only when a new window moves the
/// envelope. Reports print value ± stat ± sys. The two errors are kept apart,
/// never added.
struct FitWindow: Equatable {
    /// A short name: "default", "deeper", ... (stored with the set).
    var label: String
    /// The window's two edges, in the units the reducer declares (fractions of
    /// an amplitude, of the saturation value, of the steps).
    var lower: Double
    var upper: Double
}

/// One fitted parameter over a window set: the default window's value and
/// statistical error, the window-systematic error and each window's value.
struct WindowedEstimate {
    var value = Double.nan
    var stat = Double.nan
    /// Half the range of the finite values in `perWindow`; NaN when the default
    /// fit failed or no other window's fit succeeded.
    var sys = Double.nan
    /// The value in each window of the set, in the set's order (NaN where that fit failed).
    var perWindow: [Double] = []

}

/// A declared set of fit windows; the first is the default.
struct FitWindowSet {
    let windows: [FitWindow]
    /// What the edges mean, in words (stored as the `units` attribute).
    let units: String

    init(units: String, _ windows: [FitWindow]) {
        precondition(windows.count >= 2 && windows[0].label == "default", "a window set starts with its default window and has variations")
        precondition(Set(windows.map(\.label)).count == windows.count, "window labels are unique")
        self.units = units
        self.windows = windows
    }

    var central: FitWindow { windows[0] }

    /// The rule in words (stored as the `systematic` attribute and quoted in reports).
    static let rule = "window-systematic error = half the range (max - min) of the fitted value over the windows whose fit succeeded"

    /// Half the range of the finite values, the first one being the default's:
    /// NaN when the default is not finite or fewer than two values are.
    static func systematic(_ values: [Double]) -> Double {
        guard let first = values.first, first.isFinite else { return .nan }
        let f = values.filter(\.isFinite)
        guard f.count >= 2, let lo = f.min(), let hi = f.max() else { return .nan }
        return (hi - lo) / 2
    }

    /// Fits `count` parameters in every window (`fit(index, window)` returns each
    /// parameter's value and statistical error; index 0 is the default window;
    /// the statistical errors of the variations are not used, so `fit` may skip
    /// them for index > 0) and combines them per parameter.
    func estimates(_ count: Int, _ fit: (Int, FitWindow) -> [(value: Double, stat: Double)]) -> [WindowedEstimate] {
        let all = windows.enumerated().map { (i, w) -> [(value: Double, stat: Double)] in
            let r = fit(i, w)
            precondition(r.count == count, "a window fit returns \(count) parameters")
            return r
        }
        return (0..<count).map { k in combine(all.map { $0[k].value }, stat: all[0][k].stat) }
    }

    /// One parameter: `estimates(1, ...)`.
    func estimate(_ fit: (Int, FitWindow) -> (value: Double, stat: Double)) -> WindowedEstimate {
        estimates(1) { [fit($0, $1)] }[0]
    }

    /// Combines values already computed per window (in the set's order) with the
    /// default window's statistical error.
    func combine(_ perWindow: [Double], stat: Double) -> WindowedEstimate {
        precondition(perWindow.count == windows.count, "one value per window")
        return WindowedEstimate(value: perWindow[0], stat: stat, sys: Self.systematic(perWindow), perWindow: perWindow)
    }

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

/// Per window of a set, the fits that failed although the default one
/// succeeded: they are left out of the spread (a variation that cannot be
/// fitted says nothing about the default's value). Stored with the set
/// (`failed_fits`) and noted in the report, not among the warnings: the quoted
/// value and its statistical error are unaffected.
struct WindowFailures {
    let set: FitWindowSet
    private(set) var counts: [Int]
    init(_ set: FitWindowSet) { self.set = set; counts = [Int](repeating: 0, count: set.windows.count) }

    mutating func add(_ e: WindowedEstimate) {
        guard e.value.isFinite else { return }
        for (i, v) in e.perWindow.enumerated() where !v.isFinite { counts[i] += 1 }
    }

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
