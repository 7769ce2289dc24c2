#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The parameters both resonance models take: the correlation length xi
/// (eq. 39), the resonance length Lambda and the coupling scale J, checked
/// once (`ResonanceModel.checkParameters`: xi != 0, Lambda > 0, J > 0).
public struct ResonanceScales: Sendable, Equatable {
    public let xi: Double
    public let Lambda: Double
    public let J: Double

    public init(xi: Double, Lambda: Double, J: Double) throws {
        try ResonanceModel.checkParameters(xi: xi, Lambda: Lambda, J: J)
        self.xi = xi
        self.Lambda = Lambda
        self.J = J
    }
}

/// The scales both resonance models share (seed eqs. 38, 51, 54, 59): they
/// differ in q(r) and F(r) but take the matrix element v(r) = J exp(-r/rho),
/// rho = theta0 xi, and the frequencies it sets from the same (xi, J).
public protocol ResonanceModelScales {
    /// xi, Lambda and J, checked.
    var scales: ResonanceScales { get }
    /// The type's name in error messages, e.g. "FloquetResonanceModel".
    static var modelName: String { get }
}

extension ResonanceModelScales {
    public var xi: Double { scales.xi }
    public var Lambda: Double { scales.Lambda }
    public var J: Double { scales.J }

    /// rho = theta0 * xi = 1/(1/xi + 2/zeta_c), so that v(r) = J exp(-r/rho) (eqs. 38, 51).
    public func rangePerLog() throws -> Double { try ResonanceModel.rangePerLog(xi: xi, function: Self.modelName) }

    /// theta0 = zeta_c / (2 xi + zeta_c) (eq. 51); 0 at the transition, -> 1
    /// deep in the MBL phase (xi -> 0), negative on the thermal side.
    public var theta0: Double { xi.isInfinite ? 0 : ResonanceModel.zetaC / (2 * xi + ResonanceModel.zetaC) }

    /// v(r) = J exp(-r/xi - 2r/zeta_c) = J exp(-r/(theta0 xi)) (eqs. 38, 77): the
    /// typical matrix element at range r >= 0.
    public func v(_ r: Double) throws -> Double {
        try FloquetResonanceModel.checkRange(r, "v")
        return J * exp(-r / (try rangePerLog()))
    }

    /// omega_c = v(L/2) = J exp(-L/(2 xi) - L/zeta_c) (eq. 54): the smallest
    /// matrix element, below which [S(omega)] has only the delta at zero.
    public func cutoffFrequency(L: Double) throws -> Double {
        try FloquetResonanceModel.checkLength(L)
        return J * exp(-(L / 2) / (try rangePerLog()))
    }

    /// omega_xi = v(|xi|) = J exp(-1/|theta0|) (eq. 59): on the thermal side the
    /// RM [S(omega)] holds only for omega > omega_xi. 0 for xi >= 0 or xi = inf.
    public func thermalFrequency() throws -> Double {
        let rho = try rangePerLog()
        return (xi < 0 && xi.isFinite) ? J * exp(-abs(xi) / rho) : 0
    }

    /// The domain checks of [S(omega)] (eqs. 52-54, 59) both models share:
    /// throws for omega = 0 (the delta of weight `deltaWeight`), a non-finite L or
    /// omega, and |omega| < omega_xi on the thermal side; else returns |omega|,
    /// rho and omega_c for the model's formula.
    func spectralArguments(omega: Double, L: Double, deltaWeight: String) throws -> (w: Double, rho: Double, wc: Double) {
        try FloquetResonanceModel.checkLength(L)
        let w = abs(omega)
        let function = Self.modelName + ".spectralFunction"
        guard w.isFinite, w > 0 else {
            throw ResonanceModelError.outsideDomain(function: function, argument: "omega", value: omega,
                                                    domain: "0 < |omega| < inf; the omega = 0 delta has weight [C_zz] = \(deltaWeight)")
        }
        let rho = try rangePerLog()
        let wXi = try thermalFrequency()
        if w < wXi {
            throw ResonanceModelError.outsideDomain(function: function, argument: "omega", value: omega,
                                                    domain: "thermal side: |omega| > omega_xi = \(wXi) (eq. 59)")
        }
        return (w, rho, try cutoffFrequency(L: L))
    }
}
