import Foundation

// Mean-field theory of failed thermalizing avalanches (S8; docs/avalanche-mean-field.md).
//
// A thermal grain is coupled to l-bits n = 1..N with reduced couplings g_n. The
// resonance ansatz gives, for one l-bit with reduced coupling g_1:
//   P(g) = (1 - 1/sqrt(1 + 4 g^2)) / 2,   Q = 1 - P,   S(g) = -P ln P - Q ln Q,
// a distribution p(g; g_1) of the per-eigenstate coupling g_a (eq. A3 of the seed,
// truncated asymptotic series), the entropic enhancement
//   eta(g_1) = 2 ln  int int p(g) p(g') K(g, g') dg dg',
//   K = sqrt(P P' + Q Q') + sqrt(P Q' + Q P'),
// the mean entropy [S] = int p S (A13) and the memory C = int p (P - Q)^2 (A14),
// and the self-consistent chain g_n = g_n0 exp((1/2) sum_{m != n} eta(g_m)).
// All conventions and the derivations of the limits are in the docs page.
//
// One concern per file in this folder: the two-level resonance functions (here),
// the errors, the reduced-coupling distribution, the eta table, the chain solver,
// the critical point and the CLI formatting; the quadrature, spline and bisection
// are QGNumerics'.

// MARK: - Two-level resonance functions

/// Namespace of the mean-field theory of (failed) avalanches.
public enum AvalancheMeanField {
    /// P(g) = (1 - 1/sqrt(1 + 4 g^2)) / 2, written without cancellation as
    /// 2 g^2 / (r (1 + r)), r = sqrt(1 + 4 g^2). P(0) = 0, P(inf) = 1/2.
    public static func P(_ g: Double) -> Double {
        if g.isInfinite { return 0.5 }
        let r = (1 + 4 * g * g).squareRoot()
        return 2 * g * g / (r * (1 + r))
    }

    /// Q(g) = 1 - P(g).
    public static func Q(_ g: Double) -> Double { 1 - P(g) }

    /// S(g) = -P ln P - Q ln Q (natural log), the entanglement entropy of the
    /// resonating l-bit. S ~ g^2 (1 - 2 ln g) as g -> 0; S -> ln 2 - 1/(8 g^2) as g -> inf.
    public static func S(_ g: Double) -> Double { entropyOfP(P(g)) }

    /// Binary entropy with ln Q = log1p(-P) for accuracy at small P.
    @inline(__always)
    static func entropyOfP(_ p: Double) -> Double {
        if p <= 0 { return 0 }
        return -p * log(p) - (1 - p) * log1p(-p)
    }

    /// e(u, gamma) = 1 - c, c = 1/sqrt(1 + 4 g^2) at g = gamma/u, written as
    /// 4 gamma^2 / (s (s + u)), s = sqrt(u^2 + 4 gamma^2): exact at u = 0 (e = 1) and
    /// without cancellation for u >> gamma. P = e/2, (P - Q)^2 = (1 - e)^2.
    @inline(__always)
    static func oneMinusC(u: Double, gamma: Double) -> Double {
        let s = (u * u + 4 * gamma * gamma).squareRoot()
        if s == 0 { return 0 }
        return 4 * gamma * gamma / (s * (s + u))
    }

    /// K(g, g') - 1 as a function of e = 1 - c, e' = 1 - c'. With c = 1/sqrt(1 + 4 g^2),
    /// P P' + Q Q' = (1 + c c')/2 and P Q' + Q P' = (1 - c c')/2, so K depends on
    /// y = c c' only: K = (sqrt(1 + y) + sqrt(1 - y)) / sqrt 2. With d = 1 - y = e + e' - e e',
    /// K - 1 = sqrt(d/2) - (d/2) / (1 + sqrt(1 - d/2)), free of cancellation for small d.
    @inline(__always)
    static func kernelMinusOne(_ e: Double, _ e2: Double) -> Double {
        let h = 0.5 * (e + e2 - e * e2)
        return h.squareRoot() - h / (1 + (1 - h).squareRoot())
    }

    /// K(g, g') itself (for tests and independent checks).
    public static func kernel(_ g: Double, _ g2: Double) -> Double {
        let p = P(g), p2 = P(g2)
        return (p * p2 + (1 - p) * (1 - p2)).squareRoot() + (p * (1 - p2) + (1 - p) * p2).squareRoot()
    }
}
