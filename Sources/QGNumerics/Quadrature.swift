#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Typed failures of the quadratures. Nothing here returns NaN silently.
public enum QuadratureError: Error, Equatable, CustomStringConvertible {
    /// The adaptive rule hit its panel limit (or a non-finite value) before the
    /// error estimate met the tolerance.
    case notConverged(estimate: Double, errorEstimate: Double, panels: Int)
    /// A bound is infinite or NaN.
    case nonFiniteBounds(Double, Double)

    public var description: String {
        switch self {
        case let .notConverged(v, e, n):
            return "quadrature did not converge: value \(v), error estimate \(e) after \(n) panels"
        case .nonFiniteBounds:
            return "quadrature bounds must be finite"
        }
    }
}

// MARK: - Adaptive Gauss-Kronrod

/// Globally adaptive Gauss-Kronrod (7-point Gauss / 15-point Kronrod) quadrature.
///
/// Method: the interval is split into `initialPanels` equal panels; each panel is
/// integrated with the 15-point Kronrod rule, and |K15 - G7| (the error of the
/// embedded 7-point Gauss rule, a conservative bound for the K15 value) is its
/// error estimate. The panel with the largest estimate is bisected until the sum
/// of estimates is <= max(absTol, relTol * |integral|). If `maxPanels` is reached
/// first, `QuadratureError.notConverged` is thrown.
/// The nodes and weights are the standard Kronrod extension of Gauss-Legendre;
/// the tests check that K15 integrates monomials up to degree 22 and G7 up to
/// degree 13 exactly on [-1, 1].
public enum GaussKronrod15 {
    /// Kronrod abscissae on [0, 1) (symmetric rule); the last one is the centre.
    public static let xk: [Double] = [
        0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
        0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
        0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
        0.207784955007898467600689403773245, 0.0,
    ]
    /// Kronrod weights matching `xk`.
    public static let wk: [Double] = [
        0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
        0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
        0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
        0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
    ]
    /// Gauss weights for the abscissae xk[1], xk[3], xk[5], xk[7].
    public static let wg: [Double] = [
        0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
        0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
    ]

    /// One panel: (Kronrod value, Gauss value) on [a, b].
    @inline(__always)
    public static func panel(_ a: Double, _ b: Double, _ f: (Double) -> Double) -> (k: Double, g: Double) {
        let c = 0.5 * (a + b), h = 0.5 * (b - a)
        let fc = f(c)
        var k = wk[7] * fc
        var g = wg[3] * fc
        for j in 0..<7 {
            let dx = h * xk[j]
            let s = f(c - dx) + f(c + dx)
            k += wk[j] * s
            if j & 1 == 1 { g += wg[j >> 1] * s }
        }
        return (k * h, g * h)
    }

    public struct Result: Sendable {
        public let value: Double
        public let errorEstimate: Double
        public let panels: Int
    }

    /// Adaptive integral of f over [a, b] (finite); see the type's documentation.
    public static func integrate(_ a: Double, _ b: Double, absTol: Double = 0, relTol: Double = 1e-10,
                                 initialPanels: Int = 1, maxPanels: Int = 2000,
                                 _ f: (Double) -> Double) throws(QuadratureError) -> Result {
        guard a.isFinite, b.isFinite else { throw .nonFiniteBounds(a, b) }
        if a == b { return Result(value: 0, errorEstimate: 0, panels: 0) }
        var lo = [Double](), hi = [Double](), val = [Double](), err = [Double]()
        let m = max(1, initialPanels)
        for i in 0..<m {
            let x0 = a + (b - a) * Double(i) / Double(m)
            let x1 = i == m - 1 ? b : a + (b - a) * Double(i + 1) / Double(m)
            let (k, g) = panel(x0, x1, f)
            lo.append(x0); hi.append(x1); val.append(k); err.append(abs(k - g))
        }
        while true {
            var total = 0.0, totalErr = 0.0, worst = 0
            for i in 0..<val.count {
                total += val[i]; totalErr += err[i]
                if err[i] > err[worst] { worst = i }
            }
            guard total.isFinite, totalErr.isFinite else {
                throw .notConverged(estimate: total, errorEstimate: totalErr, panels: val.count)
            }
            if totalErr <= max(absTol, relTol * abs(total)) {
                return Result(value: total, errorEstimate: totalErr, panels: val.count)
            }
            let x0 = lo[worst], x1 = hi[worst], mid = 0.5 * (x0 + x1)
            if val.count >= maxPanels || !(mid > x0 && mid < x1) {
                throw .notConverged(estimate: total, errorEstimate: totalErr, panels: val.count)
            }
            let (k1, g1) = panel(x0, mid, f)
            let (k2, g2) = panel(mid, x1, f)
            hi[worst] = mid; val[worst] = k1; err[worst] = abs(k1 - g1)
            lo.append(mid); hi.append(x1); val.append(k2); err.append(abs(k2 - g2))
        }
    }
}

// MARK: - Gauss-Legendre

/// The n-point Gauss-Legendre rule on [-1, 1] (exact for polynomials of degree
/// <= 2n - 1), and its composite form on equal panels.
///
/// Nodes and weights come from Newton iteration on P_n from the Chebyshev
/// guesses cos(pi (i + 3/4) / (n + 1/2)), to machine precision; the nodes are
/// in decreasing order.
public struct GaussLegendre: Sendable {
    public let nodes: [Double]
    public let weights: [Double]

    /// The n-point rule, n >= 2.
    public init(points n: Int) {
        precondition(n >= 2, "Gauss-Legendre rule needs n >= 2")
        var x = [Double](repeating: 0, count: n), w = x
        for i in 0..<n {
            var z = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var dp = 0.0
            for _ in 0..<100 {
                var p0 = 1.0, p1 = z
                for k in 2...n {
                    let p2 = ((2 * Double(k) - 1) * z * p1 - (Double(k) - 1) * p0) / Double(k)
                    p0 = p1; p1 = p2
                }
                dp = Double(n) * (z * p1 - p0) / (z * z - 1)
                let dz = p1 / dp
                z -= dz
                if abs(dz) < 1e-16 { break }
            }
            x[i] = z
            w[i] = 2 / ((1 - z * z) * dp * dp)
        }
        nodes = x
        weights = w
    }

    /// A rule from tabulated nodes and weights on [-1, 1].
    public init(nodes: [Double], weights: [Double]) {
        precondition(nodes.count == weights.count && nodes.count >= 1, "Gauss-Legendre rule: as many weights as nodes")
        self.nodes = nodes
        self.weights = weights
    }

    /// The 5-point rule as tabulated (increasing nodes): the correctly rounded
    /// values of +-sqrt(5 -+ 2 sqrt(10/7))/3, 0 and the weights (322 -+ 13 sqrt 70)/900,
    /// 128/225. `GaussLegendre(points: 5)` agrees to the last bit in the nodes
    /// but not in two weights (one ulp); both are kept because the S10a sum rule
    /// (`ResonanceModelStudy`) was computed with this table, and its report
    /// prints round-off-level residuals that move with that ulp, while the RM
    /// oscillatory integrals use the Newton rule.
    public static let fivePoint = GaussLegendre(
        nodes: [-0.9061798459386640, -0.5384693101056831, 0, 0.5384693101056831, 0.9061798459386640],
        weights: [0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891])

    /// Composite rule: g integrated over [a, b] split into `panels` equal panels.
    public func integrate(_ a: Double, _ b: Double, panels: Int = 1, _ g: (Double) throws -> Double) rethrows -> Double {
        let h = (b - a) / Double(panels)
        var total = 0.0
        for k in 0..<panels {
            let mid = a + (Double(k) + 0.5) * h
            var s = 0.0
            for (x, w) in zip(nodes, weights) { s += w * (try g(mid + 0.5 * h * x)) }
            total += 0.5 * h * s
        }
        return total
    }
}

// MARK: - Trapezoid rule

/// The trapezoid rule on tabulated values.
public enum Trapezoid {
    /// int f over a uniform grid of spacing h: h (sum f - (f_first + f_last)/2).
    /// `f` must not be empty.
    public static func integrate(_ f: [Double], spacing h: Double) -> Double {
        var s = 0.0
        for x in f { s += x }
        return h * (s - 0.5 * (f.first! + f.last!))
    }

    /// int f over the grid x (any spacing, same count as f): the sum of
    /// (x_n - x_{n-1}) (f_n + f_{n-1}) / 2; 0 for fewer than two points.
    public static func integrate(_ f: [Double], at x: [Double]) -> Double {
        var s = 0.0
        for n in x.indices.dropFirst() { s += 0.5 * (x[n] - x[n - 1]) * (f[n] + f[n - 1]) }
        return s
    }
}
