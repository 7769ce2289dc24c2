#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Study-agnostic statistics and fits, pure Swift, every routine local. The
/// reducer knows this namespace as `ReduceStatistics` (QGReduce adds the
/// disorder averages and the bootstrap index sets, which depend on its
/// options and on the counter-based RNG). One concern per file:
/// Statistics.swift (errors and crossings), Fits.swift (least squares),
/// DataCollapse.swift (collapse quality and its fit), NelderMead.swift.
public enum Statistics {
    /// Sample standard deviation (n - 1); NaN for fewer than two finite values.
    public static func standardDeviation(_ xs: [Double]) -> Double {
        let f = xs.filter(\.isFinite)
        guard f.count >= 2 else { return .nan }
        let m = f.reduce(0, +) / Double(f.count)
        return (f.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(f.count - 1)).squareRoot()
    }

    /// Ratio of sums Σa/Σb over realizations and its bootstrap error
    /// (realizations resampled, never states within a realization).
    public static func ratioWithError(num: [Double], den: [Double], resamples: [[Int]]) -> (value: Double, error: Double) {
        let d = den.reduce(0, +)
        let value = d > 0 ? num.reduce(0, +) / d : .nan
        let reps = resamples.map { idx -> Double in
            var a = 0.0, b = 0.0
            for i in idx { a += num[i]; b += den[i] }
            return b > 0 ? a / b : .nan
        }
        return (value, standardDeviation(reps))
    }

    /// Where curves y1(x) and y2(x) (same sorted x grid) cross: a sign change
    /// of y1 - y2, linearly interpolated; NaN if none. `count` is the number
    /// of sign changes. With several, the most significant one is taken: the
    /// one whose bracketing differences are largest in units of their errors
    /// (`error[i]` = error of y1[i] - y2[i]; without errors, in plain units),
    /// so noise crossings where the curves coincide are not picked.
    ///
    /// `transitionFraction` f > 0 restricts the search to intervals where the
    /// mean curve (y1 + y2)/2 lies within [min + f Δ, max - f Δ] (Δ its range)
    /// at both ends: the transition region of a sigmoid-like observable, away
    /// from the plateaus where the curves coincide up to noise.
    public static func crossing(x: [Double], y1: [Double], y2: [Double], error: [Double]? = nil,
                                transitionFraction f: Double = 0) -> (x: Double, count: Int) {
        var found = Double.nan, count = 0, bestScore = -Double.infinity
        let mean = zip(y1, y2).map { ($0 + $1) / 2 }.filter(\.isFinite)
        let lo = mean.min() ?? 0, hi = mean.max() ?? 0, span = hi - lo
        func inside(_ i: Int) -> Bool {
            let m = (y1[i] + y2[i]) / 2
            return f <= 0 || (m >= lo + f * span && m <= hi - f * span)
        }
        for i in 0..<(x.count - 1) where inside(i) && inside(i + 1) {
            let d0 = y1[i] - y2[i], d1 = y1[i + 1] - y2[i + 1]
            guard d0.isFinite && d1.isFinite, d0 * d1 < 0 || (d0 == 0 && d1 != 0) else { continue }
            count += 1
            let e0 = error.map { $0[i] > 0 ? $0[i] : 1 } ?? 1, e1 = error.map { $0[i + 1] > 0 ? $0[i + 1] : 1 } ?? 1
            let score = min(abs(d0) / e0, abs(d1) / e1) + (d0 == 0 ? 0 : 1e-12)
            if score > bestScore {
                bestScore = score
                found = x[i] + (x[i + 1] - x[i]) * d0 / (d0 - d1)
            }
        }
        return (found, count)
    }
}
