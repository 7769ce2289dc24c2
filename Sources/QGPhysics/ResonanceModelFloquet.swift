#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QGNumerics

// The resonance model (RM) of the finite-size MBL-thermal crossover, Floquet
// case: a probe spin coupled at site 0 of a Floquet-MBL chain; statistics of
// the strongest first-order resonance it induces (docs/resonance-model.md,
// "Floquet RM"; seed equation numbers 38-59 quoted below).
//
// Conventions (all files of the RM): lengths in lattice units, energies and
// frequencies in units of the coupling J unless J is given, natural logs.
// zeta_c = 1/log 2 is the critical localisation length; the correlation length
// xi is defined by 1/xi = 1/zeta - 1/zeta_c, so xi > 0 is the RM-MBL side,
// xi = +infinity the RM transition and xi < -zeta_c the thermal side
// (zeta = 1/(1/xi + 1/zeta_c) must be positive and finite).

/// Failures of the resonance-model layer. Nothing in it returns NaN: an
/// argument outside the domain of an equation is reported here.
public enum ResonanceModelError: Error, Equatable, CustomStringConvertible {
    /// A model parameter outside its physical range.
    case invalidParameter(name: String, value: Double, requirement: String)
    /// A function argument outside the domain where the quoted equation holds.
    case outsideDomain(function: String, argument: String, value: Double, domain: String)
    /// An iterative method (root finding, series, PDE grid) did not reach its tolerance.
    case noConvergence(function: String, detail: String)

    public var description: String {
        switch self {
        case let .invalidParameter(name, value, requirement):
            return "invalid parameter \(name) = \(value): \(requirement)"
        case let .outsideDomain(function, argument, value, domain):
            return "\(function): \(argument) = \(value) is outside its domain (\(domain))"
        case let .noConvergence(function, detail):
            return "\(function) did not converge: \(detail)"
        }
    }
}

/// The parameters shared by the Floquet and Hamiltonian resonance models.
public enum ResonanceModel {
    /// zeta_c = 1/log 2, the critical localisation length (eq. 39): the number
    /// of l-bit states within range r grows as 4^r = exp(2r/zeta_c).
    public static let zetaC: Double = 1 / log(2.0)

    /// Checks xi, Lambda and J. Any xi != 0 (including +-infinity) is accepted:
    /// q, F, p and the time-averaged C_zz make sense for all of them.
    static func checkParameters(xi: Double, Lambda: Double, J: Double) throws {
        guard Lambda.isFinite, Lambda > 0 else {
            throw ResonanceModelError.invalidParameter(name: "Lambda", value: Lambda, requirement: "the resonance length must be positive and finite")
        }
        guard J.isFinite, J > 0 else {
            throw ResonanceModelError.invalidParameter(name: "J", value: J, requirement: "the coupling scale must be positive and finite")
        }
        guard !xi.isNaN, xi != 0 else {
            throw ResonanceModelError.invalidParameter(name: "xi", value: xi, requirement: "the correlation length must be nonzero (+-inf allowed)")
        }
    }

    /// rho = theta0 * xi = 1/(1/xi + 2/zeta_c), the range per e-fold of the
    /// matrix element v(r) = J exp(-r/rho) (eq. 38). It needs a physical
    /// localisation length zeta = 1/(1/xi + 1/zeta_c) > 0, i.e. xi > 0 (MBL),
    /// xi = +inf (transition) or xi < -zeta_c (thermal); otherwise it throws.
    static func rangePerLog(xi: Double, function: String) throws -> Double {
        guard xi > 0 || xi < -zetaC else {
            throw ResonanceModelError.outsideDomain(function: function, argument: "xi", value: xi,
                domain: "xi > 0, +inf or xi < -zeta_c = -1/log 2, so that zeta = 1/(1/xi + log 2) > 0 and v(r) decays")
        }
        return 1 / (1 / xi + 2 / zetaC)
    }

    /// xi (1 - exp(-r/xi)), continuous through xi = +-infinity where it is r.
    static func xiOneMinusExp(_ r: Double, xi: Double) -> Double {
        xi.isInfinite ? r : -xi * expm1(-r / xi)
    }

    /// 1/xi = 1/zeta - 1/zeta_c (eq. 39) as a function of zeta.
    public static func correlationLength(zeta: Double) -> Double {
        1 / (1 / zeta - 1 / zetaC)
    }
}

/// The Floquet resonance model (seed Sec. II): q(r), F(r), p(r), v(r),
/// [C_zz(t)] and [S(omega)].
///
/// - `xi`: correlation length (eq. 39); `Lambda`: resonance length (eq. 43),
///   `Lambda = zeta_c Omega / (8 J)`; `J`: the norm of the probe-chain coupling.
public struct FloquetResonanceModel: ResonanceModelScales, Sendable, Equatable {
    public static let modelName = "FloquetResonanceModel"
    public let scales: ResonanceScales

    /// Any xi != 0; the functions that need v(r) (v, C_zz(t), S(omega),
    /// the light cone) further need xi > 0, +inf or xi < -zeta_c.
    public init(xi: Double, Lambda: Double, J: Double = 1) throws { scales = try ResonanceScales(xi: xi, Lambda: Lambda, J: J) }

    /// From the microscopic lengths: 1/xi = 1/zeta - 1/zeta_c (eq. 39) and
    /// Lambda = zeta_c Omega / (8 J) (eq. 43), with Omega the drive frequency.
    public init(zeta: Double, Omega: Double, J: Double = 1) throws {
        guard zeta.isFinite, zeta > 0 else {
            throw ResonanceModelError.invalidParameter(name: "zeta", value: zeta, requirement: "the localisation length must be positive and finite")
        }
        guard Omega.isFinite, Omega > 0 else {
            throw ResonanceModelError.invalidParameter(name: "Omega", value: Omega, requirement: "the drive frequency must be positive and finite")
        }
        let inv = 1 / zeta - 1 / ResonanceModel.zetaC
        try self.init(xi: inv == 0 ? .infinity : 1 / inv, Lambda: ResonanceModel.zetaC * Omega / (8 * J), J: J)
    }

    /// theta_c = zeta_c / (2 Lambda) (eq. 57): the exponent of [S(omega)] ~ omega^(-1+theta)
    /// at the transition xi = infinity.
    public var thetaCritical: Double { ResonanceModel.zetaC / (2 * Lambda) }

    /// q(r) = exp(-r/xi)/Lambda (eq. 42): the probability density that a state
    /// finds a resonance at range r >= 0 (first order, q << 1).
    public func q(_ r: Double) throws -> Double {
        try Self.checkRange(r, "q")
        return exp(-r / xi) / Lambda
    }

    /// F(r) = exp(-(xi/Lambda)(1 - exp(-r/xi))) (eq. 45), the solution of
    /// dF/dr = -q F (eq. 44) with F(0) = 1: the fraction of states with no
    /// resonance up to range r. At xi = infinity F = exp(-r/Lambda).
    public func F(_ r: Double) throws -> Double {
        try Self.checkRange(r, "F")
        return exp(-ResonanceModel.xiOneMinusExp(r, xi: xi) / Lambda)
    }

    /// p(r) = -dF/dr = (1/Lambda) exp(-r/xi - (xi/Lambda)(1 - exp(-r/xi))) (eq. 46):
    /// the density of the range of the strongest resonance.
    public func p(_ r: Double) throws -> Double {
        try Self.checkRange(r, "p")
        return exp(-r / xi - ResonanceModel.xiOneMinusExp(r, xi: xi) / Lambda) / Lambda
    }

    /// [C_zz] = F(L/2) (eq. 48): the infinite-time average, the probability of no resonance.
    public func timeAveragedCzz(L: Double) throws -> Double {
        try Self.checkLength(L)
        return try F(L / 2)
    }

    /// [C_zz(t)] = F(L/2) + int_0^{L/2} dr p(r) cos(v(r) t) (eq. 47), t >= 0 (it is even in t).
    ///
    /// Method: composite 8-point Gauss-Legendre in w = sqrt(r), with panels
    /// that are at most 0.05 wide in w and over which the phase v(r) t changes by
    /// at most pi/4, so the cost grows as J t (refused above J t = 1e7).
    /// The relative error is below 1e-10 (tested through C_zz(0) = 1 and the
    /// Fourier pair with [S(omega)]).
    public func czz(t: Double, L: Double) throws -> Double {
        try Self.checkLength(L)
        let f = try F(L / 2)
        let integral = try ResonanceModelQuadrature.oscillatory(
            upper: L / 2, t: t, J: J, rangePerLog: try rangePerLog(), function: "FloquetResonanceModel.czz"
        ) { w in
            // 2 w p(w^2): the Jacobian of r = w^2.
            let r = w * w
            return 2 * w * exp(-r / xi - ResonanceModel.xiOneMinusExp(r, xi: xi) / Lambda) / Lambda
        }
        return f + integral
    }

    /// r(t) = (1/2) min(zeta_c (1 - theta0) log(J t), L) (eq. 50): the light-cone
    /// front, where v(r) t = 1; 0 for J t <= 1.
    public func lightConeFront(t: Double, L: Double) throws -> Double {
        try Self.checkLength(L)
        guard t.isFinite, t >= 0 else { throw ResonanceModelError.outsideDomain(function: "lightConeFront", argument: "t", value: t, domain: "0 <= t < inf") }
        _ = try rangePerLog()
        let x = J * t
        if x <= 1 { return 0 }
        // zeta_c (1 - theta0)/2 = rho: the front solves v(r) t = 1.
        return 0.5 * min(ResonanceModel.zetaC * (1 - theta0) * log(x), L)
    }

    /// [C_zz(t)] ~ F(r(t)) (eqs. 49-50): the Iverson-bracket approximation
    /// cos(v t) -> [[v t < 1]] of eq. 47.
    public func czzFront(t: Double, L: Double) throws -> Double {
        try F(lightConeFront(t: t, L: L))
    }

    /// The continuous part of [S(omega)] (eqs. 52-53):
    ///   S = zeta_c (1 - theta0) / (4 J Lambda) |omega/J|^(-1+theta0)
    ///       * exp(-(xi/Lambda)(1 - |omega/J|^theta0))   for omega_c < |omega| <= J,
    /// and 0 for 0 < |omega| < omega_c and |omega| > J (no matrix element there).
    /// The remaining weight [C_zz] = F(L/2) sits in a delta at omega = 0
    /// (`zeroFrequencyWeight`). Normalization: int S domega + [C_zz] = C_zz(0) = 1.
    /// On the thermal side the formula holds only above `thermalFrequency`
    /// (eq. 59); below it the call throws. omega = 0 throws (the delta).
    public func spectralFunction(omega: Double, L: Double) throws -> Double {
        let (w, rho, wc) = try spectralArguments(omega: omega, L: L, deltaWeight: "F(L/2)")
        // A relative 1e-12 slack keeps rounding at the ends (omega = omega_c) from dropping weight.
        if w > J || w < wc * (1 - 1e-12) { return 0 }
        let x = w / J
        let xth = pow(x, theta0)
        // xi (1 - x^theta0) = xi (1 - exp(-r/xi)) at r = rho log(J/omega).
        let r = rho * log(1 / x)
        return ResonanceModel.zetaC * (1 - theta0) / (4 * J * Lambda) * (xth / x)
            * exp(-ResonanceModel.xiOneMinusExp(r, xi: xi) / Lambda)
    }

    /// The probe-spin entanglement entropy averaged over eigenstates,
    /// [S_P] = log 2 (1 - [C_zz]) (the Floquet analogue of eq. 120): a cat state
    /// carries log 2, a state with no resonance carries 0.
    public func probeEntropy(L: Double) throws -> Double {
        log(2.0) * (1 - (try timeAveragedCzz(L: L)))
    }

    /// [C_zz] as L -> infinity: exp(-xi/Lambda) in the MBL phase (xi > 0), 0 at and
    /// beyond the transition (Fig. 2f: it vanishes as exp(-const/(1/zeta - 1/zeta_c)),
    /// faster than any power, as 1/zeta -> 1/zeta_c from the MBL side).
    public var thermodynamicCzz: Double { (xi > 0 && xi.isFinite) ? exp(-xi / Lambda) : 0 }

    /// Weight of the delta function at omega = 0 in [S(omega)]: [C_zz] = F(L/2) (eqs. 48, 53).
    public func zeroFrequencyWeight(L: Double) throws -> Double { try timeAveragedCzz(L: L) }

    static func checkRange(_ r: Double, _ f: String) throws {
        guard r.isFinite, r >= 0 else {
            throw ResonanceModelError.outsideDomain(function: f, argument: "r", value: r, domain: "0 <= r < inf")
        }
    }

    static func checkLength(_ L: Double) throws {
        guard L.isFinite, L > 0 else {
            throw ResonanceModelError.outsideDomain(function: "resonance model", argument: "L", value: L, domain: "0 < L < inf")
        }
    }
}

/// Quadrature shared by the RM files.
enum ResonanceModelQuadrature {
    static let gl8 = GaussLegendre(points: 8)

    /// int_0^{upper} dr h(r) cos(v(r) t) with v(r) = J exp(-r/rho), computed as
    /// int_0^{sqrt(upper)} dw H(w) cos(v(w^2) t) where H(w) = 2 w h(w^2) is
    /// supplied by the caller (regular even if h ~ r^(-1/2)). Panels: width
    /// <= 0.05 in w and phase change <= pi/4 (|d phase/dw| = 2 w t v / rho).
    static func oscillatory(upper: Double, t: Double, J: Double, rangePerLog rho: Double, function: String,
                            _ H: (Double) -> Double) throws -> Double {
        guard t.isFinite else {
            throw ResonanceModelError.outsideDomain(function: function, argument: "t", value: t, domain: "finite t")
        }
        let tt = abs(t)
        guard J * tt <= 1e7 else {
            throw ResonanceModelError.outsideDomain(function: function, argument: "t", value: t, domain: "J |t| <= 1e7 (quadrature cost grows as J t)")
        }
        let wMax = upper.squareRoot()
        let (nodes, weights) = (gl8.nodes, gl8.weights)
        var sum = 0.0
        var a = 0.0
        while a < wMax {
            // |d phase/dw| = 2 w t J exp(-w^2/rho)/rho is unimodal with its peak at
            // w* = sqrt(rho/2): bound it on [a, a + h] by the endpoints or the peak.
            var h = min(0.05, wMax - a)
            let wStar = (rho / 2).squareRoot()
            func speed(_ w: Double) -> Double { 2 * w * tt * J * exp(-w * w / rho) / rho }
            let bound = (a <= wStar && wStar <= a + h) ? speed(wStar) : max(speed(a), speed(a + h))
            if bound * h > Double.pi / 4 { h = Double.pi / 4 / bound }
            let b = a + h
            let mid = 0.5 * (a + b), half = 0.5 * h
            var panel = 0.0
            for k in 0..<nodes.count {
                let w = mid + half * nodes[k]
                let r = w * w
                panel += weights[k] * H(w) * cos(J * exp(-r / rho) * tt)
            }
            sum += half * panel
            a = b
        }
        return sum
    }
}
