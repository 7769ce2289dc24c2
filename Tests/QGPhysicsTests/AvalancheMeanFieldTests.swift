import XCTest
import Foundation
import QGNumerics
@testable import QGPhysics

/// Mean-field theory of failed avalanches (docs/avalanche-mean-field.md): exact limits,
/// closed forms, an independent series evaluation of eta, and the chain solver against
/// the seed's own iteration.
final class AvalancheMeanFieldTests: XCTestCase {
    typealias MF = AvalancheMeanField
    static let ln2 = log(2.0)
    static let Z = ReducedCouplingDistribution.truncatedMass

    /// One coarse table for the chain tests (debug-build budget): g in [1e-6, 1e2],
    /// interpolation checked against direct quadrature to 1e-5 (relative, on eta - eta0).
    nonisolated(unsafe) static var cachedTable: EtaTable?
    static func table() throws -> EtaTable {
        if let t = cachedTable { return t }
        let t = try EtaTable(.normalized, gMin: 1e-6, gMax: 1e2, step: 0.25, quadratureTol: 1e-9,
                             interpolationTol: 1e-5, checkStride: 5)
        cachedTable = t
        return t
    }

    // MARK: Numerics from QGNumerics

    /// A quadrature failure reaches callers as the mean-field error (1/x is not integrable at 0),
    /// and the critical exponent is the slope of the log-log fit.
    func testQuadratureFailureAndCriticalExponent() {
        XCTAssertThrowsError(try ReducedCouplingDistribution.integrate(0, 1, relTol: 1e-10, initialPanels: 1) { 1 / $0 }) { e in
            guard case AvalancheMeanFieldError.quadratureNotConverged = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try ReducedCouplingDistribution.integrate(0, .nan, relTol: 1e-10, initialPanels: 1) { $0 }) { e in
            XCTAssertEqual(e as? AvalancheMeanFieldError, .invalidInput("quadrature bounds must be finite"))
        }
        let deltaA = [-0.1, -0.05, 0.02, 0.01]
        XCTAssertEqual(MF.criticalExponent(deltaA: deltaA, etaTotal: deltaA.map { 3 * pow(abs($0), -0.7) }), 0.7, accuracy: 1e-12)
    }

    // MARK: P, S, K

    func testPAndSLimits() {
        XCTAssertEqual(MF.P(0), 0)
        XCTAssertEqual(MF.S(0), 0)
        for g in [1e-6, 1e-4, 1e-3] {
            XCTAssertEqual(MF.P(g) / (g * g), 1 - 3 * g * g, accuracy: 1e-10)           // P = g^2 - 3 g^4 + ...
            XCTAssertEqual(MF.S(g) / (g * g * (1 - 2 * log(g))), 1, accuracy: 50 * g * g * abs(log(g)) + 1e-12)
        }
        for g in [1e3, 1e4, 1e5] {
            XCTAssertEqual(0.5 - MF.P(g), 1 / (4 * g), accuracy: 1 / (g * g * g))         // P = 1/2 - 1/(4g) + O(g^-3)
            XCTAssertEqual((Self.ln2 - MF.S(g)) * 8 * g * g, 1, accuracy: 1e-5)            // S = ln2 - 1/(8 g^2)
        }
        XCTAssertEqual(MF.P(.infinity), 0.5)
        // K(g, g') depends on c c' only; K(0, 0) = 1, K(inf, g') = sqrt 2.
        XCTAssertEqual(MF.kernel(0, 0), 1, accuracy: 1e-15)
        for g2 in [0.0, 0.3, 5.0] { XCTAssertEqual(MF.kernel(1e9, g2), 2.0.squareRoot(), accuracy: 1e-9) }
        for (g, g2) in [(0.2, 0.7), (1.5, 0.01), (3.0, 3.0)] {
            let y = 1 / ((1 + 4 * g * g) * (1 + 4 * g2 * g2)).squareRoot()
            XCTAssertEqual(MF.kernel(g, g2), ((1 + y).squareRoot() + (1 - y).squareRoot()) / 2.0.squareRoot(), accuracy: 1e-14)
            let e = 1 - 1 / (1 + 4 * g * g).squareRoot(), e2 = 1 - 1 / (1 + 4 * g2 * g2).squareRoot()
            XCTAssertEqual(MF.kernelMinusOne(e, e2), MF.kernel(g, g2) - 1, accuracy: 1e-14)
        }
    }

    // MARK: The distribution (A3)

    /// The truncated (A3) has mass Z = 2/pi + 4 c1/pi^3 + 4 c2/pi^4 = 1.7803, not 1: closed form
    /// against a direct quadrature of p~(x) in ln x, and every convention's stated mass and tail.
    func testNormalizationOfTruncatedDistribution() throws {
        let zClosed = 2 / Double.pi + 4 * 5.3 / pow(Double.pi, 3) + 4 * 11.2 / pow(Double.pi, 4)
        XCTAssertEqual(Self.Z, zClosed, accuracy: 1e-14)
        let zDirect = try GaussKronrod15.integrate(-8, 60, relTol: 1e-13, initialPanels: 34) { s in
            let x = exp(s); return x * ReducedCouplingDistribution.truncatedShape(x)
        }.value
        XCTAssertEqual(zDirect, zClosed, accuracy: 1e-11)
        XCTAssertEqual(zClosed, 1.7803, accuracy: 1e-4)
        for conv in ReducedCouplingConvention.allCases {
            let d = ReducedCouplingDistribution(conv)
            let expectedMass = conv == .asWritten ? zClosed : 1
            XCTAssertEqual(try d.numericalMass(), expectedMass, accuracy: 1e-11, "\(conv)")
            XCTAssertEqual(try d.expectation(g1: 0.37) { _ in 1 }, expectedMass, accuracy: 1e-10, "\(conv)")
            // Tail p(g) ~ 2 A g1 / g^2 with A = 1 (as written, normalized) or 1/Z (mass-normalized).
            let g1 = 0.2, g = 1e7
            XCTAssertEqual(d.density(g, g1: g1) * g * g / (2 * g1), d.tailCoefficient, accuracy: 1e-5, "\(conv)")
            XCTAssertEqual(d.tailCoefficient, conv == .massNormalized ? 1 / zClosed : 1, accuracy: 1e-14)
        }
        XCTAssertEqual(ReducedCouplingConvention.default, .normalized)
        XCTAssertEqual(ReducedCouplingConvention(cliNormalized: false), .asWritten)
    }

    // MARK: eta

    func testEtaLimits() throws {
        let d = ReducedCouplingDistribution(.normalized)
        XCTAssertEqual(try d.eta(0), 0)
        XCTAssertEqual(try d.eta(1e-14), 0, accuracy: 1e-11)
        XCTAssertEqual(try d.eta(.infinity), Self.ln2)
        // eta = ln2 - m2^2 / (64 Z^2 gamma^4) (1 + O(gamma^-2)), gamma = Z g.
        for g in [3.0, 10.0] {
            let gamma = Self.Z * g
            let lead = pow(ReducedCouplingDistribution.inverseSquareMoment, 2) / (64 * Self.Z * Self.Z * pow(gamma, 4))
            XCTAssertEqual((Self.ln2 - (try d.eta(g, relTol: 1e-12))) / lead, 1, accuracy: 10 / (gamma * gamma))
        }
        XCTAssertEqual(try d.eta(100, relTol: 1e-12), d.etaLargeG(100), accuracy: 1e-15)
        // Monotone and inside [0, ln 2] (the bounds of eq. 8c).
        var last = 0.0
        for t in stride(from: -12.0, through: 4.0, by: 2.0) {
            let e = try d.eta(exp(t), relTol: 1e-9)
            XCTAssertGreaterThan(e, last); XCTAssertLessThanOrEqual(e, Self.ln2); last = e
        }
        // As written, the unnormalized mass Z^2 enters the log: eta(0) = 4 ln Z > ln 2, which breaks 0 <= eta <= ln 2.
        let w = ReducedCouplingDistribution(.asWritten)
        XCTAssertEqual(try w.eta(1e-12, relTol: 1e-9), 4 * log(Self.Z), accuracy: 1e-9)
        XCTAssertGreaterThan(w.etaZero, Self.ln2)
        XCTAssertEqual(try w.eta(50, relTol: 1e-9), 4 * log(Self.Z) + Self.ln2, accuracy: 1e-9)
        // mass-normalized is the default convention at g / Z (exact relabelling).
        let m = ReducedCouplingDistribution(.massNormalized)
        XCTAssertEqual(try m.eta(0.3, relTol: 1e-11), try d.eta(0.3 / Self.Z, relTol: 1e-11), accuracy: 1e-12)
    }

    /// Independent evaluation: K = sqrt2 sum_j C(1/2, 2j) (c c')^{2j} separates, so
    /// I = sqrt2 sum_j C(1/2, 2j) <c^{2j}>^2 with 1D moments taken in g (a different code path).
    func testEtaAgainstMomentSeries() throws {
        let d = ReducedCouplingDistribution(.normalized)
        for g1 in [0.3, 1.0, 3.0] {
            var binom = 1.0, k = 0, sum = 0.0
            for j in 0..<400 {
                while k < 2 * j { binom *= (0.5 - Double(k)) / Double(k + 1); k += 1 }
                let mom = try d.expectation(g1: g1, relTol: 1e-13) { g in pow(1 + 4 * g * g, -Double(j)) }
                let term = binom * mom * mom
                sum += term
                if j > 3, abs(term) < 1e-17 { break }
            }
            let etaSeries = 2 * log(2.0.squareRoot() * sum)
            XCTAssertEqual(try d.eta(g1, relTol: 1e-11), etaSeries, accuracy: 1e-10, "g1 = \(g1)")
        }
    }

    /// eta - eta0 = g (kappa ln(1/g) + B) + o(g): the slope of eta/g against ln(1/g) is kappa =
    /// 8 lambda/Z: 8 for the default (mass 1, tail 2 g1/g^2: the seed's -8 g ln g); 8/Z = 4.494 for
    /// the form as written and the mass-normalized one (either the mass or the tail is off by Z).
    func testSmallGAsymptoteCoefficient() throws {
        for (conv, kappa) in [(ReducedCouplingConvention.normalized, 8.0), (.massNormalized, 8 / Self.Z), (.asWritten, 8 / Self.Z)] {
            let d = ReducedCouplingDistribution(conv)
            XCTAssertEqual(d.smallGCoefficient, kappa, accuracy: 1e-14)
            let g1 = 1e-8, g2 = 1e-7
            let y1 = (try d.etaExcess(g1, relTol: 1e-11)) / g1
            let y2 = (try d.etaExcess(g2, relTol: 1e-11)) / g2
            let slope = (y1 - y2) / (log(1 / g1) - log(1 / g2))
            XCTAssertEqual(slope, kappa, accuracy: 1e-3 * kappa, "\(conv)")
        }
    }

    /// [S] (A13) and 1 - C (A14) both start as 2 pi A g: J_S = int S/g^2 = pi (proved in the docs)
    /// and int (1 - c^2)/g^2 = int 4/(1 + 4 g^2) = pi. Large g: [S] -> ln 2, C ~ m2/(4 Z gamma^2).
    func testMeanEntropyAndMemoryLimits() throws {
        XCTAssertEqual(ReducedCouplingDistribution.entropyTailIntegral, Double.pi, accuracy: 1e-12)
        for conv in [ReducedCouplingConvention.normalized, .massNormalized] {
            let d = ReducedCouplingDistribution(conv)
            let A = d.tailCoefficient
            for g in [1e-9, 1e-7] {
                // Next order: relative O(gamma ln^2 gamma) (from the 1 + c1 u + ... of the weight).
                let gamma = d.scale * g, tol = 2 * Double.pi * A * 10 * gamma * pow(log(gamma), 2)
                XCTAssertEqual(try d.meanEntropy(g1: g) / g, 2 * Double.pi * A, accuracy: tol)
                XCTAssertEqual(try d.memoryDeficit(g1: g) / g, 2 * Double.pi * A, accuracy: tol)
                XCTAssertEqual(try d.memory(g1: g) + d.memoryDeficit(g1: g), 1, accuracy: 1e-14)
            }
            XCTAssertEqual(try d.meanEntropy(g1: 0), 0)
            XCTAssertEqual(try d.memory(g1: 0), 1, accuracy: 1e-14)
            let gBig = 1e3, gamma = d.scale * gBig
            XCTAssertEqual(try d.meanEntropy(g1: gBig), Self.ln2, accuracy: 1e-6)
            XCTAssertEqual(try d.memory(g1: gBig) * 4 * Self.Z * gamma * gamma / ReducedCouplingDistribution.inverseSquareMoment, 1, accuracy: 1e-4)
        }
    }

    /// The closed forms used outside the quadrature's range (gamma < 1e-30 and gamma > 1e30) join the
    /// quadrature continuously, and g_1 = inf (a saturated l-bit of a long avalanching chain) is allowed.
    func testMeanEntropyAndMemoryOutsideQuadratureRange() throws {
        for conv in [ReducedCouplingConvention.normalized, .massNormalized, .asWritten] {
            let d = ReducedCouplingDistribution(conv)
            let below = 0.999e-30 / d.scale, above = 1.001e-30 / d.scale
            XCTAssertEqual(try d.memoryDeficit(g1: below) / below, try d.memoryDeficit(g1: above) / above, accuracy: 1e-12)
            XCTAssertEqual(try d.meanEntropy(g1: below) / below, try d.meanEntropy(g1: above) / above, accuracy: 1e-12)
            XCTAssertEqual(try d.memoryDeficit(g1: 1e-200), 2 * Double.pi * d.tailCoefficient * 1e-200)
            let lo = 0.999e30 / d.scale, hi = 1.001e30 / d.scale
            XCTAssertEqual(try d.meanEntropy(g1: lo), try d.meanEntropy(g1: hi), accuracy: 1e-14)
            XCTAssertEqual(try d.meanEntropy(g1: .infinity), d.mass * Self.ln2)
            XCTAssertEqual(try d.memory(g1: .infinity), 0)
            XCTAssertEqual(try d.memory(g1: hi), 0, accuracy: 1e-15)
        }
    }

    /// Issue 21, 2.4: eta at g = 1e-310 was inf (ln(1/g) of a subnormal g) and at g = 1e154 the
    /// quadrature failed (4 gamma^2 overflows). Outside gamma in [1e-40, 1e30] eta uses its small-g and
    /// large-g forms: finite, equal to the asymptotes, and continuous with the quadrature at both switches.
    func testEtaOutsideQuadratureRange() throws {
        for conv in [ReducedCouplingConvention.normalized, .massNormalized, .asWritten] {
            let d = ReducedCouplingDistribution(conv)
            // Small g: eta - eta(0) = g (kappa ln(1/g) + B), B matched at gamma = 1e-40.
            let ref = ReducedCouplingDistribution.etaSmallGamma / d.scale
            let B = (try d.etaExcess(ref)) / ref + d.smallGCoefficient * log(ref)
            for g in [1e-310, 1e-200, 1e-60] {
                let x = try d.etaExcess(g)
                XCTAssertTrue(x.isFinite && x > 0, "\(conv) g = \(g): \(x)")
                XCTAssertEqual(x / g, d.smallGCoefficient * -log(g) + B, accuracy: 1e-12 * d.smallGCoefficient * -log(g), "\(conv) g = \(g)")
                XCTAssertEqual(try d.eta(g), d.etaZero + x)
            }
            // Continuity at the small switch: (eta - eta0)/g just below and above gamma = 1e-40 (the
            // slope kappa ln(1/g) changes by kappa * 2e-3 across the pair; the quadrature's relative error is ~1e-10).
            let below = 0.999 * ref, above = 1.001 * ref
            let yb = (try d.etaExcess(below)) / below + d.smallGCoefficient * log(below)
            let ya = (try d.etaExcess(above)) / above + d.smallGCoefficient * log(above)
            XCTAssertEqual(yb, ya, accuracy: 1e-8 * d.smallGCoefficient * -log(ref), "\(conv)")
            // Large g: eta = eta(inf) - O(gamma^-4), i.e. eta(inf) to rounding; finite up to g = 1e300.
            for g in [1e154, 1e300, 1e40] {
                let e = try d.eta(g)
                XCTAssertTrue(e.isFinite, "\(conv) g = \(g)")
                XCTAssertEqual(e, d.etaLargeG(g))
                XCTAssertEqual(e, d.etaInfinity, accuracy: 1e-15 * max(1, d.etaInfinity))
            }
            // Continuity at the large switch gamma = 1e30: the quadrature just below equals the form just above.
            let lo = 0.999 * ReducedCouplingDistribution.largeGamma / d.scale, hi = 1.001 * ReducedCouplingDistribution.largeGamma / d.scale
            XCTAssertEqual(try d.eta(lo), try d.eta(hi), accuracy: 1e-14, "\(conv)")
            XCTAssertEqual(try d.eta(lo), d.etaLargeG(lo), accuracy: 1e-14, "\(conv)")
        }
    }

    // MARK: Table

    func testEtaTableAgainstDirectQuadrature() throws {
        let t = try Self.table()
        XCTAssertLessThanOrEqual(t.interpolationError, 1e-5)
        let d = t.distribution
        for g in [2.3e-6, 7.7e-4, 0.043, 0.61, 4.9, 77.0] {
            let direct = try d.eta(g, relTol: 1e-10)
            XCTAssertEqual(t.eta(g) / direct, 1, accuracy: 3e-5, "g = \(g)")
        }
        // Below the table: the two-term small-g form; above: the O(g^-4) form.
        XCTAssertEqual(t.eta(1e-9) / (try d.eta(1e-9, relTol: 1e-10)), 1, accuracy: 1e-4)
        XCTAssertEqual(t.eta(500), d.etaLargeG(500), accuracy: 1e-15)
        // d eta/d ln g from the spline against a centred difference of direct quadrature.
        let g = 0.05, hh = 1e-3
        let fd = (try d.eta(g * exp(hh), relTol: 1e-12) - (try d.eta(g * exp(-hh), relTol: 1e-12))) / (2 * hh)
        XCTAssertEqual(t.etaAndSlope(logG: log(g)).1, fd, accuracy: 1e-3 * fd)
    }

    // MARK: Chain

    /// a = 0: no l-bit beyond n = 1 couples, so g_n = g_n0 exactly (g_1 is not enhanced by its own eta).
    func testChainWithoutCoupling() throws {
        let t = try Self.table()
        for g10 in [0.01, 0.5, 3.0] {
            let s = try MF.solveChain(logBare: MF.drhLogBare(N: 12, a: 0, g10: g10), table: t)
            XCTAssertEqual(s.logCouplings[0], log(g10), accuracy: 1e-13)
            for n in 1..<12 { XCTAssertEqual(s.logCouplings[n], -.infinity) }
            XCTAssertEqual(s.etaTotal, t.eta(g10), accuracy: 1e-14)
        }
        // Two l-bits, one bare coupling zero: g_1 = g_10 e^{eta(0)/2} = g_10 and g_2 = 0.
        let s2 = try MF.solveChain(logBare: [log(0.7), -.infinity], table: t)
        XCTAssertEqual(s2.couplings[0], 0.7, accuracy: 1e-14)
    }

    /// Deep in the thermal regime every l-bit is absorbed: eta_n = ln 2, eta_tot = N ln 2 and
    /// g_n = g_n0 2^{(N-1)/2}.
    func testChainDeepThermal() throws {
        let t = try Self.table()
        let N = 20, a = 0.95, g10 = 0.5
        let s = try MF.solveChain(logBare: MF.drhLogBare(N: N, a: a, g10: g10), table: t)
        XCTAssertEqual(s.etaTotal, Double(N) * Self.ln2, accuracy: 1e-7)
        XCTAssertEqual(s.nStar, Double(N), accuracy: 1e-6)
        for n in 0..<N {
            XCTAssertEqual(s.logCouplings[n], log(g10) + Double(n) * log(a) + Double(N - 1) * Self.ln2 / 2, accuracy: 1e-6)
        }
        XCTAssertLessThan(s.siteResidual, 1e-10)
    }

    /// The marching solver finds the same (least) fixed point as the seed's iteration (13),
    /// damped or not, on both sides of the transition; deep localized, eta_tot -> sum eta(g_n0).
    func testChainAgreesWithSeedIteration() throws {
        let t = try Self.table()
        for a in [0.3, 0.6, 0.68, 0.72] {
            let bare = MF.drhLogBare(N: 40, a: a, g10: 0.5)
            let s = try MF.solveChain(logBare: bare, table: t)
            let r1 = try MF.solveChainByIteration(logBare: bare, table: t, damping: 1, tol: 1e-13)
            let r2 = try MF.solveChainByIteration(logBare: bare, table: t, damping: 0.5, tol: 1e-13)
            XCTAssertEqual(s.etaTotal, r1.etaTotal, accuracy: 1e-9 * max(1, s.etaTotal), "a = \(a)")
            XCTAssertEqual(s.etaTotal, r2.etaTotal, accuracy: 1e-9 * max(1, s.etaTotal), "a = \(a)")
            for n in [0, 10, 39] { XCTAssertEqual(s.logCouplings[n], r1.logCouplings[n], accuracy: 1e-8) }
            XCTAssertLessThan(s.siteResidual, 1e-10)
        }
        // Localized: eta_tot = O(N^0) (the same for N = 40 and 80) and it exceeds the bare sum
        // sum_n eta(g_n0) (the self-consistent enhancement), while thermal: eta_tot = N ln 2 - O(1).
        // (the l-bits beyond N contribute ~ g_N ln(1/g_N) ~ a^N: 1e-19 at a = 0.3, ~1e-7 at a = 0.6, N = 60).
        for (a, tol) in [(0.3, 1e-12), (0.6, 1e-6)] {
            let l60 = try MF.solveChain(logBare: MF.drhLogBare(N: 60, a: a, g10: 0.5), table: t)
            let l120 = try MF.solveChain(logBare: MF.drhLogBare(N: 120, a: a, g10: 0.5), table: t)
            XCTAssertEqual(l60.etaTotal, l120.etaTotal, accuracy: tol)
            let bareSum = MF.drhLogBare(N: 60, a: a, g10: 0.5).reduce(0) { $0 + t.etaAndSlope(logG: $1).0 }
            XCTAssertGreaterThan(l60.etaTotal, bareSum)
        }
        let th = try MF.solveChain(logBare: MF.drhLogBare(N: 80, a: 0.75, g10: 0.5), table: t)
        XCTAssertEqual(th.etaTotal / (80 * Self.ln2), 1, accuracy: 0.05)
    }

    func testConvergenceFailureIsATypedError() throws {
        let t = try Self.table()
        let bare = MF.drhLogBare(N: 200, a: 0.70, g10: 0.5)
        XCTAssertThrowsError(try MF.solveChainByIteration(logBare: bare, table: t, maxIterations: 5)) { e in
            guard case let AvalancheMeanFieldError.chainNotConverged(it, res) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(it, 5); XCTAssertGreaterThan(res, 1e-12)
        }
        XCTAssertThrowsError(try MF.solveChain(logBare: bare, table: t, maxIterations: 4)) { e in
            guard case AvalancheMeanFieldError.chainNotConverged = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try MF.solveChain(logBare: [], table: t))
        XCTAssertThrowsError(try MF.solveChain(logBare: [.nan], table: t))
    }

    /// a_c(N -> inf) = 1/sqrt 2, the correctly rounded double.
    func testCriticalDecayLimit() {
        XCTAssertEqual(MF.aCritical, 0.7071067811865476)
        XCTAssertEqual(MF.aCritical * MF.aCritical, 0.5, accuracy: 2e-16)
    }

    /// Finite-size scaling with nu = 1: the midpoint a_c(N) of the [S_end] step sits at
    /// 1/sqrt2 - c/N (N (a_c - 1/sqrt2) the same for N = 40 and 80), while the curves for N/2
    /// and N cross at 1/sqrt2 itself (at a = 1/sqrt2 the end of a saturated chain is N-independent).
    func testCriticalPointFiniteSizeScaling() throws {
        let t = try Self.table()
        let ac = 1 / 2.0.squareRoot()
        let m40 = try MF.criticalPointMidpoint(N: 40, g10: 0.5, table: t, bracket: (0.55, 0.75), tol: 1e-8)
        let m80 = try MF.criticalPointMidpoint(N: 80, g10: 0.5, table: t, bracket: (0.55, 0.75), tol: 1e-8)
        XCTAssertLessThan(m40, m80); XCTAssertLessThan(m80, ac)
        XCTAssertEqual(40 * (m40 - ac) / (80 * (m80 - ac)), 1, accuracy: 0.03)
        let x = try MF.crossing(N1: 40, N2: 80, g10: 0.5, table: t, bracket: (0.6, 0.75), tol: 1e-11)
        XCTAssertEqual(x, ac, accuracy: 1e-8)
    }

    /// t_half, shared per convention (`EtaTable.sharedHalfEntropyLogCoupling`): [S](e^t_half)
    /// = (ln 2)/2 (the definition, to the bisection's 20/2^60), the same value on a second call,
    /// the uncached bisection's value, and another value in another convention; the [S_n]
    /// profile and the thermalized count around it.
    func testHalfEntropyLogCouplingAndProfile() throws {
        let t = try EtaTable.sharedHalfEntropyLogCoupling(.normalized)
        XCTAssertEqual(try ReducedCouplingDistribution(.normalized).meanEntropy(g1: exp(t)), Self.ln2 / 2, accuracy: 1e-12)
        XCTAssertEqual(try EtaTable.sharedHalfEntropyLogCoupling(.normalized), t)
        XCTAssertEqual(try MF.halfEntropyLogCoupling(ReducedCouplingDistribution(.normalized)), t)
        XCTAssertNotEqual(try EtaTable.sharedHalfEntropyLogCoupling(.asWritten), t)
        // The profile of a hand-made chain: [S] = 0 at g = 0, (ln 2)/2 at t_half; the
        // thermalized count is the sites at or above t_half, by either form.
        let d = ReducedCouplingDistribution(.normalized)
        let sol = ChainSolution(logCouplings: [t + 1, t, t - 1, -.infinity], etas: [], etaTotal: 0, nStar: 0, converged: true,
                                iterations: 0, residual: 0, siteResidual: 0)
        let profile = try MF.entropyProfile(sol, distribution: d)
        XCTAssertEqual(profile[1], Self.ln2 / 2, accuracy: 1e-12)
        XCTAssertTrue(profile[0] > profile[1] && profile[1] > profile[2] && profile[2] > 0)
        XCTAssertEqual(profile[3], 0)
        XCTAssertEqual(try MF.meanEntropy(logCoupling: -.infinity, distribution: d), 0)
        XCTAssertEqual(MF.thermalizedCount(sol, tHalf: t), 2)
        XCTAssertEqual(try MF.thermalizedCount(sol, distribution: d), 2)
    }

    /// S8's a_c(N) with its bracket search (`criticalPoint`): the same a_c(N = 40) as the
    /// bisection on a given bracket, a final bracket at most `tol` wide around it, 2 + 25 chain
    /// solves from [0.5, 0.8] to 1e-8 (0.3 / 2^25 < 1e-8), the solver's iterations summed; the
    /// iteration method (`ChainSolverSettings`) lands on the same a_c; a chain whose end stays
    /// below t_half for every a <= 64 throws `noBracket`.
    func testCriticalPointWithBracketSearchAndSolverSettings() throws {
        let t = try Self.table()
        let tHalf = try MF.halfEntropyLogCoupling(t.distribution)
        let reduced = ChainSolverSettings(method: .reduced, tol: 1e-12, maxIterations: 2_000_000, probe: 0.05, damping: 1)
        let r = try MF.criticalPoint(N: 40, g10: 0.5, table: t, tHalf: tHalf, tol: 1e-8, solver: reduced)
        let m = try MF.criticalPointMidpoint(N: 40, g10: 0.5, table: t, bracket: (0.55, 0.75), tol: 1e-8)
        XCTAssertEqual(r.a, m, accuracy: 2e-8)
        XCTAssertLessThanOrEqual(r.bracket.1 - r.bracket.0, 1e-8)
        XCTAssert(r.bracket.0 <= r.a && r.a <= r.bracket.1)
        XCTAssertEqual(r.steps, 27)
        XCTAssertGreaterThanOrEqual(r.iterations, r.steps)
        var iteration = reduced
        iteration.method = .iteration
        iteration.maxIterations = 100_000
        let bare = MF.drhLogBare(N: 40, a: 0.6, g10: 0.5)
        XCTAssertEqual(try iteration.solve(logBare: bare, table: t).etaTotal, try MF.solveChainByIteration(logBare: bare, table: t).etaTotal)
        XCTAssertEqual(try reduced.solve(logBare: bare, table: t).etaTotal, try MF.solveChain(logBare: bare, table: t).etaTotal)
        let i = try MF.criticalPoint(N: 40, g10: 0.5, table: t, tHalf: tHalf, tol: 1e-6, solver: iteration)
        XCTAssertEqual(i.a, r.a, accuracy: 2e-6)
        XCTAssertThrowsError(try MF.criticalPoint(N: 2, g10: 1e-30, table: t, tHalf: tHalf, tol: 1e-8, solver: reduced)) { e in
            guard case AvalancheMeanFieldError.noBracket = e else { return XCTFail("\(e)") }
        }
    }

    // MARK: CLI lines

    func testCLILineFormats() throws {
        XCTAssertEqual(MF.formatEtaLine(g: 0.001, eta: 0.25), "0.001 0.25")
        let t = try Self.table()
        let s = try MF.solveChain(logBare: MF.drhLogBare(N: 30, a: 0.65, g10: 0.5), table: t)
        let line = MF.formatChainLine(s, N: 30, a: 0.65, g10: 0.5, convention: .normalized)
        XCTAssertFalse(line.contains("\n"))
        let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        XCTAssertEqual(obj["eta_tot"] as! Double, s.etaTotal, accuracy: 1e-13 * s.etaTotal)
        XCTAssertEqual(obj["n_star"] as! Double, s.nStar, accuracy: 1e-13 * s.nStar)
        XCTAssertEqual(Double(line.split(separator: ",")[0].split(separator: ":")[1]), s.etaTotal)  // round trip
        XCTAssertEqual(obj["converged"] as! Bool, true)
        XCTAssertEqual(obj["iterations"] as! Int, s.iterations)
        let fail = MF.formatChainFailureLine(.chainNotConverged(iterations: 7, residual: 0.5), N: 30, a: 0.65, g10: 0.5, convention: .asWritten)
        let f = try JSONSerialization.jsonObject(with: Data(fail.utf8)) as! [String: Any]
        XCTAssertEqual(f["converged"] as! Bool, false)
        XCTAssertTrue(f["eta_tot"] is NSNull)
        XCTAssertEqual(f["iterations"] as! Int, 7)
    }
}
