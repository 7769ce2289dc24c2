import QGPhysics
#if canImport(Glibc)
import Glibc
#endif

/// Resampling, crossings, fits and the data-collapse quality used by the
/// reducer. Pure Swift; every routine is local.
public enum ReduceStatistics {
    /// Deterministic bootstrap index sets: `samples` resamples of 0..<n with
    /// replacement, from a counter-based stream keyed by `key`.
    public static func bootstrapIndices(n: Int, samples: Int, seed: UInt64 = 0x5EED, key: String) -> [[Int]] {
        var rng = CounterRNG(seed: seed, stream: StreamKey.make("bootstrap|" + key), realization: 0)
        return (0..<samples).map { _ in (0..<n).map { _ in Int(rng.uniform() * Double(n)) } }
    }

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
        let value: Double
        if mode == .pooled {
            // Same summation order as ratioWithError: --average pooled keeps the old numbers.
            let d = den.reduce(0, +)
            value = d > 0 ? num.reduce(0, +) / d : .nan
        } else {
            value = disorderAverage(num: num, den: den, mode: mode)
        }
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

    /// Least-squares line y = a + b x (unweighted when `sigma` is nil);
    /// returns intercept, slope and their standard errors.
    public static func linearFit(x: [Double], y: [Double], sigma: [Double]? = nil)
        -> (intercept: Double, slope: Double, interceptError: Double, slopeError: Double)
    {
        let w = sigma.map { $0.map { $0 > 0 && $0.isFinite ? 1 / ($0 * $0) : 0 } } ?? [Double](repeating: 1, count: x.count)
        var s = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        for i in x.indices { s += w[i]; sx += w[i] * x[i]; sy += w[i] * y[i]; sxx += w[i] * x[i] * x[i]; sxy += w[i] * x[i] * y[i] }
        let delta = s * sxx - sx * sx
        guard delta != 0 else { return (.nan, .nan, .nan, .nan) }
        let a = (sxx * sy - sx * sxy) / delta, b = (s * sxy - sx * sy) / delta
        var ea = (sxx / delta).squareRoot(), eb = (s / delta).squareRoot()
        if sigma == nil {
            // Unweighted: scale by the residual variance.
            let dof = Double(x.count - 2)
            let rss = x.indices.reduce(0.0) { $0 + pow(y[$1] - a - b * x[$1], 2) }
            let scale = dof > 0 ? (rss / dof).squareRoot() : .nan
            ea *= scale; eb *= scale
        }
        return (a, b, ea, eb)
    }

    /// One curve of a data collapse: a system size and its points.
    public struct Curve: Sendable {
        public var L: Double
        public var h: [Double]
        public var y: [Double]
        public var dy: [Double]
        public init(L: Double, h: [Double], y: [Double], dy: [Double]) { self.L = L; self.h = h; self.y = y; self.dy = dy }
    }

    /// Houdayer-Hartmann collapse quality S for x = (h - hc) L^(1/nu): for
    /// every point i of size L and every other size L' whose scaled points
    /// bracket x_i, the interpolated Y (and dY) from the two bracketing points
    /// enters S = (1/N) Σ (y_i - Y)^2 / (dy_i^2 + dY^2). S ≈ 1 when the curves
    /// agree within errors. Returns (S, N).
    public static func collapseQuality(_ curves: [Curve], hc: Double, nu: Double) -> (S: Double, terms: Int) {
        let scaled: [[(x: Double, y: Double, dy: Double)]] = curves.map { c in
            c.h.indices.map { ((c.h[$0] - hc) * pow(c.L, 1 / nu), c.y[$0], c.dy[$0]) }.filter { $0.y.isFinite }.sorted { $0.x < $1.x }
        }
        var sum = 0.0, n = 0
        for a in scaled.indices {
            for p in scaled[a] {
                for b in scaled.indices where b != a {
                    let q = scaled[b]
                    guard q.count >= 2, let j = q.firstIndex(where: { $0.x >= p.x }), j > 0 else { continue }
                    let lo = q[j - 1], hi = q[j]
                    let span = hi.x - lo.x
                    guard span > 0 else { continue }
                    let t = (p.x - lo.x) / span
                    let Y = lo.y + t * (hi.y - lo.y)
                    let dY2 = (1 - t) * (1 - t) * lo.dy * lo.dy + t * t * hi.dy * hi.dy
                    let den = p.dy * p.dy + dY2
                    guard den > 0 else { continue }
                    sum += (p.y - Y) * (p.y - Y) / den
                    n += 1
                }
            }
        }
        return (n > 0 ? sum / Double(n) : .infinity, n)
    }

    /// Nelder-Mead minimization of f over R^d from `start` with initial
    /// simplex steps `step`. Returns the best point, value and whether the
    /// simplex shrank below `tolerance` within `maxIterations`.
    public static func nelderMead(_ f: ([Double]) -> Double, start: [Double], step: [Double],
                                  tolerance: Double = 1e-8, maxIterations: Int = 2000) -> (x: [Double], value: Double, converged: Bool) {
        let d = start.count
        var simplex = [start]
        for i in 0..<d { var p = start; p[i] += step[i]; simplex.append(p) }
        var values = simplex.map(f)
        for _ in 0..<maxIterations {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }; values = order.map { values[$0] }
            if abs(values[d] - values[0]) <= tolerance * (abs(values[0]) + tolerance) {
                var size = 0.0
                for p in simplex.dropFirst() { for i in 0..<d { size = max(size, abs(p[i] - simplex[0][i])) } }
                if size < 1e-6 { return (simplex[0], values[0], true) }
            }
            var centroid = [Double](repeating: 0, count: d)
            for p in simplex.dropLast() { for i in 0..<d { centroid[i] += p[i] / Double(d) } }
            func along(_ t: Double) -> [Double] { (0..<d).map { centroid[$0] + t * (simplex[d][$0] - centroid[$0]) } }
            let xr = along(-1), fr = f(xr)
            if fr < values[0] {
                let xe = along(-2), fe = f(xe)
                if fe < fr { simplex[d] = xe; values[d] = fe } else { simplex[d] = xr; values[d] = fr }
            } else if fr < values[d - 1] {
                simplex[d] = xr; values[d] = fr
            } else {
                let xc = fr < values[d] ? along(-0.5) : along(0.5)
                let fc = f(xc)
                if fc < min(fr, values[d]) {
                    simplex[d] = xc; values[d] = fc
                } else {
                    for k in 1...d {
                        simplex[k] = (0..<d).map { simplex[0][$0] + 0.5 * (simplex[k][$0] - simplex[0][$0]) }
                        values[k] = f(simplex[k])
                    }
                }
            }
        }
        let best = values.indices.min { values[$0] < values[$1] }!
        return (simplex[best], values[best], false)
    }

    /// Range of nu searched by the collapse fit.
    public static let nuBounds: ClosedRange<Double> = 0.1...10

    /// Best collapse (hc, nu): a coarse grid search for the start, then
    /// Nelder-Mead on (hc, ln nu), nu restricted to `nuBounds`.
    public static func fitCollapse(_ curves: [Curve], hRange: ClosedRange<Double>) -> (hc: Double, nu: Double, quality: Double, converged: Bool) {
        var best = (hc: Double.nan, nu: Double.nan, q: Double.infinity)
        for i in 0...20 {
            let hc = hRange.lowerBound + (hRange.upperBound - hRange.lowerBound) * Double(i) / 20
            for nu in [0.4, 0.6, 0.8, 1.0, 1.3, 1.7, 2.2, 3.0, 4.0] {
                let q = collapseQuality(curves, hc: hc, nu: nu).S
                if q < best.q { best = (hc, nu, q) }
            }
        }
        guard best.q.isFinite else { return (.nan, .nan, .nan, false) }
        let span = hRange.upperBound - hRange.lowerBound
        let r = nelderMead({ p in
            let nu = exp(p[1])
            guard nuBounds.contains(nu) else { return .infinity }
            return collapseQuality(curves, hc: p[0], nu: nu).S
        }, start: [best.hc, log(best.nu)], step: [0.05 * span, 0.2])
        return (r.x[0], exp(r.x[1]), r.value, r.converged)
    }
}

extension ReduceStatistics {
    /// Least-squares polynomial y = c0 + c1 x + ... + c_d x^d (normal
    /// equations; d <= 3, for extrapolations in 1/L). Returns nil when the
    /// system is singular or there are fewer points than coefficients.
    public static func polynomialFit(x: [Double], y: [Double], degree d: Int) -> [Double]? {
        let n = d + 1
        guard x.count >= n, d >= 0, d <= 3 else { return nil }
        var a = [Double](repeating: 0, count: n * n), b = [Double](repeating: 0, count: n)
        for (xi, yi) in zip(x, y) {
            var p = [Double](repeating: 1, count: 2 * n)
            for k in 1..<(2 * n) { p[k] = p[k - 1] * xi }
            for r in 0..<n {
                b[r] += p[r] * yi
                for c in 0..<n { a[r * n + c] += p[r + c] }
            }
        }
        // Gaussian elimination with partial pivoting.
        for col in 0..<n {
            var piv = col
            for r in (col + 1)..<n where abs(a[r * n + col]) > abs(a[piv * n + col]) { piv = r }
            guard abs(a[piv * n + col]) > 1e-300 else { return nil }
            if piv != col {
                for c in 0..<n { a.swapAt(col * n + c, piv * n + c) }
                b.swapAt(col, piv)
            }
            for r in 0..<n where r != col {
                let f = a[r * n + col] / a[col * n + col]
                if f == 0 { continue }
                for c in col..<n { a[r * n + c] -= f * a[col * n + c] }
                b[r] -= f * b[col]
            }
        }
        return (0..<n).map { b[$0] / a[$0 * n + $0] }
    }

    /// Order of a 1/L extrapolation from `sizes` sizes, at most `maxOrder`,
    /// with at least one spare degree of freedom where possible: order
    /// min(maxOrder, sizes - 2) from three sizes on; two sizes give the line
    /// through both (dof 0) and one size no extrapolation (order 0, dof 0).
    /// `dof` = sizes - (order + 1).
    public static func inverseLOrder(sizes: Int, maxOrder: Int) -> (order: Int, dof: Int) {
        let order = sizes >= 3 ? min(maxOrder, sizes - 2) : max(0, sizes - 1)
        return (order, max(0, sizes - order - 1))
    }

    /// Value at 1/L = 0 of a fit of y(L) in powers of 1/L up to `order`
    /// (lowered to the number of sizes minus one; choose it with `inverseLOrder`).
    public static func extrapolateInverseL(sizes: [Int], values: [Double], order: Int = 2) -> Double {
        guard !sizes.isEmpty else { return .nan }
        let d = min(order, sizes.count - 1)
        if d == 0 { return values.reduce(0, +) / Double(values.count) }
        return polynomialFit(x: sizes.map { 1 / Double($0) }, y: values, degree: d)?[0] ?? .nan
    }

    /// Power law y = A x^e fitted as a line in (log x, log y) over the points
    /// with x in `window` and y > 0. Returns the exponent, A and the number of points used.
    public static func powerLawFit(x: [Double], y: [Double], window: ClosedRange<Double>) -> (exponent: Double, prefactor: Double, points: Int) {
        var lx: [Double] = [], ly: [Double] = []
        for (a, b) in zip(x, y) where window.contains(a) && a > 0 && b > 0 && b.isFinite { lx.append(log(a)); ly.append(log(b)) }
        guard lx.count >= 2 else { return (.nan, .nan, lx.count) }
        let f = linearFit(x: lx, y: ly)
        return (f.slope, exp(f.intercept), lx.count)
    }
}
