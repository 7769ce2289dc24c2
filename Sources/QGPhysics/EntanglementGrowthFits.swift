import Foundation
import QGNumerics

/// S6c's growth-law fits in one window of `<S>(t)` and the declared window
/// set (the S6c reduction, docs/quench-entanglement.md); the reason a fit is
/// empty, in words, is the reducer's (`whyEmpty`, EntanglementGrowthReducer.swift).
public enum EntanglementGrowthFits {
    /// The fit windows of the window-systematic error (FitWindows.swift), in
    /// fractions of S_sat: the default 0.1..0.7, each edge moved on its own
    /// (start 0.05 or 0.2, end 0.5 or 0.85). docs/quench-entanglement.md, S6c.
    public static let windows = FitWindowSet(units: "fractions of S_sat: the grid points with lower S_sat <= <S>(t) <= upper S_sat", [
        FitWindow(label: "default", lower: 0.1, upper: 0.7),
        FitWindow(label: "start-earlier", lower: 0.05, upper: 0.7),
        FitWindow(label: "start-later", lower: 0.2, upper: 0.7),
        FitWindow(label: "end-earlier", lower: 0.1, upper: 0.5),
        FitWindow(label: "end-later", lower: 0.1, upper: 0.85),
    ])
    /// The fewest grid points a growth-law fit takes (two parameters and one degree of freedom).
    public static let minimumPoints = 3

    public struct Result {
        public var logSlope = Double.nan, logSlopeErr = Double.nan, logChi2 = Double.nan
        public var powerExponent = Double.nan, powerExponentErr = Double.nan, powerChi2 = Double.nan
        /// The grid indices in the window (whether or not the fit ran).
        public var points: [Int] = []
    }

    /// S = a + b ln t and ln S = ln c + beta ln t, weighted by the standard
    /// errors (1e-3 where a point has none), over the grid points with
    /// lower S_sat <= <S>(t) <= upper S_sat; NaN with fewer than `minimumPoints`.
    public static func fit(times: [Double], mean m: [Double], err e: [Double], saturation s: Double, window: FitWindow) -> Result {
        let win = times.indices.filter { m[$0] >= window.lower * s && m[$0] <= window.upper * s && times[$0] > 0 }
        var r = Result(points: win)
        guard win.count >= minimumPoints else { return r }
        let x: [Double] = win.map { Foundation.log(times[$0]) }
        let w: [Double] = win.map { e[$0].isFinite && e[$0] > 0 ? e[$0] : 1e-3 }
        let f1 = Statistics.lineFit(x: x, y: win.map { m[$0] }, sigma: w)
        let f2 = Statistics.powerLawLineFit(x: win.map { times[$0] }, y: win.map { m[$0] }, sigma: w)
        r.logSlope = f1.slope; r.logSlopeErr = f1.slopeError; r.logChi2 = f1.chi2
        r.powerExponent = f2.slope; r.powerExponentErr = f2.slopeError; r.powerChi2 = f2.chi2
        return r
    }

    /// The first gap in the window's grid indices (last index before it, first
    /// after it): <S>(t) left the window and came back. nil when contiguous.
    public static func reentry(_ points: [Int]) -> (Int, Int)? {
        zip(points, points.dropFirst()).first { $1 != $0 + 1 }
    }
}
