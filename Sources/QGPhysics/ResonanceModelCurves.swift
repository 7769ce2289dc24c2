#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QGNumerics

// The curve families of the RM study (S10a, docs/resonance-model.md) that are
// pure physics: both models through one interface, their curves and checks,
// the local exponent, the exponents of Fig. 2, the drift of Fig. 9 and the
// growth-diffusion curves of Figs. 11-12. Each family returns its columns by
// the dataset names the study declares (Sources/QGCampaign/Studies/ResonanceModelStudy.swift).

/// The Floquet and the Hamiltonian RM through one interface.
public struct ResonanceModelCurves {
    public let F: (Double) throws -> Double
    public let p: (Double) throws -> Double
    public let q: (Double) throws -> Double
    public let czz: (Double, Double) throws -> Double
    public let front: (Double, Double) throws -> Double
    public let S: (Double, Double) throws -> Double
    public let omegaC: (Double) throws -> Double
    public let omegaXi: () throws -> Double
    public let czzInf: Double
    public let theta0: Double
    public let rho: () throws -> Double

    public init(floquet: Bool, xi: Double, Lambda: Double) throws {
        if floquet {
            let m = try FloquetResonanceModel(xi: xi, Lambda: Lambda)
            F = m.F; p = m.p; q = m.q; czz = { try m.czz(t: $0, L: $1) }; front = { try m.czzFront(t: $0, L: $1) }
            S = { try m.spectralFunction(omega: $0, L: $1) }; omegaC = { try m.cutoffFrequency(L: $0) }
            omegaXi = m.thermalFrequency; czzInf = m.thermodynamicCzz; theta0 = m.theta0; rho = m.rangePerLog
        } else {
            let m = try HamiltonianResonanceModel(xi: xi, Lambda: Lambda)
            F = m.F1; p = m.p; q = m.q; czz = { try m.czz(t: $0, L: $1) }; front = { try m.czzFront(t: $0, L: $1) }
            S = { try m.spectralFunction(omega: $0, L: $1) }; omegaC = { try m.cutoffFrequency(L: $0) }
            omegaXi = m.thermalFrequency; czzInf = m.thermodynamicCzz; theta0 = m.theta0; rho = m.rangePerLog
        }
    }

    /// xi of 1/xi (1/xi = 0: xi = infinity).
    public static func xi(inverse: Double) -> Double { inverse == 0 ? .infinity : 1 / inverse }

    /// 1 + d log S / d log omega at omega (central difference, factor 1.01), L -> inf
    /// (L chosen so that omega_c is far below omega); NaN where S is not defined.
    public func localTheta(omega: Double) -> Double {
        let Lbig = 1e6
        guard let up = try? S(omega * 1.01, Lbig), let dn = try? S(omega / 1.01, Lbig), up > 0, dn > 0 else { return .nan }
        return 1 + (log(up) - log(dn)) / (2 * log(1.01))
    }

    /// The Floquet (`floquet`) or Hamiltonian curves of one 1/xi at size L:
    /// F, p, q on the range grid `r`, [C_zz(t)], its light-cone front and the
    /// front r(t) on `t`, [S(omega)] on `omega` (NaN below omega_xi), the
    /// omega = 0 weight and the probe entropy, and the checks (0 by theory up
    /// to quadrature error): the sum rule (`sumRulePanels` 5-point
    /// Gauss-Legendre panels), C_zz(t = 0) - 1, the small-r and large-r limits
    /// of F and dF/dr + p by central differences of step `derivativeStep`.
    public static func curves(floquet: Bool, inverseXi ix: Double, Lambda: Double, L: Double, r rs: [Double], t ts: [Double],
                              omega os: [Double], sumRulePanels: Int, derivativeStep h: Double) throws -> [String: [Double]] {
        let xi = Self.xi(inverse: ix)
        let c = try ResonanceModelCurves(floquet: floquet, xi: xi, Lambda: Lambda)
        let rho = try c.rho()
        let F = try rs.map(c.F), p = try rs.map(c.p), q = try rs.map(c.q)
        let czz = try ts.map { try c.czz($0, L) }, front = try ts.map { try c.front($0, L) }
        let cone = ts.map { $0 <= 1 ? 0 : min(rho * log($0), L / 2) }
        let omegaC = try c.omegaC(L), omegaXi = try c.omegaXi()
        let S = try os.map { $0 < omegaXi ? Double.nan : try c.S($0, L) }
        let czzL = try c.F(L / 2)
        // Sum rule: S is even in omega, so the weight of omega_lo < |omega| < J is
        // 2 int_{omega_lo}^{J} S domega; omega = J exp(-s^2), domega = -2 s omega ds.
        let omegaLo = max(omegaC, omegaXi)
        let uLo = log(1 / omegaLo)
        let weight = 2 * (try GaussLegendre.fivePoint.integrate(0, uLo.squareRoot(), panels: sumRulePanels) { s in
            let w = exp(-s * s)
            return try c.S(w, L) * w * 2 * s
        })
        let rLo = min(rho * uLo, L / 2)
        let residual = weight + (try c.F(rLo)) - 1
        let t0 = try c.czz(0, L) - 1
        let d = 1e-6 * min(Lambda, abs(xi))
        let small = floquet ? -Lambda * log(try c.F(d)) / d - 1 : -log(try c.F(d)) / (d / Lambda).squareRoot() - 1
        let rBig = 1e4 * (xi.isFinite ? max(Lambda, abs(xi)) : Lambda)
        let large = try c.F(rBig) - c.czzInf
        let pMax = p.filter(\.isFinite).max() ?? 1
        var pd = 0.0
        for (k, r) in rs.enumerated() {
            pd = max(pd, abs((try c.F(r - h) - c.F(r + h)) / (2 * h) - p[k]) / pMax)
        }
        return ["inverse_xi": [ix], "theta0": [c.theta0], "rho": [rho], "r": rs, "F": F, "p": p, "q": q,
                "t": ts, "czz": czz, "czz_front": front, "light_cone": cone, "omega": os, "S": S, "omega_c": [omegaC], "omega_xi": [omegaXi],
                "czz_L": [czzL], "czz_inf": [c.czzInf], "probe_entropy": [log(2.0) * (1 - czzL)],
                "sum_rule_weight": [weight], "sum_rule_residual": [residual], "omega_lo": [omegaLo],
                "czz_t0_residual": [t0], "small_r_residual": [small], "large_r_residual": [large], "p_derivative_residual": [pd]]
    }

    /// Fig. 2a/d/f: theta0, the local exponents and [C_zz] of both models
    /// per 1/zeta (1/xi = 1/zeta - log 2, eq. 39) and per L of `czzL`.
    public static func exponents(inverseZeta iz: [Double], czzL: [Double], Lambda: Double, slopeOmega: Double) throws -> [String: [Double]] {
        var th: [Double] = [], tf: [Double] = [], tH: [Double] = [], inf: [Double] = [], infH: [Double] = []
        var cf = [Double](repeating: 0, count: czzL.count * iz.count), ch = cf
        for (j, z) in iz.enumerated() {
            let xi = Self.xi(inverse: z - log(2.0))
            let f = try ResonanceModelCurves(floquet: true, xi: xi, Lambda: Lambda)
            let hm = try ResonanceModelCurves(floquet: false, xi: xi, Lambda: Lambda)
            th.append(f.theta0)
            tf.append(f.localTheta(omega: slopeOmega))
            tH.append(hm.localTheta(omega: slopeOmega))
            inf.append(f.czzInf); infH.append(hm.czzInf)
            for (k, l) in czzL.enumerated() {
                cf[k * iz.count + j] = try f.F(l / 2)
                ch[k * iz.count + j] = try hm.F(l / 2)
            }
        }
        return ["inverse_zeta": iz, "theta0": th, "theta_c_floquet": [ResonanceModel.zetaC / (2 * Lambda)],
                "theta_local_floquet": tf, "theta_local_hamiltonian": tH, "czz_L": czzL,
                "czz_inf_floquet": inf, "czz_inf_hamiltonian": infH, "czz_floquet": cf, "czz_hamiltonian": ch]
    }

    /// Fig. 9: the probe entropy over W/W_c per L, W_delta(L) with the fit of
    /// ell_delta on L <= fitLMax, and the root residual.
    public static func drift(Wc: Double, w ws: [Double], L driftL: [Double], delta: Double, fitLMax: Double) throws -> [String: [Double]] {
        let m = try ResonanceModelDrift(Wc: Wc)
        var sp: [Double] = []
        for l in driftL { for w in ws { sp.append(try m.probeEntropy(W: w * Wc, L: l)) } }
        let spInf = try ws.map { ratio -> Double in
            let hm = try HamiltonianResonanceModel(xi: Self.xi(inverse: log(ratio)), Lambda: m.LambdaC * ratio * ratio)
            return log(2.0) * (1 - hm.thermodynamicCzz)
        }
        let wd = try driftL.map { try m.wDelta(L: $0, delta: delta) }
        let fitIdx = driftL.indices.filter { driftL[$0] <= fitLMax }
        let ell = try m.fitEllDelta(L: fitIdx.map { driftL[$0] }, wDelta: fitIdx.map { wd[$0] })
        let formula = driftL.map { m.wDeltaFormula(L: $0, ellDelta: ell) / Wc }
        var res = 0.0
        for (l, w) in zip(driftL, wd) { res = max(res, abs(try m.timeAveragedCzz(W: w, L: l) - delta)) }
        return ["L": driftL, "w": ws, "probe_entropy": sp, "probe_entropy_inf": spInf, "w_delta": wd.map { $0 / Wc },
                "w_delta_formula": formula, "ell_delta": [ell], "root_residual": [res], "lambda_c": [m.LambdaC]]
    }

    /// Linear interpolation of ys(xs) at x (xs ascending); NaN outside.
    public static func interpolate(_ xs: [Double], _ ys: [Double], _ x: Double) -> Double {
        guard let first = xs.first, let last = xs.last, x >= first, x <= last else { return .nan }
        var lo = 0, hi = xs.count - 1
        while hi - lo > 1 { let mid = (lo + hi) / 2; if xs[mid] <= x { lo = mid } else { hi = mid } }
        if hi == lo { return ys[lo] }
        let a = (x - xs[lo]) / (xs[hi] - xs[lo])
        return ys[lo] + a * (ys[hi] - ys[lo])
    }

    /// Figs. 11-12: the growth-diffusion solution at resonance length
    /// `lam` against F1, its snapshots in the scaled variable x and its checks.
    public static func growthDiffusion(Lambda lam: Double, inverseXi: Double, field: Double, rMaxOverLambda: Double,
                                       snapshots: [Double], ds: Double, dEps: Double, rGrid: [Double], xGrid xs: [Double]) throws -> [String: [Double]] {
        let xi = Self.xi(inverse: inverseXi)
        let gd = try GrowthDiffusion(xi: xi, Lambda: lam, fieldOverW: field, loss: .energyDependent)
        let sol = try gd.solve(rMax: rMaxOverLambda * lam, ds: ds, dEps: dEps, snapshotRanges: snapshots.map { $0 * lam })
        let h1 = try HamiltonianResonanceModel(xi: xi, Lambda: lam)
        let sF = sol.ranges.map { $0.squareRoot() }, sP = sol.pRanges.map { $0.squareRoot() }
        let grid = rGrid.map { $0 * lam }
        let F = grid.map { interpolate(sF, sol.F, $0.squareRoot()) }
        let p = grid.map { interpolate(sP, sol.p, $0.squareRoot()) }
        let F1 = try grid.map { try h1.F1($0) }, p1 = try grid.map { try h1.p($0) }
        var snaps: [Double] = []
        let center = field / 2
        for (k, r) in sol.snapshotRanges.enumerated() {
            let sig = (2 * r + 1).squareRoot()
            for x in xs { snaps.append(sig * interpolate(sol.energies, sol.snapshots[k], center + x * sig)) }
        }
        // Mass balance: int_{r_1}^{r_max} p dr = int p 2 s ds, trapezoid on the solver's s grid.
        let integral = Trapezoid.integrate(zip(sP, sol.p).map { 2 * $0 * $1 }, at: sP)
        let balance = sol.F[1] - sol.F.last! - integral
        var minDiff = Double.infinity
        for (r, f) in zip(sol.ranges, sol.F) { minDiff = min(minDiff, f - (try h1.F1(r))) }
        let n = sol.p.count
        let tail = n >= 3 ? (log(sol.p[n - 1]) - log(sol.p[n - 3])) / (log(sol.pRanges[n - 1]) - log(sol.pRanges[n - 3])) : .nan
        return ["Lambda": [lam], "r_over_lambda": rGrid, "F": F, "p": p, "F1": F1, "p1": p1,
                "snapshot_r": sol.snapshotRanges, "x": xs, "f": snaps, "ds": [sol.ds], "deps": [sol.dEps],
                "F0_residual": [sol.F[0] - 1], "mass_balance_residual": [balance], "min_F_minus_F1": [minDiff], "tail_slope": [tail]]
    }
}
