/// Window systematics of fits, declared once for every reducer that chooses a
/// fit window (S9 stretched exponentials, S6c growth laws, S3 growth exponent;
/// docs/design.md, "Fit windows and their systematic error"). The HDF5 and
/// report forms are QGReduce's (Sources/QGReduce/FitWindows.swift).
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
public struct FitWindow: Equatable, Sendable {
    /// A short name: "default", "deeper", ... (stored with the set).
    public var label: String
    /// The window's two edges, in the units the reducer declares (fractions of
    /// an amplitude, of the saturation value, of the steps).
    public var lower: Double
    public var upper: Double

    public init(label: String, lower: Double, upper: Double) {
        self.label = label
        self.lower = lower
        self.upper = upper
    }
}

/// One fitted parameter over a window set: the default window's value and
/// statistical error, the window-systematic error and each window's value.
public struct WindowedEstimate: Sendable {
    public var value = Double.nan
    public var stat = Double.nan
    /// Half the range of the finite values in `perWindow`; NaN when the default
    /// fit failed or no other window's fit succeeded.
    public var sys = Double.nan
    /// The value in each window of the set, in the set's order (NaN where that fit failed).
    public var perWindow: [Double] = []
}

/// A declared set of fit windows; the first is the default.
public struct FitWindowSet: Sendable {
    public let windows: [FitWindow]
    /// What the edges mean, in words (stored as the `units` attribute).
    public let units: String

    public init(units: String, _ windows: [FitWindow]) {
        precondition(windows.count >= 2 && windows[0].label == "default", "a window set starts with its default window and has variations")
        precondition(Set(windows.map(\.label)).count == windows.count, "window labels are unique")
        self.units = units
        self.windows = windows
    }

    public var central: FitWindow { windows[0] }

    /// The rule in words (stored as the `systematic` attribute and quoted in reports).
    public static let rule = "window-systematic error = half the range (max - min) of the fitted value over the windows whose fit succeeded"

    /// Half the range of the finite values, the first one being the default's:
    /// NaN when the default is not finite or fewer than two values are.
    public static func systematic(_ values: [Double]) -> Double {
        guard let first = values.first, first.isFinite else { return .nan }
        let f = values.filter(\.isFinite)
        guard f.count >= 2, let lo = f.min(), let hi = f.max() else { return .nan }
        return (hi - lo) / 2
    }

    /// Fits `count` parameters in every window (`fit(index, window)` returns each
    /// parameter's value and statistical error; index 0 is the default window;
    /// the statistical errors of the variations are not used, so `fit` may skip
    /// them for index > 0) and combines them per parameter.
    public func estimates(_ count: Int, _ fit: (Int, FitWindow) -> [(value: Double, stat: Double)]) -> [WindowedEstimate] {
        let all = windows.enumerated().map { (i, w) -> [(value: Double, stat: Double)] in
            let r = fit(i, w)
            precondition(r.count == count, "a window fit returns \(count) parameters")
            return r
        }
        return (0..<count).map { k in combine(all.map { $0[k].value }, stat: all[0][k].stat) }
    }

    /// One parameter: `estimates(1, ...)`.
    public func estimate(_ fit: (Int, FitWindow) -> (value: Double, stat: Double)) -> WindowedEstimate {
        estimates(1) { [fit($0, $1)] }[0]
    }

    /// Combines values already computed per window (in the set's order) with the
    /// default window's statistical error.
    public func combine(_ perWindow: [Double], stat: Double) -> WindowedEstimate {
        precondition(perWindow.count == windows.count, "one value per window")
        return WindowedEstimate(value: perWindow[0], stat: stat, sys: Self.systematic(perWindow), perWindow: perWindow)
    }
}

/// Per window of a set, the fits that failed although the default one
/// succeeded: they are left out of the spread (a variation that cannot be
/// fitted says nothing about the default's value). Stored with the set
/// (`failed_fits`) and noted in the report, not among the warnings: the quoted
/// value and its statistical error are unaffected.
public struct WindowFailures: Sendable {
    public let set: FitWindowSet
    public private(set) var counts: [Int]
    public init(_ set: FitWindowSet) { self.set = set; counts = [Int](repeating: 0, count: set.windows.count) }

    public mutating func add(_ e: WindowedEstimate) {
        guard e.value.isFinite else { return }
        for (i, v) in e.perWindow.enumerated() where !v.isFinite { counts[i] += 1 }
    }
}
