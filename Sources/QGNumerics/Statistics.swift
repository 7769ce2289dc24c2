#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Study-agnostic statistics and fits, pure Swift, every routine local. The
/// reducer knows this namespace as `ReduceStatistics` (QGReduce adds the
/// bootstrap index sets, which depend on the counter-based RNG). One concern per file:
/// Statistics.swift (errors and crossings), Fits.swift (least squares),
/// DataCollapse.swift (collapse quality and its fit), NelderMead.swift.
public enum Statistics {
    /// The arithmetic mean of every value (NaN for none).
    public static func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }

    /// Sample standard deviation (n - 1); NaN for fewer than two finite values.
    public static func standardDeviation(_ xs: [Double]) -> Double {
        let f = xs.filter(\.isFinite)
        guard f.count >= 2 else { return .nan }
        let m = f.reduce(0, +) / Double(f.count)
        return (f.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(f.count - 1)).squareRoot()
    }

    /// Mean of a sample and its standard error `standardDeviation / sqrt(n)`
    /// (NaN for fewer than two finite values; the mean NaN for none). Meant
    /// for finite samples: the mean and n count every value (a non-finite
    /// one makes the mean non-finite), while `standardDeviation` skips
    /// non-finite values.
    public static func meanAndError(_ xs: [Double]) -> (mean: Double, error: Double) {
        (mean(xs), standardDeviation(xs) / Double(xs.count).squareRoot())
    }

    /// Per component, the standard deviation of replicate vectors
    /// (`replicates[r][k]`, r the replicate): the bootstrap error of each of
    /// `count` values (NaN where fewer than two replicates are finite).
    public static func standardDeviations(_ replicates: [[Double]], count: Int) -> [Double] {
        (0..<count).map { k in standardDeviation(replicates.map { $0[k] }) }
    }

    /// Jackknife standard error of a statistic from its delete-one(-block)
    /// values v_b: sqrt((n - 1)/n Σ (v_b - v̄)²); nil unless every one of at
    /// least two values is finite.
    public static func jackknifeError(_ v: [Double]) -> Double? {
        let f = v.filter(\.isFinite)
        guard f.count >= 2, f.count == v.count else { return nil }
        let n = Double(f.count), m = f.reduce(0, +) / n
        return ((n - 1) / n * f.map { ($0 - m) * ($0 - m) }.reduce(0, +)).squareRoot()
    }

    /// The unweighted mean of independent estimates v_i ± e_i, over those whose
    /// value is finite: the mean, its propagated error sqrt(Σ e_i²) / n and the
    /// scatter of the values (their standard deviation, 0 for one value); NaN
    /// for none.
    public static func meanOfEstimates(_ estimates: [(value: Double, error: Double)]) -> (value: Double, error: Double, scatter: Double) {
        let v = estimates.filter(\.value.isFinite)
        guard !v.isEmpty else { return (.nan, .nan, .nan) }
        let n = Double(v.count)
        return (v.map(\.value).reduce(0, +) / n, v.map { $0.error * $0.error }.reduce(0, +).squareRoot() / n,
                v.count > 1 ? standardDeviation(v.map(\.value)) : 0)
    }

    /// Delete-one-block jackknife index sets of 0..<n: B = min(blocks, n)
    /// consecutive blocks (element i in block i B / n) and, per block, the
    /// indices outside it; none for fewer than two blocks.
    public static func jackknifeBlocks(n: Int, blocks: Int) -> [[Int]] {
        let B = min(blocks, n)
        guard B >= 2 else { return [] }
        return (0..<B).map { b in (0..<n).filter { $0 * B / n != b } }
    }

    /// Sum over rows of equally long rows (histograms of several realizations
    /// pooled bin by bin); `count` zeros when there is no row.
    public static func columnSums(_ rows: [[Double]], count: Int) -> [Double] {
        var s = [Double](repeating: 0, count: count)
        for r in rows { for k in 0..<count { s[k] += r[k] } }
        return s
    }

    /// Probability density of a histogram: counts[k] / (total × width of bin
    /// k) on the bins of `edges`; `total` is Σ counts unless given (counts
    /// past the last bin, e.g. below and above the edges, are part of the
    /// sum); NaN everywhere when the total is 0.
    public static func histogramDensity(_ counts: [Double], edges: [Double], total: Double? = nil) -> [Double] {
        let t = total ?? counts.reduce(0, +)
        return (0..<(edges.count - 1)).map { t > 0 ? counts[$0] / (t * (edges[$0 + 1] - edges[$0])) : .nan }
    }

    /// Ratio of sums Σa/Σb over realizations and its bootstrap error
    /// (realizations resampled, never states within a realization).
    public static func ratioWithError(num: [Double], den: [Double], resamples: [[Int]]) -> (value: Double, error: Double) {
        let d = den.reduce(0, +)
        let value = d > 0 ? num.reduce(0, +) / d : .nan
        let reps = resamples.map { disorderAverage(num: num, den: den, over: $0, mode: .pooled) }
        return (value, standardDeviation(reps))
    }

    /// Disorder average of the per-realization ratios num_i / den_i over the
    /// realizations `idx` (all when nil). `.pooled`: Σnum / Σden (a
    /// realization weighs by den_i, e.g. its number of eigenstates);
    /// `.perRealization`: the mean of num_i / den_i over the realizations with
    /// den_i > 0 (each weighs the same). NaN when nothing is left.
    public static func disorderAverage(num: [Double], den: [Double], over idx: [Int]? = nil, mode: DisorderAverage) -> Double {
        let ids = idx ?? Array(num.indices)
        switch mode {
        case .pooled:
            var a = 0.0, b = 0.0
            for i in ids { a += num[i]; b += den[i] }
            return b > 0 ? a / b : .nan
        case .perRealization:
            var sum = 0.0, n = 0
            for i in ids where den[i] > 0 { sum += num[i] / den[i]; n += 1 }
            return n > 0 ? sum / Double(n) : .nan
        }
    }

    /// `disorderAverage` with its bootstrap error (realizations resampled,
    /// never states within a realization) and the bootstrap replicates.
    public static func disorderAverageWithError(num: [Double], den: [Double], resamples: [[Int]], mode: DisorderAverage)
        -> (value: Double, error: Double, replicates: [Double])
    {
        // Pooled: ratioWithError's ratio of sums (its summation order), so --average pooled keeps the old numbers.
        let value = mode == .pooled ? ratioWithError(num: num, den: den, resamples: []).value : disorderAverage(num: num, den: den, mode: mode)
        let reps = resamples.map { disorderAverage(num: num, den: den, over: $0, mode: mode) }
        return (value, standardDeviation(reps), reps)
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

    /// The first x where y(x) reaches `level` on a sorted x grid: the first
    /// interval [x_(j-1), x_j] with (y_(j-1) - level)(y_j - level) <= 0 and
    /// y_(j-1) != y_j, interpolated linearly; NaN if none (or below two
    /// points). Unlike `crossing`, the first such interval is taken (no
    /// ranking by significance), and a point exactly at the level counts.
    public static func firstCrossing(x: [Double], y: [Double], level: Double) -> Double {
        for j in 1..<max(1, x.count) where (y[j - 1] - level) * (y[j] - level) <= 0 && y[j - 1] != y[j] {
            return x[j - 1] + (level - y[j - 1]) * (x[j] - x[j - 1]) / (y[j] - y[j - 1])
        }
        return .nan
    }

    /// `crossing` of two curves with errors, weighted by the error of their
    /// difference sqrt(error1² + error2²), and its bootstrap error: the standard
    /// deviation of the crossings of `replicates` pairs of replicate curves
    /// (`replicate(k)`, same x grid and weights). `replicates` holds each
    /// replicate's crossing (NaN where it has none).
    public static func crossingWithError(x: [Double], y1: [Double], error1: [Double], y2: [Double], error2: [Double],
                                         transitionFraction f: Double, replicates: Int,
                                         _ replicate: (Int) -> (y1: [Double], y2: [Double]))
        -> (x: Double, count: Int, error: Double, replicates: [Double])
    {
        let e = zip(error1, error2).map { ($0 * $0 + $1 * $1).squareRoot() }
        let c = crossing(x: x, y1: y1, y2: y2, error: e, transitionFraction: f)
        let reps = (0..<replicates).map { k -> Double in
            let r = replicate(k)
            return crossing(x: x, y1: r.y1, y2: r.y2, error: e, transitionFraction: f).x
        }
        return (c.x, c.count, standardDeviation(reps), reps)
    }
}

/// Disorder average of an eigenstate observable over an eps window (or one
/// eps bin), `Statistics.disorderAverage`: S1 and the chain studies (the
/// reducer's `--average`).
public enum DisorderAverage: String, Sendable, CaseIterable {
    /// The mean over realizations of each realization's mean over its
    /// eigenstates in the window: every realization weighs the same
    /// (realizations without a state in the window are left out).
    case perRealization = "realization"
    /// Σ over realizations and eigenstates / number of eigenstates: a
    /// realization weighs by its number of states in the window.
    case pooled
}
