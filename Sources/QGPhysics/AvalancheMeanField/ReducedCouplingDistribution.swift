import Foundation
import QGNumerics

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

    /// Adaptive Gauss-Kronrod (QGNumerics' `GaussKronrod15`), failures as `AvalancheMeanFieldError`.
    static func integrate(_ a: Double, _ b: Double, absTol: Double = 0, relTol: Double, initialPanels: Int,
                          _ f: (Double) -> Double) throws -> GaussKronrod15.Result {
        do { return try GaussKronrod15.integrate(a, b, absTol: absTol, relTol: relTol, initialPanels: initialPanels, f) }
        catch { throw AvalancheMeanFieldError(error) }
    }

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
        let r = try ReducedCouplingDistribution.integrate(lo, hi, absTol: 1e-300, relTol: relTol, initialPanels: n) { v in
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
        let r = try ReducedCouplingDistribution.integrate(lo, hi, absTol: 1e-300, relTol: relTol, initialPanels: n) { v in
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
            return try ReducedCouplingDistribution.integrate(-60, 60, relTol: 1e-14, initialPanels: 60) { v in
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
        let outer = try ReducedCouplingDistribution.integrate(lo, hi, absTol: 1e-300, relTol: relTol, initialPanels: n) { v in
            let u = exp(v)
            let e = AvalancheMeanField.oneMinusC(u: u, gamma: gamma)
            do {
                // K is symmetric: integrate v' < v only and double.
                let nIn = max(1, Int(Double(n) * (v - lo) / (hi - lo)) + 1)
                let inner = try ReducedCouplingDistribution.integrate(lo, v, absTol: 1e-300, relTol: relTol * 0.1, initialPanels: nIn) { v2 in
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
