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

// MARK: - Errors

/// Typed failures of the mean-field numerics. Nothing in this file returns NaN silently.
public enum AvalancheMeanFieldError: Error, Equatable, CustomStringConvertible {
    /// Adaptive quadrature hit its panel limit before the error estimate met the tolerance.
    case quadratureNotConverged(estimate: Double, errorEstimate: Double, panels: Int)
    /// The self-consistent chain did not converge within the iteration limit.
    case chainNotConverged(iterations: Int, residual: Double)
    /// An input is outside the domain (negative coupling, empty chain, NaN, ...).
    case invalidInput(String)
    /// A root search in the control parameter found no sign change in its bracket.
    case noBracket(String)

    public var description: String {
        switch self {
        case let .quadratureNotConverged(v, e, n):
            return "quadrature did not converge: value \(v), error estimate \(e) after \(n) panels"
        case let .chainNotConverged(it, r):
            return "self-consistent chain did not converge: \(it) iterations, residual \(r)"
        case let .invalidInput(s): return "invalid input: \(s)"
        case let .noBracket(s): return "no sign change: \(s)"
        }
    }
}

// MARK: - Adaptive Gauss-Kronrod quadrature

/// Globally adaptive Gauss-Kronrod (7-point Gauss / 15-point Kronrod) quadrature.
///
/// Method: the interval is split into `initialPanels` equal panels; each panel is
/// integrated with the 15-point Kronrod rule, and |K15 - G7| (the error of the
/// embedded 7-point Gauss rule, a conservative bound for the K15 value) is its
/// error estimate. The panel with the largest estimate is bisected until the sum
/// of estimates is <= max(absTol, relTol * |integral|). If `maxPanels` is reached
/// first, `AvalancheMeanFieldError.quadratureNotConverged` is thrown.
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
                                 _ f: (Double) -> Double) throws -> Result {
        guard a.isFinite, b.isFinite else { throw AvalancheMeanFieldError.invalidInput("quadrature bounds must be finite") }
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
                throw AvalancheMeanFieldError.quadratureNotConverged(estimate: total, errorEstimate: totalErr, panels: val.count)
            }
            if totalErr <= max(absTol, relTol * abs(total)) {
                return Result(value: total, errorEstimate: totalErr, panels: val.count)
            }
            let x0 = lo[worst], x1 = hi[worst], mid = 0.5 * (x0 + x1)
            if val.count >= maxPanels || !(mid > x0 && mid < x1) {
                throw AvalancheMeanFieldError.quadratureNotConverged(estimate: total, errorEstimate: totalErr, panels: val.count)
            }
            let (k1, g1) = panel(x0, mid, f)
            let (k2, g2) = panel(mid, x1, f)
            hi[worst] = mid; val[worst] = k1; err[worst] = abs(k1 - g1)
            lo.append(mid); hi.append(x1); val.append(k2); err.append(abs(k2 - g2))
        }
    }
}

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

// MARK: - Reduced-coupling distribution (A3)

/// Convention for the truncated reduced-coupling distribution (A3).
///
/// The seed writes p(g; g_1) = p~(g/g_1)/g_1 with
/// p~(x) = (2/x^2) exp(-pi^3/(4 x^2)) (1 + c1/x + c2/x^2), c1 = 5.3, c2 = 11.2 (truncated).
/// Its mass is Z = 2/pi + 4 c1/pi^3 + 4 c2/pi^4 = 1.7803 (closed form, checked by quadrature),
/// not 1. Dividing by Z restores the mass but turns the tail 2 g_1/g^2 into 2 (g_1/Z)/g^2;
/// the tail coefficient is what defines g_1 = rho [|V|] (resonances), so the default also
/// rescales the argument: p(g) = p~(g/(Z g_1)) / (Z^2 g_1), mass 1 and tail 2 g_1/g^2.
public enum ReducedCouplingConvention: String, CaseIterable, Sendable {
    /// (A3) exactly as printed: mass Z = 1.780, tail 2 g_1/g^2. eta(0) = 4 ln Z != 0.
    case asWritten = "as-written"
    /// (A3)/Z: mass 1, tail 2 (g_1/Z)/g^2; equal to `normalized` at g_1/Z.
    case massNormalized = "mass-normalized"
    /// Default: mass 1 and tail 2 g_1/g^2 (argument rescaled by Z). eta ~ -8 g ln g.
    case normalized = "normalized"

    public static let `default`: ReducedCouplingConvention = .normalized

    /// The CLI's `--normalized true|false`: true is the default convention, false is as written.
    public init(cliNormalized: Bool) { self = cliNormalized ? .normalized : .asWritten }
}

/// The reduced-coupling distribution in one convention, and the integrals over it.
///
/// Every integral over g is done in u = 1/x = (scale * g_1)/g, where
/// p(g) dg = w(u) du / divisor, w(u) = 2 exp(-b u^2) (1 + c1 u + c2 u^2), b = pi^3/4:
/// the weight is smooth and Gaussian-decaying in u (cut at u = 3, e^{-b 9} < 1e-30),
/// and the physics lives at u ~ gamma = scale * g_1. Integrals are taken in v = ln u
/// (range ln(min(gamma, 1)) - 37 ... ln 3; the part below is < 1e-16 relative) with
/// adaptive Gauss-Kronrod.
public struct ReducedCouplingDistribution: Sendable {
    public static let c1 = 5.3
    public static let c2 = 11.2
    /// b = pi^3 / 4, the Gaussian coefficient in u = 1/x.
    public static let b = Double.pi * Double.pi * Double.pi / 4
    static let uMax = 3.0
    /// Above gamma = scale g_1 = 1e30 every integral over p uses its large-g form ([S], 1 - C, eta;
    /// relative corrections O(gamma^-2) or smaller, far below rounding there): the quadrature's
    /// 4 gamma^2 overflows near gamma = 1e154, and g_1 = inf happens (saturated l-bits).
    public static let largeGamma = 1e30
    /// Below gamma = 1e-40 eta uses its matched two-term small-g form (P would reach subnormals).
    public static let etaSmallGamma = 1e-40

    public let convention: ReducedCouplingConvention

    public init(_ convention: ReducedCouplingConvention = .default) { self.convention = convention }

    /// G_k = int_0^inf u^k exp(-b u^2) du = Gamma((k+1)/2) / (2 b^((k+1)/2)).
    public static func gaussianMoment(_ k: Int) -> Double {
        tgamma(Double(k + 1) / 2) / (2 * pow(b, Double(k + 1) / 2))
    }

    /// Closed-form mass of the truncated (A3): Z = 2 (G0 + c1 G1 + c2 G2) = 2/pi + 4 c1/pi^3 + 4 c2/pi^4.
    public static var truncatedMass: Double {
        2 * (gaussianMoment(0) + c1 * gaussianMoment(1) + c2 * gaussianMoment(2))
    }

    /// m2 = int p~(x) x^-2 dx = 2 (G2 + c1 G3 + c2 G4) (unnormalized), for the large-g limits.
    public static var inverseSquareMoment: Double {
        2 * (gaussianMoment(2) + c1 * gaussianMoment(3) + c2 * gaussianMoment(4))
    }

    /// Argument scale lambda: p(g) = p~(g/(lambda g_1)) / (lambda g_1 divisor).
    public var scale: Double { convention == .normalized ? Self.truncatedMass : 1 }
    /// Divisor of the truncated form (1 as written, Z otherwise).
    public var divisor: Double { convention == .asWritten ? 1 : Self.truncatedMass }
    /// Total mass int p dg in this convention (Z as written, 1 otherwise).
    public var mass: Double { Self.truncatedMass / divisor }
    /// A in the tail p(g) ~ 2 A g_1 / g^2 (1 as written and normalized, 1/Z mass-normalized).
    public var tailCoefficient: Double { scale / divisor }
    /// eta at g_1 -> 0: 2 ln(mass^2) (4 ln Z = 2.307 as written, 0 otherwise).
    public var etaZero: Double { 4 * log(mass) }
    /// eta at g_1 -> inf: eta(0) + ln 2.
    public var etaInfinity: Double { etaZero + log(2.0) }
    /// Coefficient kappa of the small-g asymptote eta - eta(0) ~ kappa g ln(1/g):
    /// kappa = 8 lambda / Z (8 normalized; 8/Z = 4.494 as written and mass-normalized).
    /// Derivation (docs): D = int int w w (K - 1) ~ 4 Z gamma ln(1/gamma), eta - eta0 ~ 2 D / Z^2.
    public var smallGCoefficient: Double { 8 * scale / Self.truncatedMass }

    /// p~(x) of (A3), truncated, unnormalized.
    public static func truncatedShape(_ x: Double) -> Double {
        guard x > 0 else { return 0 }
        let u = 1 / x
        return 2 * u * u * exp(-b * u * u) * (1 + c1 * u + c2 * u * u)
    }

    /// p(g; g_1) in this convention.
    public func density(_ g: Double, g1: Double) -> Double {
        let s = scale * g1
        return Self.truncatedShape(g / s) / (s * divisor)
    }

    /// w(u) = p~(x) dx/du with u = 1/x.
    @inline(__always)
    static func weightU(_ u: Double) -> Double { 2 * exp(-b * u * u) * (1 + u * (c1 + c2 * u)) }

    /// Range in v = ln u for an integral at gamma = scale * g_1.
    static func vRange(gamma: Double) -> (Double, Double, Int) {
        let lo = log(min(gamma, 1)) - 37
        let hi = log(uMax)
        return (lo, hi, max(4, Int((hi - lo) / 2)))
    }

    /// int p(g; g_1) f(g) dg for a bounded f, by adaptive GK in v = ln u.
    /// `f` receives e = 1 - 1/sqrt(1 + 4 g^2) (so P = e/2); use `expectation(g1:of:)` for f(g).
    public func expectationOverE(g1: Double, relTol: Double = 1e-11, _ f: (Double) -> Double) throws -> Double {
        guard g1 >= 0, g1.isFinite else { throw AvalancheMeanFieldError.invalidInput("g1 = \(g1)") }
        if g1 == 0 { return mass * f(0) }
        let gamma = scale * g1
        let (lo, hi, n) = Self.vRange(gamma: gamma)
        let r = try GaussKronrod15.integrate(lo, hi, absTol: 1e-300, relTol: relTol, initialPanels: n) { v in
            let u = exp(v)
            return u * Self.weightU(u) * f(AvalancheMeanField.oneMinusC(u: u, gamma: gamma))
        }
        return r.value / divisor
    }

    /// int p(g; g_1) f(g) dg with f a function of g (independent-check form; slower).
    public func expectation(g1: Double, relTol: Double = 1e-11, of f: (Double) -> Double) throws -> Double {
        guard g1 > 0, g1.isFinite else { throw AvalancheMeanFieldError.invalidInput("g1 = \(g1)") }
        let gamma = scale * g1
        let (lo, hi, n) = Self.vRange(gamma: gamma)
        let r = try GaussKronrod15.integrate(lo, hi, absTol: 1e-300, relTol: relTol, initialPanels: n) { v in
            let u = exp(v)
            return u * Self.weightU(u) * f(gamma / u)
        }
        return r.value / divisor
    }

    /// Numerical mass int p dg (checks `mass`).
    public func numericalMass(relTol: Double = 1e-12) throws -> Double {
        try expectationOverE(g1: 1, relTol: relTol) { _ in 1 }
    }

    /// J_S = int_0^inf S(g)/g^2 dg = 1.8390..., so that [S] ~ 2 A J_S g_1 for g_1 -> 0
    /// (the tail 2 A g_1/g^2 of p integrated against S). GK in ln g on [-60, 60].
    public static let entropyTailIntegral: Double = {
        do {
            return try GaussKronrod15.integrate(-60, 60, relTol: 1e-14, initialPanels: 60) { v in
                let g = exp(v)
                return AvalancheMeanField.S(g) / g
            }.value
        } catch { fatalError("J_S quadrature failed: \(error)") }
    }()

    /// Mean entropy [S](g_1) = int p S (A13). Below gamma = 1e-30, where P = O(gamma^2) would
    /// reach subnormal numbers, the exact limit [S] = 2 A J_S g_1 (1 + O(g_1 ln^2 g_1)) is used.
    /// Above gamma = 1e30 (where the quadrature's 4 gamma^2 would eventually overflow; g_1 = inf
    /// for a saturated l-bit of a long avalanching chain), the large-g limit
    /// [S] = mass ln 2 - m2 / (8 gamma^2 divisor) (S = ln 2 - 1/(8 g^2) + O(g^-4)) is used.
    public func meanEntropy(g1: Double) throws -> Double {
        if g1 >= 0, scale * g1 < 1e-30 { return 2 * tailCoefficient * Self.entropyTailIntegral * g1 }
        if scale * g1 > Self.largeGamma {
            let gamma = scale * g1
            return mass * log(2.0) - Self.inverseSquareMoment / (8 * gamma * gamma * divisor)
        }
        return try expectationOverE(g1: g1) { e in AvalancheMeanField.entropyOfP(0.5 * e) }
    }

    /// Memory C(g_1) = int p (P - Q)^2 (A14), the infinite-time autocorrelator of sigma^z,
    /// computed as mass - `memoryDeficit` (no cancellation in the deficit at small g_1).
    public func memory(g1: Double) throws -> Double {
        try mass - memoryDeficit(g1: g1)
    }

    /// mass - C = int p (1 - (P - Q)^2) = int p 4 g^2/(1 + 4 g^2) (~ 2 pi A g_1 for g_1 -> 0).
    /// Below gamma = 1e-30, where 1 - c = O(gamma^2) would reach subnormal numbers and the
    /// quadrature cannot meet its relative tolerance, the exact limit 2 pi A g_1 (1 + O(g_1 ln^2 g_1))
    /// is used, as in `meanEntropy`.
    public func memoryDeficit(g1: Double) throws -> Double {
        if g1 == 0 { return 0 }
        if g1 > 0, scale * g1 < 1e-30 { return 2 * Double.pi * tailCoefficient * g1 }
        // Above gamma = 1e30 (g_1 = inf included): mass - C = mass - m2 / (4 gamma^2 divisor) (1 + O(gamma^-2)).
        if scale * g1 > Self.largeGamma {
            let gamma = scale * g1
            return mass - Self.inverseSquareMoment / (4 * gamma * gamma * divisor)
        }
        return try expectationOverE(g1: g1) { e in e * (2 - e) }
    }

    /// D(gamma) = int int w(u) w(u') (K - 1) du du' (unnormalized), nested adaptive GK in ln u,
    /// over the triangle v' < v (K is symmetric), doubled.
    func kernelExcess(gamma: Double, relTol: Double) throws -> Double {
        let (lo, hi, n) = Self.vRange(gamma: gamma)
        var innerError: AvalancheMeanFieldError? = nil
        let outer = try GaussKronrod15.integrate(lo, hi, absTol: 1e-300, relTol: relTol, initialPanels: n) { v in
            let u = exp(v)
            let e = AvalancheMeanField.oneMinusC(u: u, gamma: gamma)
            do {
                // K is symmetric: integrate v' < v only and double.
                let nIn = max(1, Int(Double(n) * (v - lo) / (hi - lo)) + 1)
                let inner = try GaussKronrod15.integrate(lo, v, absTol: 1e-300, relTol: relTol * 0.1, initialPanels: nIn) { v2 in
                    let u2 = exp(v2)
                    return u2 * Self.weightU(u2) * AvalancheMeanField.kernelMinusOne(e, AvalancheMeanField.oneMinusC(u: u2, gamma: gamma))
                }
                return u * Self.weightU(u) * inner.value
            } catch {
                innerError = error as? AvalancheMeanFieldError
                return .nan
            }
        }
        if let e = innerError { throw e }
        return 2 * outer.value
    }

    /// eta(g_1) = 2 ln int int p p K (A27), by nested adaptive Gauss-Kronrod in ln u with
    /// relative tolerance `relTol` on the excess D = int int p p (K - 1) (so the relative
    /// error of eta - eta(0) is about 2 relTol). Evaluated as
    /// eta = eta(0) + 2 log1p(D / Z^2), exact to rounding for small D.
    public func eta(_ g1: Double, relTol: Double = 1e-10) throws -> Double {
        try etaZero + etaExcess(g1, relTol: relTol)
    }

    /// eta(g_1) - eta(0) = 2 log1p(D/Z^2), computed without the cancellation that
    /// eta - eta(0) would suffer when eta(0) != 0 (the as-written convention).
    public func etaExcess(_ g1: Double, relTol: Double = 1e-10) throws -> Double {
        guard g1 >= 0, !g1.isNaN else { throw AvalancheMeanFieldError.invalidInput("g = \(g1)") }
        if g1 == 0 { return 0 }
        if g1.isInfinite { return log(2.0) }
        if scale * g1 < Self.etaSmallGamma {
            // Two-term small-g form matched at gamma = 1e-40 (next term O(g^2 ln^2 g)). ln(1/g) is
            // written -ln g: 1/g overflows to inf for a subnormal g (g < 5.6e-309).
            let ref = Self.etaSmallGamma / scale
            let b = (try etaExcess(ref, relTol: relTol)) / ref + smallGCoefficient * log(ref)
            return g1 * (-smallGCoefficient * log(g1) + b)
        }
        if scale * g1 > Self.largeGamma {
            // Large-g form (issue 21): the quadrature's 4 gamma^2 overflows near gamma = 1e154.
            return etaLargeG(g1) - etaZero
        }
        let z = Self.truncatedMass
        let d = try kernelExcess(gamma: scale * g1, relTol: relTol)
        return 2 * log1p(d / (z * z))
    }

    /// Large-g form: eta = eta(inf) + 2 ln(1 - <c^2>^2 / 8), <c^2> ~ m2 / (4 Z gamma^2), i.e.
    /// eta(inf) - eta ~ m2^2 / (64 Z^2 gamma^4) = O(g^-4). Used above the table.
    public func etaLargeG(_ g1: Double) -> Double {
        let gamma = scale * g1
        // Written as (m2 / (4 Z gamma)) / gamma: gamma^2 overflows above gamma = 1.3e154 (then <c^2> = 0).
        let c2 = Self.inverseSquareMoment / (4 * Self.truncatedMass * gamma) / gamma
        return etaInfinity + 2 * log1p(-c2 * c2 / 8)
    }
}

// MARK: - Tabulated eta

/// eta tabulated on a uniform grid in t = ln g, for the chain solver.
///
/// Stored: phi(t) = ln(eta(e^t) - eta(0)), smooth on the whole line (phi ~ t + ln(kappa |t|)
/// for t -> -inf, phi -> ln ln 2 for t -> +inf). Interpolant: natural cubic spline on
/// [tMin - margin, tMax + margin] (margin = 12 nodes, so the natural end conditions,
/// whose influence decays as 0.268^k, do not reach [tMin, tMax]). Error control: the
/// spline is compared with direct quadrature at the midpoints of every `checkStride`-th
/// interval; if the largest |delta phi| (= relative error of eta - eta(0)) exceeds
/// `interpolationTol`, the step is halved (old nodes kept) and the check repeated.
/// Outside [tMin, tMax]: above, the O(g^-4) large-g form; below, the two-term small-g form
/// eta - eta(0) = g (kappa ln(1/g) + B) with B matched at tMin (next term O(g^2 ln^2 g)).
public struct EtaTable: Sendable {
    public let distribution: ReducedCouplingDistribution
    public let tMin: Double
    public let tMax: Double
    public let step: Double
    public let t0: Double
    public let phi: [Double]
    public let m: [Double]            // spline second derivatives
    public let smallGConstant: Double // B
    /// Largest |phi_spline - phi_direct| found at the check points.
    public let interpolationError: Double
    public let quadratureTol: Double

    public init(_ convention: ReducedCouplingConvention = .default, gMin: Double = 1e-12, gMax: Double = 1e3,
                step initialStep: Double = 0.2, quadratureTol: Double = 1e-11, interpolationTol: Double = 1e-8,
                checkStride: Int = 7) throws {
        let dist = ReducedCouplingDistribution(convention)
        distribution = dist
        self.quadratureTol = quadratureTol
        tMin = log(gMin); tMax = log(gMax)
        let margin = 12
        var h = initialStep
        var nodes: [Double: Double] = [:]   // t -> phi (keyed by exact grid value)
        @Sendable func phiDirect(_ t: Double) throws -> Double {
            let v = try dist.etaExcess(exp(t), relTol: quadratureTol)
            guard v > 0 else { throw AvalancheMeanFieldError.invalidInput("eta - eta0 <= 0 at t = \(t)") }
            return log(v)
        }
        while true {
            let start = tMin - Double(margin) * h
            let n = Int(((tMax - tMin) / h).rounded(.up)) + 2 * margin + 1
            var ph = [Double](repeating: 0, count: n)
            var missing: [Int] = []
            for i in 0..<n {
                let key = ((start + Double(i) * h) * 1e9).rounded() / 1e9
                if let v = nodes[key] { ph[i] = v } else { missing.append(i) }
            }
            // New nodes in parallel (each an independent quadrature; results are order-independent).
            let hNow = h
            let computed = try Self.parallelMap(missing) { i in try phiDirect(start + Double(i) * hNow) }
            for (i, v) in zip(missing, computed) {
                ph[i] = v
                nodes[((start + Double(i) * h) * 1e9).rounded() / 1e9] = v
            }
            let mm = Self.naturalSpline(ph, h)
            // Check at interval midpoints.
            var worst = 0.0
            let firstInside = margin, lastInside = n - margin - 1
            var i = firstInside
            while i < lastInside {
                let t = start + (Double(i) + 0.5) * h
                let s = Self.splineEval(ph, mm, h, start, t).0
                worst = max(worst, abs(s - (try phiDirect(t))))
                i += checkStride
            }
            if worst <= interpolationTol || h < 1e-3 {
                guard worst <= interpolationTol else {
                    throw AvalancheMeanFieldError.quadratureNotConverged(estimate: worst, errorEstimate: worst, panels: n)
                }
                step = h; t0 = start; phi = ph; m = mm; interpolationError = worst
                break
            }
            h /= 2
        }
        // Small-g constant B from the node at tMin.
        let gLo = exp(tMin)
        let idx = Int(((tMin - t0) / step).rounded())
        let etaLo = exp(phi[idx])
        smallGConstant = etaLo / gLo - dist.smallGCoefficient * log(1 / gLo)
    }

    /// map over indices on all cores (DispatchQueue.concurrentPerform); first error rethrown.
    static func parallelMap(_ idx: [Int], _ f: @Sendable (Int) throws -> Double) throws -> [Double] {
        final class Box: @unchecked Sendable {
            var out: [Double]; var err: [Error?]
            init(_ n: Int) { out = [Double](repeating: 0, count: n); err = [Error?](repeating: nil, count: n) }
        }
        let box = Box(idx.count)
        box.out.withUnsafeMutableBufferPointer { ob in
            box.err.withUnsafeMutableBufferPointer { eb in
                nonisolated(unsafe) let o = ob, e = eb
                DispatchQueue.concurrentPerform(iterations: idx.count) { k in
                    do { o[k] = try f(idx[k]) } catch { e[k] = error }
                }
            }
        }
        if let e = box.err.compactMap({ $0 }).first { throw e }
        return box.out
    }

    /// Natural cubic spline second derivatives on a uniform grid (Thomas algorithm).
    static func naturalSpline(_ y: [Double], _ h: Double) -> [Double] {
        let n = y.count
        var m = [Double](repeating: 0, count: n)
        guard n > 2 else { return m }
        var c = [Double](repeating: 0, count: n), d = [Double](repeating: 0, count: n)
        // rows i = 1..n-2: m[i-1] + 4 m[i] + m[i+1] = 6 (y[i+1] - 2 y[i] + y[i-1]) / h^2
        for i in 1..<(n - 1) {
            let rhs = 6 * (y[i + 1] - 2 * y[i] + y[i - 1]) / (h * h)
            let denom = 4 - (i > 1 ? c[i - 1] : 0)
            c[i] = 1 / denom
            d[i] = (rhs - (i > 1 ? d[i - 1] : 0)) / denom
        }
        m[n - 2] = d[n - 2]
        if n > 3 { for i in stride(from: n - 3, through: 1, by: -1) { m[i] = d[i] - c[i] * m[i + 1] } }
        return m
    }

    @inline(__always)
    static func splineEval(_ y: [Double], _ m: [Double], _ h: Double, _ start: Double, _ t: Double) -> (Double, Double) {
        var i = Int(((t - start) / h).rounded(.down))
        i = min(max(i, 0), y.count - 2)
        let a = (start + Double(i + 1) * h - t) / h
        let b = 1 - a
        let v = a * y[i] + b * y[i + 1] + ((a * a * a - a) * m[i] + (b * b * b - b) * m[i + 1]) * h * h / 6
        let dv = (y[i + 1] - y[i]) / h + (-(3 * a * a - 1) * m[i] + (3 * b * b - 1) * m[i + 1]) * h / 6
        return (v, dv)
    }

    /// (eta, d eta / d ln g) at t = ln g. t = -inf gives (eta(0), 0).
    @inline(__always)
    public func etaAndSlope(logG t: Double) -> (Double, Double) {
        let d = distribution
        if t == -.infinity { return (d.etaZero, 0) }
        if t > tMax {
            let g = exp(t)
            let gamma = d.scale * g
            let c2 = ReducedCouplingDistribution.inverseSquareMoment / (4 * ReducedCouplingDistribution.truncatedMass * gamma * gamma)
            let x = c2 * c2 / 8
            // d/dt of 2 ln(1 - x), x ~ e^{-4t}: dx/dt = -4x
            return (d.etaInfinity + 2 * log1p(-x), 8 * x / (1 - x))
        }
        if t < tMin {
            let g = exp(t)
            let k = d.smallGCoefficient, bb = smallGConstant
            let v = g * (k * (-t) + bb)
            return (d.etaZero + v, v - k * g)
        }
        let (p, dp) = Self.splineEval(phi, m, step, t0, t)
        let v = exp(p)
        return (d.etaZero + v, v * dp)
    }

    public func eta(_ g: Double) -> Double { etaAndSlope(logG: g > 0 ? log(g) : -.infinity).0 }
}

// MARK: - Self-consistent chain

/// Result of the self-consistent chain g_n = g_n0 exp((1/2) sum_{m != n} eta(g_m)).
public struct ChainSolution: Sendable {
    /// ln g_n (-inf where g_n0 = 0).
    public let logCouplings: [Double]
    public let etas: [Double]
    /// eta_tot = sum_n eta(g_n) (eq. 14 of the seed).
    public let etaTotal: Double
    /// n_* = (eta_tot - N eta(0)) / ln 2: the number of l-bits the bubble has absorbed,
    /// as the seed defines it through eta_tot ~ n_* ln 2 (eta(0) = 0 in the normalized conventions).
    public let nStar: Double
    public let converged: Bool
    /// Evaluations of the reduced map Phi(E) (or sweeps of eq. 13 for the iterative solver).
    public let iterations: Int
    /// |Phi(E) - E| at the solution (in units of eta).
    public let residual: Double
    /// max_n |ln g_n - ln g_n0 - (eta_tot - eta_n)/2|: the residual of the N equations.
    public let siteResidual: Double
    public var couplings: [Double] { logCouplings.map { exp($0) } }
}

extension AvalancheMeanField {
    /// ln g_n0 = ln g_10 + (n - 1) ln a for the De Roeck-Huveneers chain (a = 0: only n = 1 coupled).
    public static func drhLogBare(N: Int, a: Double, g10: Double) -> [Double] {
        let la = log(a), lg = log(g10)
        return (0..<N).map { n in n == 0 ? lg : (a == 0 ? -.infinity : lg + Double(n) * la) }
    }

    /// Solves the chain for bare log-couplings `logBare` (any order, any N).
    ///
    /// Reduction: with E = sum_m eta(g_m), every equation reads
    /// ln g_n + eta(g_n)/2 = ln g_n0 + E/2, whose left side is strictly increasing in ln g_n,
    /// so g_n(E) is unique (safeguarded Newton, bracket [r - eta_inf/2, r - eta_0/2]).
    /// The chain is then the scalar problem h(E) = Phi(E) - E = 0, Phi(E) = sum_n eta(g_n(E)),
    /// Phi increasing. Iterating eq. 13 from the bare couplings converges to the least
    /// fixed point; its E is the least root E* of h on [0, inf). We find it by marching:
    /// from E = 0 (h(0) > 0 unless all g_n0 = 0), if h(E) >= `probe` we step E <- Phi(E)
    /// (certified: Phi(E) <= Phi(E*) = E*, so no root is skipped); otherwise we probe
    /// E + min(probe, 1.1 x Newton step); a sign change gives a bracket that the Illinois
    /// method closes to |bracket| <= tol (1 + E). `probe` (default 0.05 in units of eta)
    /// must be below the scale on which h varies (>= ~1 in E, as g_n(E) moves by e^{E/2}).
    /// Sites with g_n(E) > 1e4 contribute eta_inf (deficit < 1e-19) and sites below 1e-20
    /// contribute eta_0 (excess < 1e-17); sorting by g_n0 makes Phi cost O(window + log N).
    /// Throws `chainNotConverged` after `maxIterations` evaluations of Phi.
    public static func solveChain(logBare: [Double], table: EtaTable, probe: Double = 0.05,
                                  tol: Double = 1e-12, maxIterations: Int = 2_000_000) throws -> ChainSolution {
        let N = logBare.count
        guard N > 0 else { throw AvalancheMeanFieldError.invalidInput("empty chain") }
        guard !logBare.contains(where: { $0.isNaN || $0 == .infinity }) else {
            throw AvalancheMeanFieldError.invalidInput("bare couplings must be finite or zero")
        }
        let order = (0..<N).sorted { logBare[$0] > logBare[$1] }
        let sorted = order.map { logBare[$0] }
        let etaInf = table.distribution.etaInfinity, eta0 = table.distribution.etaZero
        let bulkT = log(1e4), tailT = log(1e-20)

        func siteSolve(_ r: Double) -> (t: Double, eta: Double, slope: Double) {
            if r == -.infinity { return (-.infinity, eta0, 0) }
            var lo = r - etaInf / 2, hi = r - eta0 / 2
            var t = r - table.etaAndSlope(logG: r).0 / 2
            t = min(max(t, lo), hi)
            for _ in 0..<100 {
                let (e, s) = table.etaAndSlope(logG: t)
                let f = t + e / 2 - r
                if f > 0 { hi = t } else { lo = t }
                if abs(f) <= 1e-14 * max(1, abs(r)) { return (t, e, s) }
                var tn = t - f / (1 + s / 2)
                if !(tn > lo && tn < hi) { tn = 0.5 * (lo + hi) }
                if tn == t { return (t, e, s) }
                t = tn
            }
            let (e, s) = table.etaAndSlope(logG: t)
            return (t, e, s)
        }
        // First index i with sorted[i] + E/2 <= threshold (sorted is descending).
        func firstBelow(_ thr: Double) -> Int {
            var lo = 0, hi = N
            while lo < hi { let mid = (lo + hi) / 2; if sorted[mid] > thr { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        var evaluations = 0
        func phi(_ E: Double) -> (Double, Double) {
            evaluations += 1
            // bulk: r - etaInf/2 > bulkT  <=> sorted > bulkT + etaInf/2 - E/2
            let nb = firstBelow(bulkT + etaInf / 2 - E / 2)
            // tail: r - eta0/2 < tailT  <=> sorted < tailT + eta0/2 - E/2
            let nt = max(nb, firstBelow(tailT + eta0 / 2 - E / 2))
            var s = Double(nb) * etaInf + Double(N - nt) * eta0, ds = 0.0
            var i = nb
            while i < nt {
                let (_, e, sl) = siteSolve(sorted[i] + E / 2)
                s += e; ds += sl / (2 + sl)
                i += 1
            }
            return (s, ds)
        }
        var E = 0.0
        var (ph, dph) = phi(E)
        var h = ph - E
        var converged = false
        while evaluations < maxIterations {
            if abs(h) <= tol * max(1, E) { converged = true; break }
            if h >= probe {
                E = ph
                (ph, dph) = phi(E); h = ph - E
                continue
            }
            // Probe ahead.
            var stepE = probe
            if dph < 1 { stepE = min(probe, 1.1 * h / (1 - dph)) }
            stepE = max(stepE, tol * max(1, E))
            let E2 = E + stepE
            let (ph2, dph2) = phi(E2)
            let h2 = ph2 - E2
            if h2 > 0 { E = E2; ph = ph2; dph = dph2; h = h2; continue }
            // Bracket [E, E2], h(E) > 0 >= h(E2): Illinois.
            var a = E, fa = h, b = E2, fb = h2, side = 0
            while evaluations < maxIterations {
                if fb == 0 || abs(b - a) <= tol * max(1, abs(b)) { break }
                let c = (a * fb - b * fa) / (fb - fa)
                let (pc, dpc) = phi(c)
                let fc = pc - c
                if fc > 0 {
                    a = c; fa = fc; ph = pc; dph = dpc
                    if side == -1 { fb /= 2 }
                    side = -1
                } else {
                    b = c; fb = fc
                    if side == 1 { fa /= 2 }
                    side = 1
                }
            }
            // Take the right end point of the bracket: eq. (13) from below converges to it.
            E = b
            (ph, dph) = phi(E); h = ph - E
            converged = abs(b - a) <= tol * max(1, abs(b)) || fb == 0 || abs(h) <= tol * max(1, E)
            break
        }
        guard converged else { throw AvalancheMeanFieldError.chainNotConverged(iterations: evaluations, residual: abs(h)) }
        // Site solutions at E.
        var logG = [Double](repeating: -.infinity, count: N), etas = [Double](repeating: eta0, count: N)
        var total = 0.0
        for n in 0..<N {
            let (t, e, _) = siteSolve(logBare[n] + E / 2)
            logG[n] = t; etas[n] = e; total += e
        }
        var siteRes = 0.0
        for n in 0..<N where logBare[n] > -.infinity {
            siteRes = max(siteRes, abs(logG[n] - logBare[n] - (total - etas[n]) / 2))
        }
        return ChainSolution(logCouplings: logG, etas: etas, etaTotal: total,
                             nStar: (total - Double(N) * eta0) / log(2.0), converged: true,
                             iterations: evaluations, residual: abs(total - E), siteResidual: siteRes)
    }

    /// The seed's iteration (eq. 13), damped in ln g:
    /// ln g_n <- (1 - damping) ln g_n + damping (ln g_n0 + (1/2) sum_{m != n} eta(g_m)),
    /// from the bare couplings. O(N) per sweep; converged when max_n |change of ln g_n| <= tol.
    /// Independent check of `solveChain`; throws `chainNotConverged` after `maxIterations` sweeps.
    public static func solveChainByIteration(logBare: [Double], table: EtaTable, damping: Double = 1,
                                             tol: Double = 1e-12, maxIterations: Int = 100_000) throws -> ChainSolution {
        let N = logBare.count
        guard N > 0, damping > 0, damping <= 1 else { throw AvalancheMeanFieldError.invalidInput("N = \(N), damping = \(damping)") }
        var t = logBare
        var etas = t.map { table.etaAndSlope(logG: $0).0 }
        var change = Double.infinity
        var it = 0
        while it < maxIterations {
            it += 1
            let total = etas.reduce(0, +)
            change = 0
            var next = t
            for n in 0..<N where logBare[n] > -.infinity {
                let target = logBare[n] + (total - etas[n]) / 2
                next[n] = (1 - damping) * t[n] + damping * target
                change = max(change, abs(next[n] - t[n]))
            }
            t = next
            etas = t.map { table.etaAndSlope(logG: $0).0 }
            if change <= tol { break }
        }
        guard change <= tol else { throw AvalancheMeanFieldError.chainNotConverged(iterations: it, residual: change) }
        let total = etas.reduce(0, +)
        var siteRes = 0.0
        for n in 0..<N where logBare[n] > -.infinity {
            siteRes = max(siteRes, abs(t[n] - logBare[n] - (total - etas[n]) / 2))
        }
        return ChainSolution(logCouplings: t, etas: etas, etaTotal: total,
                             nStar: (total - Double(N) * table.distribution.etaZero) / log(2.0),
                             converged: true, iterations: it, residual: siteRes, siteResidual: siteRes)
    }

    /// [S_n] profile (A13) of a solved chain (Fig. 3a).
    public static func entropyProfile(_ sol: ChainSolution, distribution: ReducedCouplingDistribution) throws -> [Double] {
        try sol.logCouplings.map { t in t == -.infinity ? 0 : try distribution.meanEntropy(g1: exp(t)) }
    }

    /// Memory profile C_n (A14) of a solved chain.
    public static func memoryProfile(_ sol: ChainSolution, distribution: ReducedCouplingDistribution) throws -> [Double] {
        try sol.logCouplings.map { t in try distribution.memory(g1: t == -.infinity ? 0 : exp(t)) }
    }

    /// Number of sites with [S_n] >= ln2 / 2 (the thermalized region of the profile; monotone in n).
    public static func thermalizedCount(_ sol: ChainSolution, distribution: ReducedCouplingDistribution) throws -> Int {
        let tHalf = try halfEntropyLogCoupling(distribution)
        return sol.logCouplings.filter { $0 >= tHalf }.count
    }

    /// ln g at which [S](g) = ln2 / 2 in a convention (bisection; [S] is increasing in g).
    public static func halfEntropyLogCoupling(_ d: ReducedCouplingDistribution) throws -> Double {
        var lo = -10.0, hi = 10.0
        let target = 0.5 * log(2.0)
        for _ in 0..<60 {
            let mid = 0.5 * (lo + hi)
            if try d.meanEntropy(g1: exp(mid)) < target { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    // MARK: Critical point

    /// ln g_N (end l-bit) of the DRH chain, whose monotone image [S_end] is Fig. 2a's curve.
    public static func endLogCoupling(N: Int, a: Double, g10: Double, table: EtaTable) throws -> Double {
        try solveChain(logBare: drhLogBare(N: N, a: a, g10: g10), table: table).logCouplings[N - 1]
    }

    /// a_c(N), midpoint criterion: the a at which [S_end](a; N) = ln2/2 (equivalently ln g_N = t_half),
    /// the centre of the step of width O(1/N) of Fig. 2a. Bisection on a in `bracket` to `tol`.
    public static func criticalPointMidpoint(N: Int, g10: Double, table: EtaTable,
                                             bracket: (Double, Double) = (0.5, 0.8), tol: Double = 1e-9) throws -> Double {
        let tHalf = try halfEntropyLogCoupling(table.distribution)
        return try bisect(bracket, tol: tol, "midpoint a_c(N = \(N))") { a in
            try endLogCoupling(N: N, a: a, g10: g10, table: table) - tHalf
        }
    }

    /// a_x(N1, N2): the crossing of the [S_end](a) curves of N1 and N2 (Fig. 2a). [S] is
    /// increasing in g, so this is the crossing of ln g_end, which neither underflows nor saturates.
    public static func crossing(N1: Int, N2: Int, g10: Double, table: EtaTable,
                                bracket: (Double, Double) = (0.6, 0.8), tol: Double = 1e-10) throws -> Double {
        try bisect(bracket, tol: tol, "crossing of N = \(N1), \(N2)") { a in
            try endLogCoupling(N: N1, a: a, g10: g10, table: table) - endLogCoupling(N: N2, a: a, g10: g10, table: table)
        }
    }

    static func bisect(_ br: (Double, Double), tol: Double, _ what: String, _ f: (Double) throws -> Double) throws -> Double {
        var lo = br.0, hi = br.1
        let flo = try f(lo), fhi = try f(hi)
        guard flo.sign != fhi.sign, flo != 0 || fhi != 0 else {
            throw AvalancheMeanFieldError.noBracket("\(what): f(\(lo)) = \(flo), f(\(hi)) = \(fhi)")
        }
        let increasing = fhi > flo
        while hi - lo > tol {
            let mid = 0.5 * (lo + hi)
            let v = try f(mid)
            if (v < 0) == increasing { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    /// Least-squares fit y = c0 + c1 x (+ c2 x^2 if `quadratic`); returns the coefficients.
    public static func polynomialFit(x: [Double], y: [Double], degree: Int) -> [Double] {
        let k = degree + 1
        var A = [Double](repeating: 0, count: k * k), r = [Double](repeating: 0, count: k)
        for (xi, yi) in zip(x, y) {
            var p = [Double](repeating: 1, count: k)
            for j in 1..<k { p[j] = p[j - 1] * xi }
            for i in 0..<k { r[i] += p[i] * yi; for j in 0..<k { A[i * k + j] += p[i] * p[j] } }
        }
        // Gaussian elimination with partial pivoting.
        for c in 0..<k {
            var piv = c
            for i in c..<k where abs(A[i * k + c]) > abs(A[piv * k + c]) { piv = i }
            if piv != c { for j in 0..<k { A.swapAt(c * k + j, piv * k + j) }; r.swapAt(c, piv) }
            for i in (c + 1)..<k {
                let f = A[i * k + c] / A[c * k + c]
                for j in c..<k { A[i * k + j] -= f * A[c * k + j] }
                r[i] -= f * r[c]
            }
        }
        var x = [Double](repeating: 0, count: k)
        for i in stride(from: k - 1, through: 0, by: -1) {
            var s = r[i]
            for j in (i + 1)..<k { s -= A[i * k + j] * x[j] }
            x[i] = s / A[i * k + i]
        }
        return x
    }

    /// Exponent of eta_tot ~ |delta a|^(-theta): slope of ln eta_tot vs ln |delta a| (returns -slope).
    public static func criticalExponent(deltaA: [Double], etaTotal: [Double]) -> Double {
        -polynomialFit(x: deltaA.map { log(abs($0)) }, y: etaTotal.map { log($0) }, degree: 1)[1]
    }

    // MARK: CLI formatting (`qglass theory eta`, `qglass theory chain`)

    /// One line of `qglass theory eta`: "g eta(g)", both as shortest round-trip decimals.
    public static func formatEtaLine(g: Double, eta: Double) -> String { "\(g) \(eta)" }

    static func jsonNumber(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }

    /// One JSON line of `qglass theory chain` for a converged solve.
    public static func formatChainLine(_ s: ChainSolution, N: Int, a: Double, g10: Double,
                                       convention: ReducedCouplingConvention) -> String {
        "{\"eta_tot\":\(jsonNumber(s.etaTotal)),\"n_star\":\(jsonNumber(s.nStar)),\"converged\":\(s.converged)," +
        "\"iterations\":\(s.iterations),\"residual\":\(jsonNumber(s.residual)),\"N\":\(N),\"a\":\(jsonNumber(a))," +
        "\"g10\":\(jsonNumber(g10)),\"convention\":\"\(convention.rawValue)\"}"
    }

    /// The JSON line when the solve failed (the CLI should then exit non-zero).
    public static func formatChainFailureLine(_ error: AvalancheMeanFieldError, N: Int, a: Double, g10: Double,
                                              convention: ReducedCouplingConvention) -> String {
        var it = 0, res = Double.nan
        if case let .chainNotConverged(i, r) = error { it = i; res = r }
        let msg = error.description.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "{\"eta_tot\":null,\"n_star\":null,\"converged\":false,\"iterations\":\(it),\"residual\":\(jsonNumber(res))," +
        "\"N\":\(N),\"a\":\(jsonNumber(a)),\"g10\":\(jsonNumber(g10)),\"convention\":\"\(convention.rawValue)\",\"error\":\"\(msg)\"}"
    }
}

// MARK: - Process-wide table cache

extension EtaTable {
    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var tables: [ReducedCouplingConvention: EtaTable] = [:]
    }
    private static let cache = Cache()

    /// The default-accuracy table of a convention, built once per process (about 5-10 s in a
    /// release build on 2 cores) and shared; thread-safe. Use this from the CLI and campaigns.
    public static func shared(_ convention: ReducedCouplingConvention = .default) throws -> EtaTable {
        cache.lock.lock()
        defer { cache.lock.unlock() }
        if let t = cache.tables[convention] { return t }
        let t = try EtaTable(convention)
        cache.tables[convention] = t
        return t
    }
}
