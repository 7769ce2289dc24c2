#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QGNumerics

/// The growth-diffusion ("loss-diffusion") equation of the Hamiltonian
/// resonance model (seed eq. 86, App. C; docs/resonance-model.md):
///
///   d f/dr = W^2 d^2 f/de^2 - q_up(e, r) f,   f(e, -1/2) = delta(e - h/2),
///
/// for the rescaled density f = f_up(e, r) of probe-up states that have not
/// resonated by range r; F(r) = int de f (eq. 87) and p(r) = -dF/dr =
/// int de f q (eq. 88). Energies are measured in units of W (eps = e/W), so
/// the equation reads d f/dr = d^2 f/d eps^2 - q f and its parameters are xi,
/// Lambda and the probe field h/W (h = W in the seed's App. C).
///
/// Loss terms (`Loss`):
/// - `.energyDependent`: q(eps, r) = exp(-r/xi)/sqrt(4 Lambda r)
///   * exp(-(eps - eps_down)^2 / (2 (2r + 1))), eps_down = -h/(2W): the down-sector
///   density of states is a Gaussian of variance 2r + 1 centred at -h/2 (eqs. 80-82, C3);
/// - `.energyIndependent`: the same without the Gaussian (eq. 89); then
///   F(r) = F1(r) of eq. 91 exactly, which is the solver's analytic check;
/// - `.none`: pure diffusion, f stays a Gaussian of variance 2r + 1.
///
/// Method (all choices are stated in the docs page):
/// - For r in [-1/2, 0] nothing resonates (ranges start at 0), so the
///   delta spreads into the Gaussian N(h/(2W), 1) at r = 0, the initial condition.
/// - Range variable s = sqrt(r): d f/ds = 2s d^2 f/d eps^2 - lambda(eps, s) f with
///   lambda = 2 s q = exp(-s^2/xi) G(eps, s^2)/sqrt(Lambda), which removes the
///   r^(-1/2) singularity of q at r = 0 (lambda is smooth in s).
/// - Method of lines: second-order central differences in eps on
///   [h/(2W) - K sigma, h/(2W) + K sigma], sigma = sqrt(1 + 2 r_max), K = 10 by
///   default, zero Dirichlet ends (the Gaussian tail there is exp(-K^2/2)).
/// - Crank-Nicolson in s (A-stable, second order), one tridiagonal (Thomas)
///   solve per step; diffusion and loss both treated by the trapezoid rule.
/// - F and int f lambda by the trapezoid rule on the grid (ends are zero).
/// Convergence: second order in (ds, d eps) jointly, measured in the tests
/// (pure diffusion against the exact Gaussian, energy-independent loss against
/// F1, energy-dependent loss by self-convergence under halving).
public struct GrowthDiffusion: Sendable, Equatable {
    public enum Loss: String, Sendable, CaseIterable {
        case none, energyIndependent, energyDependent
    }

    public let xi: Double
    public let Lambda: Double
    /// h/W, the probe field in units of the disorder (1 in the seed's App. C).
    public let fieldOverW: Double
    public let loss: Loss

    public init(xi: Double, Lambda: Double, fieldOverW: Double = 1, loss: Loss = .energyDependent) throws {
        try ResonanceModel.checkParameters(xi: xi, Lambda: Lambda, J: 1)
        guard fieldOverW.isFinite else {
            throw ResonanceModelError.invalidParameter(name: "fieldOverW", value: fieldOverW, requirement: "finite")
        }
        self.xi = xi
        self.Lambda = Lambda
        self.fieldOverW = fieldOverW
        self.loss = loss
    }

    /// The numerical solution on the range grid r_n = (n ds)^2, n = 0...N.
    public struct Solution: Sendable {
        /// r_n, from 0 to r_max.
        public let ranges: [Double]
        /// F(r_n) = int d eps f (eq. 87); F(0) = 1 up to the truncated tails.
        public let F: [Double]
        /// p(r_n) = int d eps f q (eq. 88) for n >= 1 (p ~ r^(-1/2) at r -> 0,
        /// so n = 0 is left out): pRanges = ranges[1...].
        public let pRanges: [Double]
        public let p: [Double]
        /// The energy grid eps = e/W (Dirichlet ends included).
        public let energies: [Double]
        /// f(eps, r) at the grid ranges closest to the requested ones.
        public let snapshotRanges: [Double]
        public let snapshots: [[Double]]
        /// The steps actually used.
        public let ds: Double
        public let dEps: Double
    }

    /// lambda(eps, s) = 2 s q(eps, s^2).
    @inline(__always)
    func lossRate(eps: Double, s: Double, prefactor: Double) -> Double {
        switch loss {
        case .none: return 0
        case .energyIndependent: return prefactor
        case .energyDependent:
            let d = eps + fieldOverW / 2
            return prefactor * exp(-d * d / (2 * (2 * s * s + 1)))
        }
    }

    /// The largest grid `solve` accepts, in cells x steps.
    public static let maxCellSteps = 2e8

    /// The grid of `solve` up to r_max (declared once: the solver and the cost
    /// and memory models of the RM study): `steps` in s = sqrt r of at most ds
    /// (sqrt(r_max) a whole number of them), and `cells` of at most dEps over
    /// the energy box of half-width widthSigmas sqrt(1 + 2 r_max) + |h/W|.
    public static func discretization(rMax: Double, ds: Double, dEps: Double, widthSigmas: Double = 10,
                                      fieldOverW: Double) -> (steps: Int, cells: Int, halfWidth: Double) {
        let steps = max(1, Int((rMax.squareRoot() / ds).rounded(.up)))
        let halfWidth = widthSigmas * (1 + 2 * rMax).squareRoot() + abs(fieldOverW)
        return (steps, max(4, Int((2 * halfWidth / dEps).rounded(.up))), halfWidth)
    }

    /// Solves eq. 86 up to r_max with steps ds (in s = sqrt r, adjusted down so
    /// that sqrt(r_max) is a whole number of steps) and dEps (in e/W).
    /// - widthSigmas: half-width K of the energy box in units of sqrt(1 + 2 r_max).
    /// Throws for non-positive steps, a grid over `maxCellSteps` cells x steps,
    /// or a non-finite F (never returns NaN).
    public func solve(rMax: Double, ds: Double, dEps: Double, widthSigmas: Double = 10,
                      snapshotRanges: [Double] = []) throws -> Solution {
        guard rMax.isFinite, rMax > 0 else {
            throw ResonanceModelError.outsideDomain(function: "GrowthDiffusion.solve", argument: "rMax", value: rMax, domain: "0 < r_max < inf")
        }
        guard ds.isFinite, ds > 0 else {
            throw ResonanceModelError.outsideDomain(function: "GrowthDiffusion.solve", argument: "ds", value: ds, domain: "ds > 0")
        }
        guard dEps.isFinite, dEps > 0 else {
            throw ResonanceModelError.outsideDomain(function: "GrowthDiffusion.solve", argument: "dEps", value: dEps, domain: "dEps > 0")
        }
        guard widthSigmas.isFinite, widthSigmas >= 4 else {
            throw ResonanceModelError.outsideDomain(function: "GrowthDiffusion.solve", argument: "widthSigmas", value: widthSigmas, domain: ">= 4")
        }
        let (steps, cells, halfWidth) = Self.discretization(rMax: rMax, ds: ds, dEps: dEps, widthSigmas: widthSigmas, fieldOverW: fieldOverW)
        let h = rMax.squareRoot() / Double(steps)
        let center = fieldOverW / 2
        let de = 2 * halfWidth / Double(cells)
        guard Double(cells) * Double(steps) <= Self.maxCellSteps else {
            throw ResonanceModelError.outsideDomain(function: "GrowthDiffusion.solve", argument: "cells x steps", value: Double(cells) * Double(steps), domain: "<= 2e8")
        }
        let m = cells + 1
        let eps = (0..<m).map { center - halfWidth + Double($0) * de }
        // Initial condition at r = 0: the delta at r = -1/2 diffused for 1/2 (variance 1).
        var f = eps.map { exp(-0.5 * ($0 - center) * ($0 - center)) / (2 * Double.pi).squareRoot() }
        f[0] = 0; f[m - 1] = 0

        let invXi = 1 / xi
        let invSqrtLambda = 1 / Lambda.squareRoot()
        var lamOld = [Double](repeating: 0, count: m)
        var lamNew = lamOld
        func fillLoss(_ lam: inout [Double], s: Double) {
            let pre = exp(-s * s * invXi) * invSqrtLambda
            for i in 0..<m { lam[i] = lossRate(eps: eps[i], s: s, prefactor: pre) }
        }
        fillLoss(&lamOld, s: 0)

        var ranges = [0.0], Fs = [Trapezoid.integrate(f, spacing: de)]
        var pR = [Double](), ps = [Double]()
        let wanted = snapshotRanges.map { max(0, min(steps, Int(($0.squareRoot() / h).rounded()))) }
        var snapR = [Double](repeating: 0, count: wanted.count)
        var snaps = [[Double]](repeating: [], count: wanted.count)
        func takeSnapshots(_ n: Int) {
            for (k, w) in wanted.enumerated() where w == n {
                snapR[k] = Double(n) * h * Double(n) * h
                snaps[k] = f
            }
        }
        takeSnapshots(0)

        let inner = m - 2
        var rhs = [Double](repeating: 0, count: inner)
        var cPrime = [Double](repeating: 0, count: inner)
        let invDe2 = 1 / (de * de)
        for n in 0..<steps {
            let s0 = Double(n) * h, s1 = Double(n + 1) * h
            fillLoss(&lamNew, s: s1)
            // Right-hand side (I + h/2 A_n) f^n, A = 2 s D2 - diag(lambda).
            let a0 = 0.5 * h * 2 * s0 * invDe2
            for i in 1...inner {
                rhs[i - 1] = f[i] + a0 * (f[i - 1] - 2 * f[i] + f[i + 1]) - 0.5 * h * lamOld[i] * f[i]
            }
            // (I - h/2 A_{n+1}) f^{n+1} = rhs: constant off-diagonals -a1, diagonal 1 + 2 a1 + h/2 lambda.
            let a1 = 0.5 * h * 2 * s1 * invDe2
            let off = -a1
            // Thomas algorithm.
            var denom = 1 + 2 * a1 + 0.5 * h * lamNew[1]
            cPrime[0] = off / denom
            rhs[0] /= denom
            if inner > 1 {
                for i in 1..<inner {
                    denom = 1 + 2 * a1 + 0.5 * h * lamNew[i + 1] - off * cPrime[i - 1]
                    cPrime[i] = off / denom
                    rhs[i] = (rhs[i] - off * rhs[i - 1]) / denom
                }
                for i in stride(from: inner - 2, through: 0, by: -1) {
                    rhs[i] -= cPrime[i] * rhs[i + 1]
                }
            }
            for i in 1...inner { f[i] = rhs[i - 1] }
            swap(&lamOld, &lamNew)   // lamOld now holds lambda at s1
            let F = Trapezoid.integrate(f, spacing: de)
            guard F.isFinite else {
                throw ResonanceModelError.noConvergence(function: "GrowthDiffusion.solve", detail: "F became non-finite at r = \(s1 * s1)")
            }
            var rate = 0.0
            for i in 1...inner { rate += lamOld[i] * f[i] }
            rate *= de
            ranges.append(s1 * s1)
            Fs.append(F)
            pR.append(s1 * s1)
            ps.append(rate / (2 * s1))   // p = int f q = int f lambda / (2 s)
            takeSnapshots(n + 1)
        }
        return Solution(ranges: ranges, F: Fs, pRanges: pR, p: ps, energies: eps,
                        snapshotRanges: snapR, snapshots: snaps, ds: h, dEps: de)
    }
}
