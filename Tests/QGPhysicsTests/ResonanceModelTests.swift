import XCTest
import Foundation
import QGPhysics

/// The resonance model of the MBL crossover (docs/resonance-model.md): limits
/// stated in the seed text, sum rules, closed forms against independent
/// quadratures, erfi/Dawson against tables, and the growth-diffusion solver's
/// order of convergence.
final class ResonanceModelTests: XCTestCase {
    let zetaC = 1 / log(2.0)

    /// Composite Simpson rule with n (even) intervals: an independent quadrature.
    func simpson(_ a: Double, _ b: Double, _ n: Int = 4000, _ f: (Double) -> Double) -> Double {
        let h = (b - a) / Double(n)
        var s = f(a) + f(b)
        for i in 1..<n { s += (i % 2 == 1 ? 4 : 2) * f(a + Double(i) * h) }
        return s * h / 3
    }

    // MARK: - erfi and Dawson

    /// Dawson's integral D(x) = exp(-x^2) int_0^x exp(t^2) dt against
    /// Abramowitz & Stegun, Table 7.5 (10 decimals; the maximum 0.5410442246
    /// at x = 0.9241388730 is quoted there too). Larger x: 30-digit values from
    /// mpmath (sqrt(pi)/2 exp(-x^2) erfi(x)), which exercise the asymptotic branch.
    func testDawsonAgainstAbramowitzStegun() {
        let table: [(Double, Double)] = [
            (0.5, 0.4244363835), (1.0, 0.5380795069), (1.5, 0.4282490711),
            (2.0, 0.3013403889), (0.9241388730, 0.5410442246),
        ]
        for (x, d) in table {
            XCTAssertEqual(ErrorFunctions.dawson(x), d, accuracy: 6e-11, "D(\(x))")
            XCTAssertEqual(ErrorFunctions.dawson(-x), -d, accuracy: 6e-11, "D is odd")
        }
        let precise: [(Double, Double)] = [
            (3, 0.17827103061055828734), (5, 0.10213407442427683544), (10, 0.050253847187598528033),
        ]
        for (x, d) in precise {
            XCTAssertEqual(ErrorFunctions.dawson(x) / d, 1, accuracy: 1e-14, "D(\(x))")
        }
        // The ODE D' = 1 - 2 x D, by central differences, on both sides of the
        // series/asymptotic switch at x = 6 (continuity and correctness there).
        for x in [0.3, 2.5, 5.99, 6.0, 6.01, 9.0] {
            let h = 1e-5
            let d1 = (ErrorFunctions.dawson(x + h) - ErrorFunctions.dawson(x - h)) / (2 * h)
            XCTAssertEqual(d1, 1 - 2 * x * ErrorFunctions.dawson(x), accuracy: 1e-9, "D' at \(x)")
        }
    }

    /// erfi against 30-digit mpmath values and against Simpson quadrature of
    /// (2/sqrt(pi)) int_0^x exp(t^2) dt (independent of both series).
    func testErfiKnownValuesAndQuadrature() {
        let known: [(Double, Double)] = [
            (0.1, 0.11321517416959979929), (0.5, 0.61495209469651098084), (1, 1.6504257587975428760),
            (2, 18.564802414575552599), (3, 1629.9946226015656511), (7, 1.5534862534605039939e20),
        ]
        for (x, v) in known {
            XCTAssertEqual(ErrorFunctions.erfi(x) / v, 1, accuracy: 2e-14, "erfi(\(x))")
            XCTAssertEqual(ErrorFunctions.erfi(-x) / -v, 1, accuracy: 2e-14, "erfi is odd")
        }
        for x in [1.3, 4.2, 5.999, 6.001, 7.5] {
            let q = 2 / Double.pi.squareRoot() * simpson(0, x, 20000) { exp($0 * $0) }
            XCTAssertEqual(ErrorFunctions.erfi(x) / q, 1, accuracy: 1e-10, "erfi(\(x)) vs quadrature")
        }
        XCTAssertEqual(ErrorFunctions.erfi(0), 0)
        XCTAssertEqual(ErrorFunctions.erfi(30), .infinity, "overflow is +inf, never NaN")
    }

    /// g(y) = int_0^1 exp(-y t^2) dt in all three branches and across their seams.
    func testGaussianAverageBranches() {
        for y in [-40.0, -5, -2.0001, -1.9999, -0.3, 0, 0.7, 1.9999, 2.0001, 50] {
            let q = simpson(0, 1, 40000) { exp(-y * $0 * $0) }
            XCTAssertEqual(ErrorFunctions.gaussianAverage(y) / q, 1, accuracy: 1e-12, "g(\(y))")
        }
    }

    // MARK: - Floquet resonance model

    /// Eqs. 42-46 and the limits in the text: q(0) = 1/Lambda, F = exp(-r/Lambda) and
    /// [C_zz] = exp(-L/(2 Lambda)) at xi = inf (eqs. 114-115), F -> exp(-xi/Lambda)
    /// at large r in the MBL phase, p = -dF/dr, theta0 -> 1 deep in the MBL phase.
    func testFloquetFunctionsAndLimits() throws {
        let lam = 20.0
        for xi in [0.4, 3.0, Double.infinity, -4.0] {
            let m = try FloquetResonanceModel(xi: xi, Lambda: lam)
            XCTAssertEqual(try m.q(0), 1 / lam, accuracy: 1e-15)
            XCTAssertEqual(try m.F(0), 1)
            for r in [0.3, 2.0, 7.5] {
                let h = 1e-5
                let dF = (try m.F(r + h) - m.F(r - h)) / (2 * h)
                XCTAssertEqual(-dF, try m.p(r), accuracy: 1e-9, "p = -dF/dr (eq. 46), xi = \(xi)")
                XCTAssertEqual(dF, -(try m.q(r) * m.F(r)), accuracy: 1e-9, "dF/dr = -q F (eq. 44)")
            }
        }
        let crit = try FloquetResonanceModel(xi: .infinity, Lambda: lam)
        XCTAssertEqual(try crit.q(13), 1 / lam, "q is scale-free at the transition (eq. 115)")
        XCTAssertEqual(try crit.F(9), exp(-9 / lam), accuracy: 1e-15)
        XCTAssertEqual(try crit.timeAveragedCzz(L: 30), exp(-30 / (2 * lam)), accuracy: 1e-15, "eq. 114")
        XCTAssertEqual(crit.theta0, 0)
        XCTAssertEqual(crit.thetaCritical, zetaC / (2 * lam), accuracy: 1e-15)
        let mbl = try FloquetResonanceModel(xi: 2, Lambda: lam)
        XCTAssertEqual(try mbl.F(400), exp(-2 / lam), accuracy: 1e-14, "a finite fraction never resonates")
        XCTAssertEqual(try FloquetResonanceModel(xi: 1e-6, Lambda: lam).theta0, 1, accuracy: 1e-5)
        // Fig. 2f: [C_zz](L -> inf) = exp(-xi/Lambda), vanishing faster than any power of 1/zeta - 1/zeta_c.
        XCTAssertEqual(try mbl.timeAveragedCzz(L: 1e4), mbl.thermodynamicCzz, accuracy: 1e-15)
        XCTAssertEqual(crit.thermodynamicCzz, 0)
        // Microscopic parameters (eqs. 39, 43).
        let fromZeta = try FloquetResonanceModel(zeta: 1, Omega: 80)
        XCTAssertEqual(fromZeta.Lambda, zetaC * 80 / 8, accuracy: 1e-12)
        XCTAssertEqual(1 / fromZeta.xi, 1 - log(2.0), accuracy: 1e-14)
        XCTAssertEqual(try FloquetResonanceModel(zeta: zetaC, Omega: 80).xi, .infinity)
        // Typed refusals.
        XCTAssertThrowsError(try FloquetResonanceModel(xi: 0, Lambda: 1))
        XCTAssertThrowsError(try FloquetResonanceModel(xi: 1, Lambda: -1))
        XCTAssertThrowsError(try mbl.F(-1))
        XCTAssertThrowsError(try FloquetResonanceModel(xi: -1, Lambda: 5).v(1), "zeta < 0: v(r) undefined")
    }

    /// [S(omega)] of eq. 53 is eq. 52 with p of eq. 46, and the sum rule
    /// int S domega + [C_zz] = C_zz(0) = 1 (eqs. 23, 48) by independent quadrature.
    func testFloquetSpectralSumRuleAndEq52() throws {
        for (xi, L) in [(0.5, 8.0), (3.0, 20.0), (Double.infinity, 12.0), (-5.0, 8.0)] {
            let m = try FloquetResonanceModel(xi: xi, Lambda: 15)
            let rho = try m.rangePerLog()
            let uMax = (L / 2) / rho   // log(J/omega_c)
            // int_{omega_c}^{J} 2 S domega = int_0^{uMax} 2 S(omega) omega du.
            let cont = simpson(0, uMax, 4000) { u in
                let w = exp(-u)
                return 2 * (try! m.spectralFunction(omega: w, L: L)) * w
            }
            XCTAssertEqual(cont + (try m.zeroFrequencyWeight(L: L)), 1, accuracy: 1e-9, "sum rule, xi = \(xi)")
            for w in [0.5, 0.01, exp(-0.7 * uMax)] {
                let viaP = rho / (2 * w) * (try m.p(rho * log(1 / w)))
                XCTAssertEqual(try m.spectralFunction(omega: w, L: L) / viaP, 1, accuracy: 1e-12, "eq. 53 = eq. 52")
            }
            XCTAssertEqual(try m.spectralFunction(omega: 1.5, L: L), 0, "no weight above J")
            XCTAssertEqual(try m.spectralFunction(omega: 0.5 * (try m.cutoffFrequency(L: L)), L: L), 0, "none below omega_c")
        }
        XCTAssertThrowsError(try FloquetResonanceModel(xi: 1, Lambda: 5).spectralFunction(omega: 0, L: 10))
        let thermal = try FloquetResonanceModel(xi: -3, Lambda: 5)
        XCTAssertThrowsError(try thermal.spectralFunction(omega: 0.5 * (try thermal.thermalFrequency()), L: 100), "below omega_xi (eq. 59)")
    }

    /// Low-frequency exponents (eq. 57): at xi = inf, S ~ omega^(-1 + theta_c)
    /// exactly with theta_c = zeta_c/(2 Lambda); in the MBL phase at large L the
    /// slope tends to -1 + theta0 as omega -> 0.
    func testFloquetLowFrequencyExponents() throws {
        func slope(_ m: FloquetResonanceModel, _ w: Double, _ L: Double) throws -> Double {
            let h = 1e-4
            return (log(try m.spectralFunction(omega: w * exp(h), L: L)) - log(try m.spectralFunction(omega: w * exp(-h), L: L))) / (2 * h)
        }
        let crit = try FloquetResonanceModel(xi: .infinity, Lambda: 25)
        for w in [0.3, 1e-3, 1e-6] {
            XCTAssertEqual(try slope(crit, w, 60), -1 + crit.thetaCritical, accuracy: 1e-7)
        }
        let mbl = try FloquetResonanceModel(xi: 1.5, Lambda: 25)
        XCTAssertEqual(try slope(mbl, 1e-250, 2000), -1 + mbl.theta0, accuracy: 1e-7, "region II exponent theta0")
    }

    /// [C_zz(t)] (eq. 47, quadrature in r) and [S(omega)] (eq. 53, quadrature in
    /// omega) are a Fourier pair (eq. 23); C_zz(0) = 1; the front approximation
    /// (eqs. 49-50) has v(r(t)) t = 1.
    func testFloquetCorrelatorFourierPairAndLightCone() throws {
        let L = 10.0
        for xi in [1.0, Double.infinity] {
            let m = try FloquetResonanceModel(xi: xi, Lambda: 8)
            XCTAssertEqual(try m.czz(t: 0, L: L), 1, accuracy: 1e-12, "C_zz(0) = 1")
            let uMax = (L / 2) / (try m.rangePerLog())
            for t in [0.7, 3.0, 12.0] {
                let viaS = (try m.zeroFrequencyWeight(L: L)) + simpson(0, uMax, 8000) { u in
                    let w = exp(-u)
                    return 2 * (try! m.spectralFunction(omega: w, L: L)) * w * cos(w * t)
                }
                XCTAssertEqual(try m.czz(t: t, L: L), viaS, accuracy: 1e-9, "eq. 23 at t = \(t)")
            }
            for t in [5.0, 50.0] {
                let r = try m.lightConeFront(t: t, L: L)
                XCTAssertEqual(try m.v(r) * t, 1, accuracy: 1e-12, "front solves v(r) t = 1")
            }
            XCTAssertEqual(try m.czzFront(t: 1e30, L: L), try m.timeAveragedCzz(L: L), "front stops at L/2")
        }
    }

    // MARK: - Hamiltonian resonance model

    /// F1 of eq. 91 (erf, erfi and the xi = inf limit) against direct quadrature of
    /// eq. 90: log F1(r) = -int_0^sqrt(r) dw exp(-w^2/xi)/sqrt(Lambda).
    func testF1AgainstIntegrationOfEq90() throws {
        let lam = 6.0
        for xi in [2.0, 40.0, Double.infinity, -3.0, -50.0] {
            let m = try HamiltonianResonanceModel(xi: xi, Lambda: lam)
            for r in [0.5, 5.0, 30.0] {
                let logF = -simpson(0, r.squareRoot(), 4000) { exp(-$0 * $0 / xi) } / lam.squareRoot()
                XCTAssertEqual(try m.logF1(r) / logF, 1, accuracy: 1e-11, "xi = \(xi), r = \(r)")
            }
        }
    }

    /// Limits of F1 stated in the text: exp(-sqrt(r/Lambda)) at xi = inf (eq. B1),
    /// [C_zz] = exp(-sqrt(L/(2 Lambda))) (eq. 114), 1 - sqrt(r/Lambda) at small r,
    /// exp(-sqrt(pi xi/(4 Lambda))) at large r (MBL), the erfi asymptotics of
    /// eq. D5 on the thermal side, and continuity through xi = +-inf.
    func testF1Limits() throws {
        let lam = 9.0
        let crit = try HamiltonianResonanceModel(xi: .infinity, Lambda: lam)
        XCTAssertEqual(try crit.F1(7), exp(-(7 / lam).squareRoot()), accuracy: 1e-15)
        XCTAssertEqual(try crit.timeAveragedCzz(L: 24), exp(-(24 / (2 * lam)).squareRoot()), accuracy: 1e-15)
        XCTAssertEqual(try crit.q(4), 1 / (4 * lam * 4).squareRoot(), "scale-free q (eq. 89/115)")
        for xi in [1e12, -1e12] {
            XCTAssertEqual(try HamiltonianResonanceModel(xi: xi, Lambda: lam).F1(7), try crit.F1(7), accuracy: 1e-10)
        }
        let mbl = try HamiltonianResonanceModel(xi: 3, Lambda: lam)
        let r0 = 1e-8
        // 1 - F1 = A - A^2/2 + ..., A = sqrt(r/Lambda) (1 + O(r/xi)).
        let a0 = (r0 / lam).squareRoot()
        XCTAssertEqual((1 - (try mbl.F1(r0))) / a0, 1 - a0 / 2, accuracy: 1e-8)
        XCTAssertEqual(try mbl.F1(500), exp(-(Double.pi * 3 / (4 * lam)).squareRoot()), accuracy: 1e-14)
        XCTAssertEqual(try mbl.timeAveragedCzz(L: 1e4), mbl.thermodynamicCzz, accuracy: 1e-14, "Fig. 2f, Hamiltonian")
        // Thermal: -log F1 = sqrt(pi|xi|/(4 Lambda)) erfi(sqrt x), x = r/|xi|, and
        // erfi(sqrt x) = e^x/sqrt(pi x) (1 + 1/(2x) + 3/(4x^2) + 15/(8x^3) + O(x^-4)) (eq. D5 and its next terms).
        let xi = -2.0, r = 80.0, x = r / 2
        let therm = try HamiltonianResonanceModel(xi: xi, Lambda: lam)
        let lead = (Double.pi * 2 / (4 * lam)).squareRoot() * exp(x) / (Double.pi * x).squareRoot()
        XCTAssertEqual(-(try therm.logF1(r)) / lead, 1 + 1 / (2 * x) + 3 / (4 * x * x) + 15 / (8 * x * x * x), accuracy: 5e-6)
        XCTAssertEqual(try therm.F1(2000), 0, "complete depletion underflows to 0, never NaN")
        XCTAssertThrowsError(try therm.q(0))
    }

    /// [S(omega)] of eq. 93: the printed closed form (MBL side) equals eq. 52 with
    /// p = q F1; the sum rule int S domega + F1(L/2) = 1; the xi = inf form behind
    /// eq. 111; and the omega -> 0 exponent -1 + theta0.
    func testHamiltonianSpectralFunction() throws {
        let lam = 12.0
        for (xi, L) in [(1.0, 10.0), (10.0, 16.0), (Double.infinity, 14.0), (-8.0, 10.0)] {
            let m = try HamiltonianResonanceModel(xi: xi, Lambda: lam)
            let rho = try m.rangePerLog()
            let uMax = (L / 2) / rho
            // u = y^2 removes the u^(-1/2) divergence at omega -> J.
            let cont = simpson(0, uMax.squareRoot(), 4000) { y in
                if y == 0 {
                    // limit of 2 S omega 2 y = 4 y (rho/2) q(rho y^2) F1 -> 2 rho / sqrt(4 Lambda rho)
                    return 2 * rho / (4 * lam * rho).squareRoot()
                }
                let w = exp(-y * y)
                return 2 * (try! m.spectralFunction(omega: w, L: L)) * w * 2 * y
            }
            XCTAssertEqual(cont + (try m.zeroFrequencyWeight(L: L)), 1, accuracy: 1e-8, "sum rule, xi = \(xi)")
            for w in [0.5, 0.02, exp(-0.6 * uMax)] {
                let viaP = rho / (2 * w) * (try m.p(rho * log(1 / w)))
                XCTAssertEqual(try m.spectralFunction(omega: w, L: L) / viaP, 1, accuracy: 1e-12, "eq. 93 = eq. 52")
                if xi > 0 && xi.isFinite {
                    let u = log(1 / w), th = m.theta0
                    let printed = 1 / 4.0 * (zetaC * (1 - th) / (2 * lam * u)).squareRoot() * pow(w, -1 + th)
                        * exp(-(Double.pi * xi / (4 * lam)).squareRoot() * erf((th * u).squareRoot()))
                    XCTAssertEqual(try m.spectralFunction(omega: w, L: L) / printed, 1, accuracy: 1e-12, "printed eq. 93")
                }
                if xi.isInfinite {
                    let u = log(1 / w)
                    let critical = 1 / 4.0 * (zetaC / (2 * lam * u)).squareRoot() / w * exp(-(zetaC * u / (2 * lam)).squareRoot())
                    XCTAssertEqual(try m.spectralFunction(omega: w, L: L) / critical, 1, accuracy: 1e-12, "1/(omega sqrt(log)) form (eq. 111)")
                }
            }
            XCTAssertEqual(try m.spectralFunction(omega: 2, L: L), 0, "no weight above J")
        }
        // omega -> 0 at large L: slope -1 + theta0 + 1/(2 log(J/omega)).
        let m = try HamiltonianResonanceModel(xi: 2, Lambda: lam)
        let w = exp(-400.0), h = 1e-4
        let s = (log(try m.spectralFunction(omega: w * exp(h), L: 4000)) - log(try m.spectralFunction(omega: w * exp(-h), L: 4000))) / (2 * h)
        XCTAssertEqual(s, -1 + m.theta0 + 1 / (2 * 400), accuracy: 1e-6)
    }

    /// [C_zz(t)] of eq. 92 against the Fourier transform of [S(omega)]; C_zz(0) = 1;
    /// the front form at xi = inf is eq. 112.
    func testHamiltonianCorrelator() throws {
        let L = 12.0, lam = 10.0
        let crit = try HamiltonianResonanceModel(xi: .infinity, Lambda: lam)
        let mbl = try HamiltonianResonanceModel(xi: 2, Lambda: lam)
        for m in [crit, mbl] {
            XCTAssertEqual(try m.czz(t: 0, L: L), 1, accuracy: 1e-12)
            let rho = try m.rangePerLog(), uMax = (L / 2) / rho
            let t = 2.5
            let viaS = (try m.zeroFrequencyWeight(L: L)) + simpson(0, uMax.squareRoot(), 8000) { y in
                if y == 0 { return 2 * rho / (4 * lam * rho).squareRoot() * cos(t) }
                let w = exp(-y * y)
                return 2 * (try! m.spectralFunction(omega: w, L: L)) * w * 2 * y * cos(w * t)
            }
            XCTAssertEqual(try m.czz(t: t, L: L), viaS, accuracy: 1e-7)
        }
        for t in [10.0, 1e3] {
            XCTAssertEqual(try crit.czzFront(t: t, L: 1000), exp(-(zetaC * log(t) / (2 * lam)).squareRoot()), accuracy: 1e-14, "eq. 112")
        }
    }

    /// The probe entropy (eq. 120) and the drift W_delta(L) (eqs. 116-117, Fig. 9):
    /// [C_zz](W_delta) = delta, W_delta < W_c rising with L, and eq. 117 with a
    /// fitted ell_delta describing the numerical drift at small L.
    func testProbeEntropyAndDrift() throws {
        let m = try HamiltonianResonanceModel(xi: -6, Lambda: 20)
        for L in [4.0, 12.0] {
            XCTAssertEqual(try m.probeEntropy(L: L), log(2.0) * (1 - (try m.F1(L / 2))), accuracy: 1e-15)
        }
        let drift = ResonanceModelDrift.seedFigure9()
        XCTAssertEqual(drift.LambdaC, Double.pi * pow(zetaC * 10 / 4, 2), accuracy: 1e-12, "eq. 83")
        var prevS = Double.infinity
        for W in [2.0, 6.0, 10.0, 14.0] {
            let s = try drift.probeEntropy(W: W, L: 20)
            XCTAssertTrue(s >= 0 && s <= log(2.0) && s < prevS, "S_P in [0, log 2], falling with W")
            prevS = s
        }
        XCTAssertEqual(try drift.timeAveragedCzz(W: 10, L: 20), exp(-(10 / drift.LambdaC).squareRoot()), accuracy: 1e-15, "W = W_c is xi = inf")
        let delta = 0.01
        let Ls = stride(from: 2.0, through: 14.0, by: 2.0).map { $0 }
        var ws = [Double]()
        for L in Ls {
            let w = try drift.wDelta(L: L, delta: delta)
            XCTAssertEqual(try drift.timeAveragedCzz(W: w, L: L), delta, accuracy: 1e-10)
            XCTAssertLessThan(w, drift.Wc)
            if let last = ws.last { XCTAssertGreaterThan(w, last, "W_delta rises with L") }
            ws.append(w)
        }
        let ell = try drift.fitEllDelta(L: Ls, wDelta: ws)
        for (L, w) in zip(Ls, ws) {
            XCTAssertEqual(drift.wDeltaFormula(L: L, ellDelta: ell) / w, 1, accuracy: 0.15, "eq. 117 at L = \(L)")
        }
    }

    // MARK: - The curves of the rm study's Floquet and Hamiltonian rows

    /// `ResonanceModelCurves.curves` against closed forms: at the transition
    /// (1/xi = 0) the Floquet F(r) = exp(-r/Lambda) with p = F/Lambda, the
    /// Hamiltonian F1(r) = exp(-sqrt(r/Lambda)); in the MBL phase (xi = 2) the
    /// Floquet F(r) = exp(-(xi/Lambda)(1 - exp(-r/xi))) and [C_zz](L -> inf) =
    /// exp(-xi/Lambda); rho = theta0 xi = xi zeta_c/(2 xi + zeta_c) (zeta_c/2 at
    /// the transition) and the front r(t) = rho log(J t); [C_zz](L) = F(L/2), the
    /// probe entropy log 2 (1 - [C_zz]), the grids passed through, and every
    /// check of the row near 0.
    func testCurvesAgainstClosedForms() throws {
        let lam = 4.0, L = 12.0, r = [0.5, 2, 6], t = [0.5, 3, 100], omega = [1e-4, 0.1, 0.9]
        for (floquet, ix) in [(true, 0.0), (false, 0.0), (true, 0.5)] {
            let xi = ix == 0 ? Double.infinity : 1 / ix
            let F: (Double) -> Double = { x in
                !floquet ? exp(-(x / lam).squareRoot()) : ix == 0 ? exp(-x / lam) : exp(-(xi / lam) * (1 - exp(-x / xi)))
            }
            let c = try ResonanceModelCurves.curves(floquet: floquet, inverseXi: ix, Lambda: lam, L: L, r: r, t: t, omega: omega,
                                                    sumRulePanels: 400, derivativeStep: 1e-5)
            let what = "floquet \(floquet), 1/xi = \(ix)"
            XCTAssertEqual(c["inverse_xi"]!, [ix])
            XCTAssertEqual(c["r"]!, r)
            XCTAssertEqual(c["t"]!, t)
            XCTAssertEqual(c["omega"]!, omega)
            XCTAssertEqual(c["F"]!, r.map(F), accuracy: 1e-14)
            if floquet && ix == 0 { XCTAssertEqual(c["p"]!, r.map { F($0) / lam }, accuracy: 1e-14) }
            XCTAssertEqual(c["czz_L"]![0], F(L / 2), accuracy: 1e-14, what)
            XCTAssertEqual(c["czz_inf"]![0], ix == 0 ? 0 : exp(-xi / lam), accuracy: 1e-15, what)
            XCTAssertEqual(c["probe_entropy"]![0], log(2.0) * (1 - F(L / 2)), accuracy: 1e-14, what)
            let rho = ix == 0 ? zetaC / 2 : xi * zetaC / (2 * xi + zetaC)
            XCTAssertEqual(c["rho"]![0], rho, accuracy: 1e-14, "rho = theta0 xi (eq. 51)")
            XCTAssertEqual(c["light_cone"]![0], 0, "no front before t = 1/J")
            XCTAssertEqual(c["light_cone"]![1], rho * log(3.0), accuracy: 1e-14, "r(t) = rho log(J t) (eq. 50)")
            for name in ["sum_rule_residual", "czz_t0_residual", "small_r_residual", "large_r_residual", "p_derivative_residual"] {
                XCTAssertEqual(c[name]![0], 0, accuracy: 1e-5, "\(name), \(what)")
            }
        }
    }

    // MARK: - Growth-diffusion equation (eq. 86)

    /// Pure diffusion: f(eps, r) is the Gaussian of variance 2r + 1 centred at h/(2W);
    /// the max error falls as the square of the steps (Crank-Nicolson + central differences).
    func testGrowthDiffusionPureDiffusionOrder() throws {
        let gd = try GrowthDiffusion(xi: 1, Lambda: 1, fieldOverW: 1, loss: .none)
        let rMax = 2.0, v = 1 + 2 * rMax
        var errors = [Double]()
        for k in 0..<3 {
            let scale = pow(2.0, Double(k))
            let sol = try gd.solve(rMax: rMax, ds: 0.08 / scale, dEps: 0.2 / scale, snapshotRanges: [rMax])
            XCTAssertEqual(sol.snapshotRanges[0], rMax, accuracy: 1e-12)
            var e = 0.0
            for (x, f) in zip(sol.energies, sol.snapshots[0]) {
                e = max(e, abs(f - exp(-(x - 0.5) * (x - 0.5) / (2 * v)) / (2 * Double.pi * v).squareRoot()))
            }
            errors.append(e)
            XCTAssertEqual(sol.F.last!, 1, accuracy: 1e-10, "mass is conserved without loss")
        }
        let order = log2(errors[1] / errors[2])
        XCTAssertGreaterThan(order, 1.8, "errors \(errors)")
        XCTAssertLessThan(errors[2], 1e-4)
    }

    /// The solver's grid by hand: sqrt(4) / 0.3 = 6.7 -> 7 steps; the energy box
    /// +-10 sqrt(1 + 2 * 4) = +-30 in cells of at most 7 -> 9; at least 1 step and 4 cells.
    func testGrowthDiffusionDiscretization() throws {
        let g = GrowthDiffusion.discretization(rMax: 4, ds: 0.3, dEps: 7, fieldOverW: 0)
        XCTAssertEqual(g.steps, 7)
        XCTAssertEqual(g.cells, 9)
        XCTAssertEqual(g.halfWidth, 30)
        XCTAssertEqual(GrowthDiffusion.discretization(rMax: 4, ds: 0.3, dEps: 7, widthSigmas: 4, fieldOverW: -2).halfWidth, 14)
        let tiny = GrowthDiffusion.discretization(rMax: 1e-4, ds: 1, dEps: 100, fieldOverW: 1)
        XCTAssertEqual(tiny.steps, 1)
        XCTAssertEqual(tiny.cells, 4)
        let sol = try GrowthDiffusion(xi: 1, Lambda: 1, loss: .none).solve(rMax: 4, ds: 0.3, dEps: 7)
        XCTAssertEqual(sol.ranges.count, g.steps + 1)
        XCTAssertEqual(sol.energies.count, g.cells + 1)
        XCTAssertThrowsError(try GrowthDiffusion(xi: 1, Lambda: 1).solve(rMax: 1e4, ds: 1e-3, dEps: 1e-3), "over maxCellSteps")
    }

    /// Energy-independent loss: F(r) = F1(r) of eq. 91 exactly, reached at second order.
    func testGrowthDiffusionMatchesF1() throws {
        for xi in [3.0, -4.0, Double.infinity] {
            let gd = try GrowthDiffusion(xi: xi, Lambda: 2, loss: .energyIndependent)
            let m = try HamiltonianResonanceModel(xi: xi, Lambda: 2)
            var errors = [Double]()
            for k in 0..<3 {
                let scale = pow(2.0, Double(k))
                let sol = try gd.solve(rMax: 4, ds: 0.1 / scale, dEps: 0.25)
                var e = 0.0
                for (r, F) in zip(sol.ranges, sol.F) { e = max(e, abs(F - (try m.F1(r)))) }
                errors.append(e)
            }
            XCTAssertGreaterThan(log2(errors[1] / errors[2]), 1.8, "xi = \(xi), errors \(errors)")
            XCTAssertLessThan(errors[2], 1e-4)
        }
    }

    /// Energy-dependent loss (eqs. 82, C3): self-convergence at second order;
    /// F >= F1 (the loss is never larger than eq. 89's); F ~ F1 for r << Lambda;
    /// and int p dr = F(r1) - F(r2) (eq. 88 against eq. 87).
    func testGrowthDiffusionEnergyDependent() throws {
        let lam = 3.0, xi = 5.0, rMax = 6.0
        let gd = try GrowthDiffusion(xi: xi, Lambda: lam, loss: .energyDependent)
        var finals = [Double]()
        var finest: GrowthDiffusion.Solution?
        for k in 0..<3 {
            let scale = pow(2.0, Double(k))
            let sol = try gd.solve(rMax: rMax, ds: 0.1 / scale, dEps: 0.2 / scale)
            finals.append(sol.F.last!)
            finest = sol
        }
        let ratio = (finals[0] - finals[1]) / (finals[1] - finals[2])
        XCTAssertGreaterThan(log2(abs(ratio)), 1.7, "F(r_max) \(finals)")
        let sol = finest!
        let m = try HamiltonianResonanceModel(xi: xi, Lambda: lam)
        for (r, F) in zip(sol.ranges, sol.F) {
            XCTAssertGreaterThanOrEqual(F, (try m.F1(r)) - 1e-6, "comparison principle at r = \(r)")
        }
        // While depletion is negligible (Lambda huge) f is the Gaussian N(h/2W, 2r + 1) and
        // p/q_F1 = int f G = exp(-(h/W)^2/(4(2r+1)))/sqrt(2): the energy-dependent
        // loss averaged over the unresonated states (h/W = 1 here).
        let big = 1e8
        let near = try GrowthDiffusion(xi: xi, Lambda: big, loss: .energyDependent).solve(rMax: 4, ds: 0.02, dEps: 0.05)
        let mBig = try HamiltonianResonanceModel(xi: xi, Lambda: big)
        for (r, p) in zip(near.pRanges, near.p) where r > 0.01 {
            XCTAssertEqual(p / (try mBig.q(r)), exp(-1 / (4 * (2 * r + 1))) / 2.0.squareRoot(), accuracy: 1e-4, "r = \(r)")
        }
        // int_{r_a}^{r_b} p dr = int p 2 s ds, trapezoid in s over the solver's grid.
        let i0 = sol.pRanges.firstIndex { $0 >= 0.25 }!, i1 = sol.pRanges.count - 1
        var integral = 0.0
        for i in i0..<i1 {
            let sa = sol.pRanges[i].squareRoot(), sb = sol.pRanges[i + 1].squareRoot()
            integral += 0.5 * (sb - sa) * (2 * sa * sol.p[i] + 2 * sb * sol.p[i + 1])
        }
        XCTAssertEqual(integral, sol.F[i0 + 1] - sol.F[i1 + 1], accuracy: 1e-5)
        XCTAssertThrowsError(try gd.solve(rMax: -1, ds: 0.1, dEps: 0.1))
    }

    /// App. C1 / Fig. 11: at the transition with the energy-dependent loss the
    /// decay of F leaves exp(-sqrt(r/Lambda)) for r >> Lambda and turns into a power
    /// law (the seed finds F ~ r^-2, i.e. |dF/dr| ~ r^-3): F >> F1 there and the
    /// local slope of log|dF/dr| steepens from about -1 towards -3.
    func testGrowthDiffusionCriticalTail() throws {
        let lam = 0.25
        let sol = try GrowthDiffusion(xi: .infinity, Lambda: lam, loss: .energyDependent).solve(rMax: 100 * lam, ds: 0.02, dEps: 0.2)
        func slope(at x: Double) -> Double {
            let i = sol.pRanges.firstIndex { $0 >= x * lam }!
            let a = i - 5, b = min(i + 5, sol.pRanges.count - 1)
            return log(sol.p[b] / sol.p[a]) / log(sol.pRanges[b] / sol.pRanges[a])
        }
        let m = try HamiltonianResonanceModel(xi: .infinity, Lambda: lam)
        XCTAssertGreaterThan(sol.F.last! / (try m.F1(sol.ranges.last!)), 100, "power law outlives the stretched exponential")
        let s3 = slope(at: 3), s30 = slope(at: 30), s90 = slope(at: 90)
        XCTAssertTrue(s3 > -1.2 && s3 < -0.7, "slope at r = 3 Lambda: \(s3)")
        XCTAssertTrue(s30 < s3 && s90 < s30 && s90 < -2.3 && s90 > -3.05, "slopes \(s3), \(s30), \(s90)")
    }

    /// The CLI text of `qglass theory rm`: one "r F(r)" line per r, numbers round-trip.
    func testTheoryTable() throws {
        let rs = try ResonanceModelTheory.parseRanges("0, 1.5,10")
        XCTAssertEqual(rs, [0, 1.5, 10])
        let text = try ResonanceModelTheory.table(kind: .hamiltonian, xi: .infinity, Lambda: 4, r: rs)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        for (line, r) in zip(lines, rs) {
            let parts = line.split(separator: " ").map { Double(String($0))! }
            XCTAssertEqual(parts[0], r)
            XCTAssertEqual(parts[1], exp(-(r / 4).squareRoot()), accuracy: 1e-15)
        }
        let fl = try ResonanceModelTheory.table(kind: .floquet, xi: 2, Lambda: 4, r: [3])
        XCTAssertEqual(Double(String(fl.split(separator: " ")[1].dropLast()))!, exp(-(2.0 / 4) * (1 - exp(-1.5))), accuracy: 1e-15)
        XCTAssertThrowsError(try ResonanceModelTheory.parseRanges("1,x"))
        XCTAssertThrowsError(try ResonanceModelTheory.table(kind: .floquet, xi: 0, Lambda: 4, r: [1]))
    }
}
