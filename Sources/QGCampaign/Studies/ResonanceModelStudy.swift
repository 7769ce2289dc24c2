import QGNumerics
import QGPhysics
#if canImport(Glibc)
import Glibc
#endif

// @RegisteredStudy(ResonanceModelStudy, order: 14)
/// Study S10a: the resonance model (RM) of the MBL crossover, analytic and
/// numerical side (seed 004, docs/resonance-model.md, "The `rm` campaign").
/// Config table `[rm]` (J = 1 throughout): its keys, defaults and ranges are
/// `parameters` (`qglass schema rm`, docs/study-tables.md).
///
/// Nothing is random: `[campaign] realizations` must be 1. One task per
/// curve family member: each Floquet and each Hamiltonian 1/xi, the
/// exponent scan (Fig. 2a/d/f), the drift (Fig. 9), each growth-diffusion
/// Lambda. Blocks `/rm/L_floquet`, `/rm/L_hamiltonian`, `/rm/L_exponents`,
/// `/rm/L_drift`, `/rm/L_growth_diffusion` (the `L` prefix: campaign blocks
/// are `/{study}/L*`), one row per task (docs/hdf5-schema.md, "Resonance model").
public struct ResonanceModelStudy: DeclaredStudy {
    public static let name = "rm"
    public static let summary = "S10a: resonance model of the MBL crossover: Floquet and Hamiltonian F(r), p(r), C_zz(t), S(omega), exponents, drift W_delta(L), growth-diffusion (deterministic)"

    public enum Family: Int, Sendable, CaseIterable {
        case floquet, hamiltonian, exponents, drift, growthDiffusion
        /// The family's group in the reduced file, `/rm/{name}`.
        public var name: String { ["floquet", "hamiltonian", "exponents", "drift", "growth_diffusion"][rawValue] }
        /// Its campaign block, `/rm/L_{name}` (the `L` prefix: campaign blocks are `/{study}/L*`).
        public var block: String { "L_" + name }
    }

    public let Lambda: Double
    public let inverseXi: [Double]
    public let L: Double
    public let rMax: Double, rPoints: Int
    public let tMin: Double, tMax: Double, tPoints: Int
    public let omegaMin: Double, omegaPoints: Int
    public let sumRulePanels: Int
    public let inverseZeta: [Double], inverseZetaPoints: Int
    public let czzL: [Double]
    public let slopeOmega: Double
    public let driftL: [Double], driftWc: Double, driftDelta: Double, driftW: [Double], driftWPoints: Int, driftFitLMax: Double
    public let gdLambda: [Double], gdInverseXi: Double, gdField: Double, gdRMaxOverLambda: Double, gdDs: Double, gdDeps: Double
    public let gdRPoints: Int, gdRMinOverLambda: Double, gdSnapshots: Int, gdXPoints: Int, gdXMax: Double
    public let campaign: CampaignSettings
    public let parameterValues: ParameterValues

    public static let maxPoints = 100_000

    static func err(_ s: String) -> ConfigError { ConfigError("[rm] " + s) }

    /// The range of 1/xi, declared once for `[rm] inverse_xi`, `gd_inverse_xi`
    /// and `qglass theory rm --xi` (issue 21): 1/xi in (-log 2, 100]. Below
    /// -log 2 (xi in [-1/log 2, 0)) v(r) = exp(-r/xi - 2r log 2) grows with r
    /// (zeta < 0); above 100 (0 < xi < 0.01) v underflows within one site.
    /// Negative xi < -1/log 2 is the thermal side; xi = +-inf (1/xi = 0) the transition.
    public static let inverseXiBounds = (lowerExclusive: -log(2.0), upper: 100.0)

    /// Whether 1/xi = `v` is inside `inverseXiBounds`.
    public static func inverseXiAllowed(_ v: Double) -> Bool {
        v.isFinite && v > inverseXiBounds.lowerExclusive && v <= inverseXiBounds.upper
    }

    /// A float in (0, max], refused as "key = v out of range (0, max]".
    static func positive(_ key: String, _ d: Double, max: Double = 1e12, unit: String, help: String) -> Parameter {
        Parameter.double(key, lower: .above(0), upper: .atMost(max), default: d, unit: unit, help: help).refusedAsOutOfRange()
    }
    /// A grid size in min...maxPoints.
    static func count(_ key: String, _ d: Int, min: Int = 2, help: String) -> Parameter {
        .int(key, in: min...maxPoints, default: d, help: help)
    }
    /// A list of floats in (0, max], distinct unless `pair` (a [min, max] pair, its order checked by `parse`).
    static func positives(_ key: String, _ d: [Double], max: Double, pair: Bool = false, unit: String, help: String) -> Parameter {
        Parameter.doubles(key, lower: .above(0), upper: .atMost(max), default: d, distinct: !pair, unit: unit, help: help).refusedAsOutOfRange()
    }
    public static let parameters: [Parameter] = [
        positive("Lambda", 2, max: 1e6, unit: "1", help: "Lambda of the resonance model"),
        Parameter.doubles("inverse_xi", lower: .above(inverseXiBounds.lowerExclusive), upper: .atMost(inverseXiBounds.upper),
                          default: [0.5, 0.1, 0, -0.2], unit: "1/site", help: "1/xi of the Floquet and Hamiltonian rows (0: the transition)")
            .refusedAsOutOfRange("(-log 2, 100]", suffix: ": v(r) = exp(-r/xi - 2r log 2) must decay (zeta > 0)"),
        positive("L", 40, max: 1e6, unit: "sites", help: "system size of C_zz(t) and S(omega)"),
        positive("r_max", 40, max: 1e6, unit: "sites", help: "end of the range grid"),
        count("r_points", 200, help: "points of the range grid"),
        positive("t_min", 1, max: 1e7, unit: "1/J", help: "first time of the log grid"),
        positive("t_max", 1e5, max: 1e7, unit: "1/J", help: "last time of the log grid (> t_min)"),
        count("t_points", 61, help: "points of the time grid"),
        positive("omega_min", 1e-12, max: 0.5, unit: "J", help: "lowest frequency of the log grid"),
        count("omega_points", 121, help: "points of the frequency grid"),
        count("sum_rule_panels", 2000, min: 10, help: "Gauss-Legendre panels of the sum-rule integral"),
        positives("inverse_zeta", [0.05, 3], max: 100, pair: true, unit: "1", help: "[min, max] of the 1/zeta grid of the exponents"),
        count("inverse_zeta_points", 80, help: "points of the 1/zeta grid"),
        positives("czz_L", [10, 20, 40, 80], max: 1e6, unit: "sites", help: "sizes L of the [C_zz](L) curves"),
        positive("slope_omega", 1e-8, max: 0.1, unit: "J", help: "frequency of the S(omega) slope"),
        positives("drift_L", [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60], max: 1e4, unit: "sites", help: "sizes of the drift of W_c(L)"),
        positive("drift_Wc", 10, max: 1e6, unit: "1", help: "W_c of the drift"),
        Parameter.double("drift_delta", lower: .above(0), upper: .below(1), default: 0.01, unit: "1", help: "delta of the drift")
            .refusedAsOutOfRange(),
        positives("drift_w", [0.05, 2], max: 1e3, pair: true, unit: "W_c", help: "[min, max] of W/W_c of the drift grid"),
        count("drift_w_points", 200, help: "points of the W/W_c grid"),
        positive("drift_fit_L_max", 20, max: 1e4, unit: "sites", help: "largest drift_L of the fit (at least one drift_L at or below)"),
        positives("gd_Lambda", [0.25, 1, 4], max: 1e3, unit: "1", help: "Lambda values of the growth-diffusion rows"),
        Parameter.double("gd_inverse_xi", lower: .above(inverseXiBounds.lowerExclusive), upper: .atMost(inverseXiBounds.upper), default: 0,
                         unit: "1/site", help: "1/xi of the growth-diffusion rows").refusedAsOutOfRange("(-log 2, 100]"),
        Parameter.double("gd_field", lower: .atLeast(-100), upper: .atMost(100), default: 1, unit: "1", help: "field of the growth-diffusion equation")
            .refusedAsOutOfRange(),
        positive("gd_r_max_over_Lambda", 200, max: 1e4, unit: "Lambda", help: "end of the growth-diffusion r grid"),
        positive("gd_ds", 0.02, max: 1, unit: "1", help: "step in s = sqrt(r) of the growth-diffusion solver"),
        positive("gd_deps", 0.05, max: 1, unit: "1", help: "cell width of the growth-diffusion solver"),
        count("gd_r_points", 120, help: "points of the growth-diffusion r grid"),
        positive("gd_r_min_over_Lambda", 0.01, max: 1e4, unit: "Lambda", help: "start of the growth-diffusion r grid (< gd_r_max_over_Lambda)"),
        count("gd_snapshots", 6, min: 1, help: "profile snapshots of the growth-diffusion rows"),
        count("gd_x_points", 161, help: "points of the profile x grid"),
        positive("gd_x_max", 4, max: 50, unit: "1", help: "half-width of the profile x grid"),
    ]

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> ResonanceModelStudy {
        let v = try ParameterValues.parse(t, parameters)
        guard campaign.realizations == 1 else {
            throw ConfigError("[campaign] realizations = \(campaign.realizations): the resonance model study is deterministic (no disorder draw); set realizations = 1")
        }
        let (tMin, tMax) = try v.increasing("t_min", "t_max", need: "t_min < t_max")
        let iz = try v.increasingPair("inverse_zeta", shape: "[min, max] with 0 < min < max <= 100", showingValue: true)
        let dw = try v.increasingPair("drift_w", shape: "[min, max] (W/W_c) with 0 < min < max <= 1000", showingValue: true)
        let driftL = v.doubles("drift_L"), fitLMax = v.double("drift_fit_L_max")
        guard driftL.contains(where: { $0 <= fitLMax }) else { throw err("drift_fit_L_max = \(fitLMax) is below every drift_L") }
        let gdLambda = v.doubles("gd_Lambda")
        let (gdRMin, gdRMax) = try v.increasing("gd_r_min_over_Lambda", "gd_r_max_over_Lambda", need: "gd_r_min_over_Lambda < gd_r_max_over_Lambda")
        let gdField = v.double("gd_field"), gdDs = v.double("gd_ds"), gdDeps = v.double("gd_deps")
        let study = ResonanceModelStudy(Lambda: v.double("Lambda"), inverseXi: v.doubles("inverse_xi"), L: v.double("L"), rMax: v.double("r_max"),
                                        rPoints: v.int("r_points"), tMin: tMin, tMax: tMax, tPoints: v.int("t_points"),
                                        omegaMin: v.double("omega_min"), omegaPoints: v.int("omega_points"), sumRulePanels: v.int("sum_rule_panels"),
                                        inverseZeta: [iz.lo, iz.hi], inverseZetaPoints: v.int("inverse_zeta_points"), czzL: v.doubles("czz_L"),
                                        slopeOmega: v.double("slope_omega"), driftL: driftL, driftWc: v.double("drift_Wc"),
                                        driftDelta: v.double("drift_delta"), driftW: [dw.lo, dw.hi], driftWPoints: v.int("drift_w_points"), driftFitLMax: fitLMax,
                                        gdLambda: gdLambda, gdInverseXi: v.double("gd_inverse_xi"), gdField: gdField, gdRMaxOverLambda: gdRMax,
                                        gdDs: gdDs, gdDeps: gdDeps, gdRPoints: v.int("gd_r_points"), gdRMinOverLambda: gdRMin,
                                        gdSnapshots: v.int("gd_snapshots"), gdXPoints: v.int("gd_x_points"), gdXMax: v.double("gd_x_max"),
                                        campaign: campaign, parameterValues: v)
        // The growth-diffusion grid must fit the solver's limit (2e8 cell-steps).
        for lam in gdLambda {
            let cells = study.gdCells(lam)
            guard cells <= GrowthDiffusion.maxCellSteps else {
                throw err("gd_Lambda = \(lam): the growth-diffusion grid has \(Int(cells)) cell-steps (> 2e8); raise gd_ds / gd_deps or lower gd_r_max_over_Lambda")
            }
        }
        return study
    }

    // MARK: grids

    public var rGrid: [Double] { (0..<rPoints).map { rMax * Double($0 + 1) / Double(rPoints) } }
    public var tGrid: [Double] { Grid.logarithmic(tMin, tMax, tPoints) }
    /// Log-spaced in [omega_min, J), J = 1 excluded (the last point is J (1 - 1e-9)).
    public var omegaGrid: [Double] { Grid.logarithmic(omegaMin, 1 - 1e-9, omegaPoints) }
    public var inverseZetaGrid: [Double] { Grid.linear(inverseZeta[0], inverseZeta[1], inverseZetaPoints) }
    public var driftWGrid: [Double] { Grid.logarithmic(driftW[0], driftW[1], driftWPoints) }
    public var gdRGrid: [Double] { Grid.logarithmic(gdRMinOverLambda, gdRMaxOverLambda, gdRPoints) }
    public var gdSnapshotGrid: [Double] { gdSnapshots == 1 ? [gdRMaxOverLambda] : Grid.logarithmic(gdRMinOverLambda, gdRMaxOverLambda, gdSnapshots) }
    public var gdXGrid: [Double] { Grid.linear(-gdXMax, gdXMax, gdXPoints) }

    // MARK: layout

    func rows(_ f: Family) -> Int {
        switch f {
        case .floquet, .hamiltonian: return inverseXi.count
        case .exponents, .drift: return 1
        case .growthDiffusion: return gdLambda.count
        }
    }

    static let checkSpecs: [(String, String)] = [
        ("sum_rule_weight", "int S(omega) domega over omega_lo < |omega| < J (both signs; S is even), 5-point Gauss-Legendre in s = sqrt(log(J/|omega|))"),
        ("sum_rule_residual", "int S domega + F(r_lo) - 1, r_lo = rho log(J/omega_lo): eq. 52 against F (0 up to quadrature error); for xi >= 0 the full sum rule int S + [C_zz] = 1"),
        ("omega_lo", "lower end of the sum-rule integral: max(omega_c, omega_xi)"),
        ("czz_t0_residual", "[C_zz(t = 0)] - 1 (eq. 47/92 at t = 0)"),
        ("small_r_residual", "small-r limit: Floquet -Lambda log F(d)/d - 1, Hamiltonian -log F1(d)/sqrt(d/Lambda) - 1 at d = 1e-6 min(Lambda, |xi|)"),
        ("large_r_residual", "F(r_big) - [C_zz](L -> inf), r_big = 1e4 max(Lambda, |xi|)"),
        ("p_derivative_residual", "max over the r grid of |(F(r - h) - F(r + h))/(2h) - p(r)| / max p, h = 1e-4 r_max/r_points"),
    ]

    public var blocks: [OutputBlock] {
        let R = rPoints, T = tPoints, O = omegaPoints, Z = inverseZetaPoints, nL = czzL.count
        let nD = driftL.count, nW = driftWPoints, GR = gdRPoints, S = gdSnapshots, X = gdXPoints
        var out: [OutputBlock] = []
        for fam in [Family.floquet, .hamiltonian] {
            let fl = fam == .floquet
            var ds = [DatasetSpec("inverse_xi", .float64, units: "1", description: "1/xi of the row (0 = transition)"),
                      DatasetSpec("theta0", .float64, units: "1", description: "theta0 = zeta_c/(2 xi + zeta_c) (eq. 51)"),
                      DatasetSpec("rho", .float64, units: "1", description: "rho = theta0 xi, v(r) = J exp(-r/rho)"),
                      DatasetSpec("r", .float64, [R], units: "sites", description: "range grid r_k = r_max (k+1)/r_points"),
                      DatasetSpec("F", .float64, [R], units: "1", description: fl ? "F(r) (eq. 45)" : "F1(r) (eq. 91)"),
                      DatasetSpec("p", .float64, [R], units: "1/site", description: fl ? "p(r) = -dF/dr (eq. 46)" : "p(r) = q F1 (eqs. 88, 90)"),
                      DatasetSpec("q", .float64, [R], units: "1/site", description: fl ? "q(r) = exp(-r/xi)/Lambda (eq. 42)" : "q(r) = exp(-r/xi)/sqrt(4 Lambda r) (eq. 89)"),
                      DatasetSpec("t", .float64, [T], units: "1/J", description: "time grid, log-spaced"),
                      DatasetSpec("czz", .float64, [T], units: "1", description: fl ? "[C_zz(t)] at L (eq. 47)" : "[C_zz(t)] at L (eq. 92)"),
                      DatasetSpec("czz_front", .float64, [T], units: "1", description: "[C_zz(t)] ~ F(r(t)), the light-cone approximation (eq. 49)"),
                      DatasetSpec("light_cone", .float64, [T], units: "sites", description: "front r(t) = min(rho log(J t), L/2) (eq. 50)"),
                      DatasetSpec("omega", .float64, [O], units: "J", description: "frequency grid, log-spaced in [omega_min, J)"),
                      DatasetSpec("S", .float64, [O], units: "1/J",
                                  description: (fl ? "[S(omega)] (eqs. 52-53)" : "[S(omega)] (eq. 93)") + " at L; 0 below omega_c, NaN below omega_xi on the thermal side (eq. 59)"),
                      DatasetSpec("omega_c", .float64, units: "J", description: "omega_c = v(L/2) (eq. 54)"),
                      DatasetSpec("omega_xi", .float64, units: "J", description: "omega_xi = v(|xi|) on the thermal side (eq. 59), else 0"),
                      DatasetSpec("czz_L", .float64, units: "1", description: "[C_zz] = F(L/2), the omega = 0 weight (eq. 48)"),
                      DatasetSpec("czz_inf", .float64, units: "1", description: "[C_zz] as L -> inf (0 at and beyond the transition)"),
                      DatasetSpec("probe_entropy", .float64, units: "nats", description: "[S_P] = log 2 (1 - [C_zz]) at L (eq. 120)")]
            for (n, d) in Self.checkSpecs { ds.append(DatasetSpec(n, .float64, units: "1", description: d)) }
            out.append(OutputBlock(path: "/rm/" + fam.block, rows: rows(fam), datasets: ds,
                                   attributes: ["Lambda": Lambda, "L": L, "J": 1, "family": Double(fam.rawValue)]))
        }
        out.append(OutputBlock(path: "/rm/" + Family.exponents.block, rows: 1, datasets: [
            DatasetSpec("inverse_zeta", .float64, [Z], units: "1", description: "1/zeta grid; 1/xi = 1/zeta - log 2 (eq. 39)"),
            DatasetSpec("theta0", .float64, [Z], units: "1", description: "theta0 = zeta_c/(2 xi + zeta_c) (eq. 51), Floquet and Hamiltonian"),
            DatasetSpec("theta_c_floquet", .float64, units: "1", description: "theta_c = zeta_c/(2 Lambda) at the Floquet transition (eq. 57)"),
            DatasetSpec("theta_local_floquet", .float64, [Z], units: "1", description: "1 + d log S/d log omega at slope_omega, L -> inf (Floquet); NaN below omega_xi"),
            DatasetSpec("theta_local_hamiltonian", .float64, [Z], units: "1", description: "the same for the Hamiltonian RM (eq. 93)"),
            DatasetSpec("czz_L", .float64, [nL], units: "sites", description: "the finite L of czz_floquet / czz_hamiltonian"),
            DatasetSpec("czz_inf_floquet", .float64, [Z], units: "1", description: "[C_zz] at L -> inf, Floquet: exp(-xi/Lambda) for xi > 0, else 0"),
            DatasetSpec("czz_inf_hamiltonian", .float64, [Z], units: "1", description: "[C_zz] at L -> inf, Hamiltonian: exp(-sqrt(pi xi/(4 Lambda))) for xi > 0, else 0"),
            DatasetSpec("czz_floquet", .float64, [nL, Z], units: "1", description: "[C_zz] = F(L/2) per L (eq. 48)"),
            DatasetSpec("czz_hamiltonian", .float64, [nL, Z], units: "1", description: "[C_zz] = F1(L/2) per L"),
        ], attributes: ["Lambda": Lambda, "slope_omega": slopeOmega]))
        out.append(OutputBlock(path: "/rm/" + Family.drift.block, rows: 1, datasets: [
            DatasetSpec("L", .float64, [nD], units: "sites", description: "drift_L"),
            DatasetSpec("w", .float64, [nW], units: "1", description: "W/W_c grid, log-spaced"),
            DatasetSpec("probe_entropy", .float64, [nD, nW], units: "nats", description: "[S_P](W, L) = log 2 (1 - F1(L/2; xi(W), Lambda(W))) (eqs. 120, D4)"),
            DatasetSpec("probe_entropy_inf", .float64, [nW], units: "nats", description: "[S_P] at L -> inf"),
            DatasetSpec("w_delta", .float64, [nD], units: "W_c", description: "W_delta(L)/W_c, root of [C_zz] = delta (eq. 116)"),
            DatasetSpec("w_delta_formula", .float64, [nD], units: "W_c", description: "eq. 117 W_c exp(-ell_delta/(L+1)) / W_c with the fitted ell_delta"),
            DatasetSpec("ell_delta", .float64, units: "sites", description: "ell_delta fitted on L <= drift_fit_L_max"),
            DatasetSpec("root_residual", .float64, units: "1", description: "max over L of |[C_zz](W_delta, L) - delta|"),
            DatasetSpec("lambda_c", .float64, units: "sites", description: "Lambda_c = pi (zeta_c W_c/4)^2 (eq. 83)"),
        ], attributes: ["Wc": driftWc, "delta": driftDelta, "fit_L_max": driftFitLMax]))
        out.append(OutputBlock(path: "/rm/" + Family.growthDiffusion.block, rows: rows(.growthDiffusion), datasets: [
            DatasetSpec("Lambda", .float64, units: "sites", description: "resonance length of the row"),
            DatasetSpec("r_over_lambda", .float64, [GR], units: "1", description: "output grid r/Lambda, log-spaced"),
            DatasetSpec("F", .float64, [GR], units: "1", description: "F(r) = int de f (eq. 87), linear interpolation in sqrt(r) of the solver's grid"),
            DatasetSpec("p", .float64, [GR], units: "1/site", description: "p(r) = -dF/dr = int de f q (eq. 88), interpolated like F"),
            DatasetSpec("F1", .float64, [GR], units: "1", description: "F1(r) of eq. 91 (energy-independent loss) at the same xi, Lambda"),
            DatasetSpec("p1", .float64, [GR], units: "1/site", description: "q F1 (eq. 89-90)"),
            DatasetSpec("snapshot_r", .float64, [S], units: "sites", description: "ranges of the snapshots (nearest solver grid point)"),
            DatasetSpec("x", .float64, [X], units: "1", description: "x = (e - h/2)/(W sqrt(2r + 1))"),
            DatasetSpec("f", .float64, [S, X], units: "1/W",
                        description: "sqrt(2r + 1) f(e, r) at e = h/2 + W x sqrt(2r + 1) (linear interpolation); without loss this is the unit Gaussian in x"),
            DatasetSpec("ds", .float64, units: "sqrt(sites)", description: "step in s = sqrt(r) used"),
            DatasetSpec("deps", .float64, units: "W", description: "energy step used"),
            DatasetSpec("F0_residual", .float64, units: "1", description: "F(0) - 1 (truncated Gaussian tails and the trapezoid rule)"),
            DatasetSpec("mass_balance_residual", .float64, units: "1", description: "F(r_1) - F(r_max) - int_{r_1}^{r_max} p dr (trapezoid in s): eq. 88 against eq. 87"),
            DatasetSpec("min_F_minus_F1", .float64, units: "1", description: "min over the solver grid of F - F1 (>= 0 up to discretization: the energy-dependent loss is smaller)"),
            DatasetSpec("tail_slope", .float64, units: "1", description: "d log p/d log r at r_max (the seed's F ~ (Lambda/r)^2 gives -3)"),
        ], attributes: ["inverse_xi": gdInverseXi, "field_over_W": gdField, "r_max_over_Lambda": gdRMaxOverLambda]))
        return out
    }

    public var tasks: [TaskSpec] {
        var out: [TaskSpec] = []
        for fam in Family.allCases {
            for row in 0..<rows(fam) {
                let cost: Double
                switch fam {
                case .floquet, .hamiltonian: cost = tMax * 20 + Double(rPoints + omegaPoints) + Double(sumRulePanels) * 10
                case .exponents: cost = Double(inverseZetaPoints * (czzL.count + 4))
                case .drift: cost = Double(driftL.count * (driftWPoints + 200))
                case .growthDiffusion: cost = gdCells(gdLambda[row])
                }
                out.append(TaskSpec(index: out.count, block: fam.rawValue, row: row, point: row, realization: campaign.firstRealization, cost: cost))
            }
        }
        return out
    }

    /// Cell-steps of the growth-diffusion solver's grid (`GrowthDiffusion.discretization`)
    /// at Lambda: r_max = gd_r_max_over_Lambda Lambda.
    func gdCells(_ lam: Double) -> Double {
        let g = GrowthDiffusion.discretization(rMax: gdRMaxOverLambda * lam, ds: gdDs, dEps: gdDeps, fieldOverW: gdField)
        return Double(g.steps) * Double(g.cells)
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize: Int) -> Int {
        if task.block == Family.growthDiffusion.rawValue {
            let lam = gdLambda[task.row]
            let cells = GrowthDiffusion.discretization(rMax: gdRMaxOverLambda * lam, ds: gdDs, dEps: gdDeps, fieldOverW: gdField).cells
            return 8 * cells * (6 + gdSnapshots) + 16 * Int(gdRMaxOverLambda * lam / (gdDs * gdDs) + 10) + (32 << 20)
        }
        return 8 * (rPoints + tPoints + omegaPoints) * 8 + 8 * inverseZetaPoints * (czzL.count + 8) + 8 * driftL.count * driftWPoints + (32 << 20)
    }

    /// Rough debug-build figures: the C_zz(t) quadrature costs ~ 3e-6 s per unit of J t
    /// summed over the grid; the growth-diffusion solver ~ 5e-8 s per cell-step.
    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize: Int) -> Double {
        switch Family(rawValue: task.block)! {
        case .floquet, .hamiltonian: return 3e-6 * tGrid.reduce(0, +) + 1e-5 * Double(sumRulePanels * 5 + rPoints * 4 + omegaPoints)
        case .exponents: return 1e-5 * Double(inverseZetaPoints * (czzL.count + 10))
        case .drift: return 1e-4 * Double(driftL.count * (driftWPoints + 300))
        case .growthDiffusion: return 5e-8 * gdCells(gdLambda[task.row])
        }
    }

    /// One row of the task's family: the columns of its curves (ResonanceModelCurves, QGPhysics).
    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        guard context.group.rank == 0 else { return nil }
        let columns: [String: [Double]]
        switch Family(rawValue: task.block)! {
        case .floquet, .hamiltonian:  // the Floquet / Hamiltonian curve families
            columns = try ResonanceModelCurves.curves(floquet: task.block == Family.floquet.rawValue, inverseXi: inverseXi[task.row], Lambda: Lambda,
                                                      L: L, r: rGrid, t: tGrid, omega: omegaGrid, sumRulePanels: sumRulePanels,
                                                      derivativeStep: 1e-4 * rMax / Double(rPoints))
        case .exponents:  // Fig. 2a/d/f
            columns = try ResonanceModelCurves.exponents(inverseZeta: inverseZetaGrid, czzL: czzL, Lambda: Lambda, slopeOmega: slopeOmega)
        case .drift:  // Fig. 9
            columns = try ResonanceModelCurves.drift(Wc: driftWc, w: driftWGrid, L: driftL, delta: driftDelta, fitLMax: driftFitLMax)
        case .growthDiffusion:  // Figs. 11-12
            columns = try ResonanceModelCurves.growthDiffusion(
                Lambda: gdLambda[task.row], inverseXi: gdInverseXi, field: gdField, rMaxOverLambda: gdRMaxOverLambda, snapshots: gdSnapshotGrid,
                ds: gdDs, dEps: gdDeps, rGrid: gdRGrid, xGrid: gdXGrid)
        }
        return TaskOutput(rows: columns.mapValues(RowValue.float64))
    }
}
