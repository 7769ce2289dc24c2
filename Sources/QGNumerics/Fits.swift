#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Statistics {
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

    /// A straight-line fit with its goodness of fit (`lineFit`).
    public struct LineFit {
        public var intercept = Double.nan, slope = Double.nan, interceptError = Double.nan, slopeError = Double.nan
        /// Σ ((y - a - b x)/σ)², or the residual sum of squares when unweighted.
        public var chi2 = Double.nan
        /// Points minus the two parameters (negative below two points).
        public var dof: Int
        /// Whether the fit was weighted.
        public var weighted = false
    }

    /// `linearFit` with χ² and dof: weighted by `sigma` when every σ is finite
    /// and positive, unweighted otherwise (or when nil); NaN below two points.
    public static func lineFit(x: [Double], y: [Double], sigma: [Double]? = nil) -> LineFit {
        var r = LineFit(dof: x.count - 2)
        guard x.count >= 2 else { return r }
        let s = sigma.flatMap { $0.allSatisfy { $0.isFinite && $0 > 0 } ? $0 : nil }
        let f = linearFit(x: x, y: y, sigma: s)
        (r.intercept, r.slope, r.interceptError, r.slopeError, r.weighted) = (f.intercept, f.slope, f.interceptError, f.slopeError, s != nil)
        r.chi2 = x.indices.reduce(0.0) { c, i in
            let d = y[i] - f.intercept - f.slope * x[i]
            return c + (s.map { d * d / ($0[i] * $0[i]) } ?? d * d)
        }
        return r
    }

    /// Power law y = A x^e as the straight line ln y = ln A + e ln x (`lineFit`:
    /// slope e, intercept ln A), weighted by the errors of ln y, sigma / y,
    /// when `sigma` is given and every one of those is finite and positive
    /// (unweighted otherwise). The caller picks the points: every x and y is
    /// meant positive.
    public static func powerLawLineFit(x: [Double], y: [Double], sigma: [Double]? = nil) -> LineFit {
        lineFit(x: x.map { log($0) }, y: y.map { log($0) }, sigma: sigma.map { zip($0, y).map { $0 / $1 } })
    }

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
