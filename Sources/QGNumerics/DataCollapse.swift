#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Statistics {
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
