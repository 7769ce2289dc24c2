#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The Hamiltonian resonance model (docs/resonance-model.md, "Hamiltonian RM";
// seed equations 77-93, 111-120, D1-D7): energy conservation makes the
// resonance probability at range r scale as 1/sqrt(4 Lambda r), and the
// fraction of unresonated states F1(r) involves erf (MBL side) and erfi
// (thermal side). Conventions as in ResonanceModelFloquet.swift.

/// Error functions needed by the RM, with stated accuracy.
///
/// - `erfi(x) = (2/sqrt(pi)) int_0^x exp(t^2) dt`: for |x| < 6 the Maclaurin
///   series (2/sqrt(pi)) sum_n x^(2n+1) / (n! (2n+1)), whose terms are all
///   positive (no cancellation; relative error a few 1e-16 times the number of
///   terms, <= 1e-14); for |x| >= 6 the asymptotic series
///   exp(x^2)/(x sqrt(pi)) sum_n (2n-1)!!/(2x^2)^n truncated at its smallest
///   term (relative truncation error below exp(-x^2) * 2, i.e. < 1e-15 at x = 6).
///   It is +-infinity once exp(x^2) overflows (|x| > 26.64).
/// - `dawson(x) = exp(-x^2) int_0^x exp(t^2) dt = (sqrt(pi)/2) exp(-x^2) erfi(x)`,
///   the same pair of series (the large-x one without the exp(x^2)), finite for all x.
/// - `erf` is the C library's.
/// Tested against Abramowitz & Stegun Table 7.5 (Dawson's integral) and by an
/// independent quadrature of exp(t^2).
public enum ErrorFunctions {
    /// Switch point between the series and the asymptotic expansion.
    public static let asymptoticThreshold = 6.0

    public static func erf(_ x: Double) -> Double {
        #if canImport(Glibc)
        return Glibc.erf(x)
        #else
        return Darwin.erf(x)
        #endif
    }

    /// sum_n x^(2n+1)/(n!(2n+1)) for x >= 0 (positive terms).
    static func erfiSeriesSum(_ x: Double) -> Double {
        let x2 = x * x
        var term = x      // x^(2n+1)/n!
        var sum = x
        var n = 0
        while true {
            n += 1
            term *= x2 / Double(n)
            let c = term / Double(2 * n + 1)
            sum += c
            if c < 1e-17 * sum && Double(n) > x2 { break }
            if n > 10_000 { break }
        }
        return sum
    }

    /// sum_n (2n-1)!!/(2x^2)^n truncated at its smallest term (x >= 6).
    static func asymptoticSum(_ x: Double) -> Double {
        let y = 1 / (2 * x * x)
        var term = 1.0, sum = 1.0
        var n = 0
        while true {
            n += 1
            let next = term * Double(2 * n - 1) * y
            if next >= term || next < 1e-17 * sum { break }
            term = next
            sum += term
        }
        return sum
    }

    /// The imaginary error function erfi(x) = -i erf(i x) (odd in x).
    public static func erfi(_ x: Double) -> Double {
        if x.isNaN { return x }
        let a = abs(x)
        let v: Double
        if a < asymptoticThreshold {
            v = 2 / Double.pi.squareRoot() * erfiSeriesSum(a)
        } else {
            v = exp(a * a) / (a * Double.pi.squareRoot()) * asymptoticSum(a)
        }
        return x < 0 ? -v : v
    }

    /// Dawson's integral D(x) = exp(-x^2) int_0^x exp(t^2) dt (odd in x, max
    /// 0.5410442246 at x = 0.9241388730, ~ 1/(2x) at large x).
    public static func dawson(_ x: Double) -> Double {
        if x.isNaN { return x }
        let a = abs(x)
        let v: Double
        if a < asymptoticThreshold {
            v = exp(-a * a) * erfiSeriesSum(a)
        } else {
            v = asymptoticSum(a) / (2 * a)
        }
        return x < 0 ? -v : v
    }

    /// g(y) = int_0^1 exp(-y t^2) dt = 1F1(1/2; 3/2; -y), smooth in y with g(0) = 1:
    /// g(y) = (sqrt(pi)/2) erf(sqrt y)/sqrt y for y > 0 and
    /// g(-x) = (sqrt(pi)/2) erfi(sqrt x)/sqrt x = exp(x) D(sqrt x)/sqrt x for x > 0.
    /// |y| <= 2 uses the series sum_n (-y)^n/(n!(2n+1)) (relative error < 1e-15).
    /// It is what turns eq. 91 into one formula for both signs of xi and xi = inf.
    public static func gaussianAverage(_ y: Double) -> Double {
        if abs(y) <= 2 {
            var term = 1.0, sum = 1.0
            var n = 0
            while n < 200 {
                n += 1
                term *= -y / Double(n)
                let c = term / Double(2 * n + 1)
                sum += c
                if abs(c) < 1e-18 { break }
            }
            return sum
        }
        if y > 0 {
            let s = y.squareRoot()
            return 0.5 * Double.pi.squareRoot() * erf(s) / s
        }
        let x = -y, s = x.squareRoot()
        return exp(x) * dawson(s) / s
    }
}

/// The Hamiltonian resonance model (seed Sec. III B): q(r) (eq. 89), F1(r)
/// (eq. 91), p(r) = q F1 (eqs. 88, 90), [C_zz(t)] (eq. 92), [S(omega)] (eq. 93),
/// the probe entropy (eq. 120).
///
/// - `xi`: correlation length (eq. 39), any nonzero value or +-inf;
/// - `Lambda`: resonance length, Lambda = pi (zeta_c W / (4 J))^2 (eq. 83);
/// - `J`: coupling scale. The matrix element is v(r) = J exp(-r/xi - 2r/zeta_c) (eq. 77).
public struct HamiltonianResonanceModel: ResonanceModelScales, Sendable, Equatable {
    public static let modelName = "HamiltonianResonanceModel"
    public let scales: ResonanceScales

    public init(xi: Double, Lambda: Double, J: Double = 1) throws { scales = try ResonanceScales(xi: xi, Lambda: Lambda, J: J) }

    /// Lambda = pi (zeta_c W / (4 J))^2 (eq. 83), the resonance length of a chain
    /// with disorder strength W.
    public static func resonanceLength(W: Double, J: Double = 1) -> Double {
        let a = ResonanceModel.zetaC * W / (4 * J)
        return Double.pi * a * a
    }

    /// q(r) = exp(-r/xi) / sqrt(4 Lambda r) (eq. 89), r > 0: the resonance
    /// probability density with the energy dependence of eq. 82 dropped.
    public func q(_ r: Double) throws -> Double {
        guard r.isFinite, r > 0 else {
            throw ResonanceModelError.outsideDomain(function: "HamiltonianResonanceModel.q", argument: "r", value: r, domain: "0 < r < inf (q ~ r^(-1/2))")
        }
        return exp(-r / xi) / (4 * Lambda * r).squareRoot()
    }

    /// F1(r) for any xi (eq. 91), the solution of dF1/dr = -q(r) F1 (eq. 90), F1(0) = 1:
    ///   xi > 0:  exp(-sqrt(pi xi/(4 Lambda)) erf(sqrt(r/xi))),
    ///   xi < 0:  exp(-sqrt(-pi xi/(4 Lambda)) erfi(sqrt(-r/xi))),
    ///   xi = inf: exp(-sqrt(r/Lambda)) (eq. B1).
    /// All three are exp(-sqrt(r/Lambda) g(r/xi)) with g = ErrorFunctions.gaussianAverage.
    public func F1(_ r: Double) throws -> Double {
        try FloquetResonanceModel.checkRange(r, "F1")
        return Self.F1(r: r, inverseXi: 1 / xi, Lambda: Lambda)
    }

    /// log F1(r) = -sqrt(r/Lambda) g(r/xi) (eq. 91), finite where F1 underflows to 0
    /// (deep in the thermal side, where -log F1 grows as exp(r/|xi|)).
    public func logF1(_ r: Double) throws -> Double {
        try FloquetResonanceModel.checkRange(r, "logF1")
        return -(r / Lambda).squareRoot() * ErrorFunctions.gaussianAverage(r / xi)
    }

    /// F1 as a function of 1/xi (continuous through 1/xi = 0).
    public static func F1(r: Double, inverseXi: Double, Lambda: Double) -> Double {
        if r == 0 { return 1 }
        return exp(-(r / Lambda).squareRoot() * ErrorFunctions.gaussianAverage(r * inverseXi))
    }

    /// p(r) = -dF1/dr = q(r) F1(r) (eqs. 88, 90), r > 0.
    public func p(_ r: Double) throws -> Double {
        try q(r) * F1(r)
    }

    /// [C_zz] = F1(L/2) (eq. 92 at infinite time; eq. 114 at xi = inf: exp(-sqrt(L/(2 Lambda)))).
    public func timeAveragedCzz(L: Double) throws -> Double {
        try FloquetResonanceModel.checkLength(L)
        return try F1(L / 2)
    }

    /// [S_P] = log 2 (1 - [C_zz]) (eq. 120): the probe-spin entanglement entropy
    /// averaged over eigenstates (log 2 in a cat state, 0 without resonance).
    public func probeEntropy(L: Double) throws -> Double {
        log(2.0) * (1 - (try timeAveragedCzz(L: L)))
    }

    /// [C_zz(t)] = F1(L/2) + int_0^{L/2} dr p(r) cos(v(r) t) (eq. 92). Same
    /// quadrature as the Floquet correlator (w = sqrt r removes the r^(-1/2) of p).
    public func czz(t: Double, L: Double) throws -> Double {
        try FloquetResonanceModel.checkLength(L)
        let f = try F1(L / 2)
        let inv = 1 / xi, lam = Lambda
        let integral = try ResonanceModelQuadrature.oscillatory(
            upper: L / 2, t: t, J: J, rangePerLog: try rangePerLog(), function: "HamiltonianResonanceModel.czz"
        ) { w in
            // 2 w p(w^2) = exp(-w^2/xi) F1(w^2) / sqrt(Lambda).
            let r = w * w
            return exp(-r * inv) * Self.F1(r: r, inverseXi: inv, Lambda: lam) / lam.squareRoot()
        }
        return f + integral
    }

    /// [C_zz(t)] ~ F1(r(t)) with the light-cone front r(t) = min(rho log(J t), L/2)
    /// (eqs. 49-50 carried over); at xi = inf it is exp(-sqrt(zeta_c log(J t)/(2 Lambda))) (eq. 112).
    public func czzFront(t: Double, L: Double) throws -> Double {
        try FloquetResonanceModel.checkLength(L)
        guard t.isFinite, t >= 0 else { throw ResonanceModelError.outsideDomain(function: "czzFront", argument: "t", value: t, domain: "0 <= t < inf") }
        let rho = try rangePerLog()
        let r = J * t <= 1 ? 0 : min(rho * log(J * t), L / 2)
        return try F1(r)
    }

    /// The continuous part of [S(omega)] (eq. 93), from eq. 52 with p = q F1:
    ///   S(omega) = (rho / (2|omega|)) p(rho log(J/|omega|)),  rho = theta0 xi,
    /// which for xi > 0 is the printed
    ///   (1/(4J)) sqrt(zeta_c (1-theta0) / (2 Lambda u)) x^(-1+theta0)
    ///     exp(-sqrt(pi xi/(4 Lambda)) erf(sqrt(theta0 u))),  x = |omega|/J, u = log(1/x)
    /// (the seed prints log|4J/omega| inside the erf; eq. 52 gives log|J/omega|,
    /// which we follow), and for xi < 0 the erfi form with x^(-1+theta0) =
    /// x^(-1-|theta0|) (the seed prints -1+|theta0|; eq. 52 gives -1+theta0).
    /// Domain: omega_c < |omega| < J (0 outside, with the delta [C_zz] at omega = 0);
    /// on the thermal side also |omega| > omega_xi (eq. 59), else it throws.
    /// S diverges as u^(-1/2) at omega -> J (integrable).
    public func spectralFunction(omega: Double, L: Double) throws -> Double {
        let (w, rho, wc) = try spectralArguments(omega: omega, L: L, deltaWeight: "F1(L/2)")
        // A relative 1e-12 slack keeps rounding at omega = omega_c from dropping weight.
        if w >= J || w < wc * (1 - 1e-12) { return 0 }
        let u = log(J / w)
        let theta = theta0
        // 1/(4J) sqrt(zeta_c(1-theta0)/(2 Lambda u)) x^(-1+theta0) F1(rho u), zeta_c(1-theta0)/2 = rho.
        let x = w / J
        let pref = 1 / (4 * J) * (ResonanceModel.zetaC * (1 - theta) / (2 * Lambda * u)).squareRoot()
        return pref * exp((-1 + theta) * log(x)) * Self.F1(r: rho * u, inverseXi: 1 / xi, Lambda: Lambda)
    }

    /// [C_zz] as L -> infinity within eq. 91: exp(-sqrt(pi xi/(4 Lambda))) for xi > 0,
    /// 0 at and beyond the transition (Fig. 2f, Hamiltonian curve).
    public var thermodynamicCzz: Double { (xi > 0 && xi.isFinite) ? exp(-(Double.pi * xi / (4 * Lambda)).squareRoot()) : 0 }

    /// Weight of the omega = 0 delta in [S(omega)]: [C_zz] = F1(L/2).
    public func zeroFrequencyWeight(L: Double) throws -> Double { try timeAveragedCzz(L: L) }
}

/// The drift of the crossover disorder W_delta(L) in the Hamiltonian RM
/// (seed Sec. V E, Fig. 9, eqs. 116-120, App. D): with
///   1/xi(W) = log(W/W_c)            (eq. D4),
///   Lambda(W) = Lambda_c (W/W_c)^2  (eq. 83, Lambda_c = pi (zeta_c W_c/(4J))^2 by default),
/// [C_zz](W, L) = F1(L/2; xi(W), Lambda(W)) rises monotonically with W, and
/// W_delta(L) solves [C_zz](W_delta, L) = delta (eq. 116).
public struct ResonanceModelDrift: Sendable, Equatable {
    public let Wc: Double
    public let J: Double
    public let LambdaC: Double

    public init(Wc: Double, J: Double = 1, LambdaC: Double? = nil) throws {
        guard Wc.isFinite, Wc > 0 else { throw ResonanceModelError.invalidParameter(name: "Wc", value: Wc, requirement: "positive and finite") }
        guard J.isFinite, J > 0 else { throw ResonanceModelError.invalidParameter(name: "J", value: J, requirement: "positive and finite") }
        let lc = LambdaC ?? HamiltonianResonanceModel.resonanceLength(W: Wc, J: J)
        guard lc.isFinite, lc > 0 else { throw ResonanceModelError.invalidParameter(name: "LambdaC", value: lc, requirement: "positive and finite") }
        self.Wc = Wc
        self.J = J
        self.LambdaC = lc
    }

    /// The Fig. 9 parameters: W_c = 10, J = 1, Lambda from eq. 83.
    public static func seedFigure9() -> ResonanceModelDrift { try! ResonanceModelDrift(Wc: 10) }

    func checkW(_ W: Double) throws {
        guard W.isFinite, W > 0 else {
            throw ResonanceModelError.outsideDomain(function: "ResonanceModelDrift", argument: "W", value: W, domain: "0 < W < inf")
        }
    }

    /// [C_zz](W, L) = F1(L/2) with xi(W), Lambda(W) (eqs. 91, D3, D4).
    public func timeAveragedCzz(W: Double, L: Double) throws -> Double {
        try checkW(W)
        try FloquetResonanceModel.checkLength(L)
        let ratio = W / Wc
        return HamiltonianResonanceModel.F1(r: L / 2, inverseXi: log(ratio), Lambda: LambdaC * ratio * ratio)
    }

    /// [S_P](W, L) = log 2 (1 - [C_zz](W, L)) (eq. 120), the curves of Fig. 9.
    public func probeEntropy(W: Double, L: Double) throws -> Double {
        log(2.0) * (1 - (try timeAveragedCzz(W: W, L: L)))
    }

    /// W_delta(L): the root of [C_zz](W, L) = delta (eq. 116), by bracketing
    /// (factors of 2 from W_c) and bisection in log W to relative 1e-13.
    public func wDelta(L: Double, delta: Double) throws -> Double {
        try FloquetResonanceModel.checkLength(L)
        guard delta > 0, delta < 1 else {
            throw ResonanceModelError.outsideDomain(function: "wDelta", argument: "delta", value: delta, domain: "0 < delta < 1")
        }
        var lo = Wc, hi = Wc
        var k = 0
        while try timeAveragedCzz(W: lo, L: L) >= delta {
            lo /= 2; k += 1
            if k > 200 { throw ResonanceModelError.noConvergence(function: "wDelta", detail: "no W with [C_zz] < delta below W_c") }
        }
        k = 0
        while try timeAveragedCzz(W: hi, L: L) < delta {
            hi *= 2; k += 1
            if k > 200 { throw ResonanceModelError.noConvergence(function: "wDelta", detail: "no W with [C_zz] >= delta above W_c") }
        }
        for _ in 0..<200 {
            if hi / lo - 1 < 1e-13 { break }
            let mid = (lo * hi).squareRoot()
            if try timeAveragedCzz(W: mid, L: L) < delta { lo = mid } else { hi = mid }
        }
        guard hi / lo - 1 < 1e-12 else { throw ResonanceModelError.noConvergence(function: "wDelta", detail: "bisection stalled at [\(lo), \(hi)]") }
        return (lo * hi).squareRoot()
    }

    /// Eq. 117 (D1): W_delta(L) ~ W_c exp(-ell_delta/(L+1)).
    public func wDeltaFormula(L: Double, ellDelta: Double) -> Double {
        Wc * exp(-ellDelta / (L + 1))
    }

    /// ell_delta by least squares of log(W_c/W_delta) = ell_delta / (L+1) through
    /// the origin, for paired sizes and W_delta values (e.g. from `wDelta`).
    public func fitEllDelta(L: [Double], wDelta: [Double]) throws -> Double {
        guard L.count == wDelta.count, !L.isEmpty else {
            throw ResonanceModelError.outsideDomain(function: "fitEllDelta", argument: "count", value: Double(L.count), domain: "equal, nonzero numbers of L and W_delta")
        }
        var sxy = 0.0, sxx = 0.0
        for (l, w) in zip(L, wDelta) {
            try checkW(w)
            let x = 1 / (l + 1), y = log(Wc / w)
            sxy += x * y; sxx += x * x
        }
        return sxy / sxx
    }
}

/// Text output of `qglass theory rm` (the lead wires the CLI):
///   qglass theory rm --kind floquet|hamiltonian --xi X --Lambda L --r R1,R2,...
/// prints one line per r, "r F(r)" (eq. 45) for floquet and "r F1(r)" (eq. 91)
/// for hamiltonian, both numbers in Swift's shortest round-trip form. xi may
/// be "inf" (the transition) or negative (thermal side).
public enum ResonanceModelTheory {
    public enum Kind: String, Sendable, CaseIterable {
        case floquet, hamiltonian
    }

    /// The lines of `qglass theory rm`, newline-terminated.
    public static func table(kind: Kind, xi: Double, Lambda: Double, r: [Double]) throws -> String {
        var out = ""
        switch kind {
        case .floquet:
            let m = try FloquetResonanceModel(xi: xi, Lambda: Lambda)
            for x in r { out += "\(x) \(try m.F(x))\n" }
        case .hamiltonian:
            let m = try HamiltonianResonanceModel(xi: xi, Lambda: Lambda)
            for x in r { out += "\(x) \(try m.F1(x))\n" }
        }
        return out
    }

    /// Parses "R1,R2,..." (the --r argument) into ranges; throws on a bad entry.
    public static func parseRanges(_ s: String) throws -> [Double] {
        try s.split(separator: ",").map { part in
            let t = String(part.filter { !$0.isWhitespace })
            guard let v = Double(t), v.isFinite, v >= 0 else {
                throw ResonanceModelError.invalidParameter(name: "r", value: Double(t) ?? 0, requirement: "'\(t)' is not a finite range r >= 0 (expected R1,R2,...)")
            }
            return v
        }
    }
}
