import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// Reduction of the mean-field chain study (`meanfield`, seed 002 Fig. 3,
/// docs/avalanche-mean-field.md section 7) on the reduction pipeline: per N,
/// eta_tot, n_* and n_half vs delta_a = a - 1/sqrt 2; the critical-scaling fits
/// eta_tot ∝ |delta_a|^-theta and n_* ∝ |delta_a|^-nu on the failing side of
/// the largest N; a_c(N) (midpoint criterion, computed by the campaign's
/// bisection tasks) against 1/sqrt 2 with N (a_c(N) - 1/sqrt 2) and the
/// extrapolation in 1/N; the [S_n] and C_n profiles, copied. The chain is
/// deterministic: a record's disorder fingerprint is 0, so a task found in two
/// inputs must carry the same numbers. Figures: python/qglass_plot_meanfield.py.
extension MeanFieldStudy: PipelineStudy {
    static var plotEntry: String { "qglass_plot_meanfield:plot" }

    /// One completed row of a chain, profile or critical block.
    struct Record: ReductionRecord {
        enum Kind: String, Codable { case chain, profile, critical }
        struct Key: Hashable, Codable, CustomStringConvertible {
            var kind: Kind
            var N: Int
            /// 0 for a critical row (a_c(N) has no delta_a).
            var deltaA: Double
            var description: String { kind == .critical ? "(a_c, N \(N))" : "(\(kind.rawValue), N \(N), delta_a \(deltaA))" }
        }
        var key: Key
        var origin: TaskOrigin
        var disorder: DisorderFingerprint { 0 }
        var chain: Row? = nil
        var profile: Profile? = nil
        var critical: Critical? = nil
    }
    struct Row: Codable { var N: Int; var deltaA: Double; var a: Double; var eta: Double; var nStar: Double; var nHalf: Int64
        var sEnd: Double; var logGEnd: Double; var iterations: Int64; var residual: Double; var siteResidual: Double }
    struct Profile: Codable { var N: Int; var deltaA: Double; var a: Double; var eta: Double; var nStar: Double
        var s: [Double]; var memory: [Double]; var logG: [Double] }
    struct Critical: Codable { var N: Int; var ac: Double; var lo: Double; var hi: Double }

    /// The inputs must share g10 and the convention (the chain they solve).
    static func checkOptions(_ options: ReduceOptions, plans: [CampaignPlan]) -> [String] {
        [ReductionContext.sameSetting("g10", of: MeanFieldStudy.self, inputs: options.inputs, plans: plans) { $0.g10 },
         ReductionContext.sameSetting("convention", of: MeanFieldStudy.self, inputs: options.inputs, plans: plans) { $0.convention.rawValue }]
            .compactMap { $0 }
    }

    /// Local: the completed rows of a chain, profile or critical block; a row
    /// marked done whose chain is unconverged or not finite, or whose a_c is
    /// not finite, is corrupt.
    static func read(_ b: TaskBlock, corrupt: inout [CorruptTask]) throws -> [Record] {
        let done = try b.column("done", UInt8.self)
        var out: [Record] = []
        if b.block == "/meanfield/critical" {
            let N = try b.column("N", Int64.self), ac = try b.column("a_c", Double.self), br = try b.column("bracket", Double.self)
            for r in done.indices where done[r] == 1 {
                guard ac[r].isFinite else { corrupt.append(b.corrupt(r, "N \(N[r])", "marked done but a_c is not finite")); continue }
                out.append(Record(key: .init(kind: .critical, N: Int(N[r]), deltaA: 0), origin: b.origin(r),
                                  critical: .init(N: Int(N[r]), ac: ac[r], lo: br[2 * r], hi: br[2 * r + 1])))
            }
            return out
        }
        guard let N = Int(exactly: try b.attr("N")) else { throw ReduceError(message: "no N attribute") }
        let isProfile = b.block.hasPrefix("/meanfield/profiles/")
        func d(_ name: String) throws -> [Double] { try b.column(name, Double.self) }
        let a = try d("a"), da = try d("delta_a"), eta = try d("eta_tot"), ns = try d("n_star")
        let conv = try b.column("converged", UInt8.self)
        let profile = isProfile ? try [d("s_n"), d("memory_n"), d("log_g")] : []
        let chain = isProfile ? [] : try [d("s_end"), d("log_g_end"), d("residual"), d("site_residual")]
        let counts = isProfile ? [] : try [b.column("n_half", Int64.self), b.column("iterations", Int64.self)]
        for r in done.indices where done[r] == 1 {
            guard conv[r] == 1, eta[r].isFinite, ns[r].isFinite else {
                corrupt.append(b.corrupt(r, "delta_a \(da[r])", "marked done but its chain is unconverged or not finite")); continue
            }
            var record = Record(key: .init(kind: isProfile ? .profile : .chain, N: N, deltaA: da[r]), origin: b.origin(r))
            if isProfile {
                let row = (r * N)..<((r + 1) * N)
                record.profile = .init(N: N, deltaA: da[r], a: a[r], eta: eta[r], nStar: ns[r],
                                       s: Array(profile[0][row]), memory: Array(profile[1][row]), logG: Array(profile[2][row]))
            } else {
                record.chain = .init(N: N, deltaA: da[r], a: a[r], eta: eta[r], nStar: ns[r], nHalf: counts[0][r], sEnd: chain[0][r],
                                     logGEnd: chain[1][r], iterations: counts[1][r], residual: chain[2][r], siteResidual: chain[3][r])
            }
            out.append(record)
        }
        return out
    }

    static func checkMerged(_ records: [Record], context: ReductionContext) throws {
        guard records.contains(where: { $0.chain != nil }) else { throw ReduceError(message: "no completed chain task in the inputs") }
    }

    /// Fit window on the failing side: |delta_a| <= fitMaxAbs (widened to fitWideAbs when it holds
    /// fewer than 3 points) and n_* <= N/4 (drops the finite-size saturation n_* -> N).
    static let fitMaxAbs = 0.03
    static let fitWideAbs = 0.1
    static let fitMaxFill = 0.25

    /// Rank 0: the fits and the reduced file of the merged records.
    static func analyse(_ records: [MeanFieldStudy.Record], context: ReductionContext, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        let studies = context.plans.compactMap { $0.study as? MeanFieldStudy }
        let g10 = studies[0].g10, convention = studies[0].convention.rawValue, solver = studies[0].solver.rawValue
        let criticalTol = studies.filter(\.critical).map(\.criticalTol).max() ?? .nan
        let pts = records.compactMap(\.chain).sorted { ($0.N, $0.deltaA) < ($1.N, $1.deltaA) }
        let profiles = records.compactMap(\.profile).sorted { ($0.N, $0.deltaA) < ($1.N, $1.deltaA) }
        let cs = records.compactMap(\.critical).sorted { $0.N < $1.N }
        let sizes = Array(Set(pts.map(\.N))).sorted()
        let aC = AvalancheMeanField.aCritical

        // Critical scaling on the failing side of the largest N.
        let nFit = sizes.last!
        let failing = pts.filter { $0.N == nFit && $0.deltaA < 0 && $0.nStar <= fitMaxFill * Double(nFit) && $0.eta > 0 }
        var window = failing.filter { -$0.deltaA <= fitMaxAbs }
        var windowMax = fitMaxAbs
        if window.count < 3 { window = failing.filter { -$0.deltaA <= fitWideAbs }; windowMax = fitWideAbs
            warnings.append("fewer than 3 points with |delta_a| <= \(fitMaxAbs) at N = \(nFit): fit window widened to |delta_a| <= \(fitWideAbs)") }
        // Unweighted lines in (ln |delta_a|, ln y); dof = points - 2 (0 without a fit).
        let fitEta = ReduceStatistics.powerLawLineFit(x: window.map { -$0.deltaA }, y: window.map(\.eta))
        let fitNs = ReduceStatistics.powerLawLineFit(x: window.map { -$0.deltaA }, y: window.map(\.nStar))
        let theta = -fitEta.slope, nu = -fitNs.slope, thetaDof = max(0, fitEta.dof)
        if window.count < 2 { warnings.append("fewer than 2 failing-side points at N = \(nFit) in the fit window: no critical-scaling fit") }

        // a_c(N) against 1/sqrt 2; extrapolation a_c(N) = a_inf + A1/N (+ A2/N^2) over the (up to) 3 largest N.
        let ex = Array(cs.suffix(3))
        var coef: [Double] = [.nan, .nan, .nan]
        if ex.count >= 2 {
            let c = ReduceStatistics.polynomialFit(x: ex.map { 1 / Double($0.N) }, y: ex.map(\.ac), degree: min(2, ex.count - 1)) ?? []
            for (k, v) in c.enumerated() { coef[k] = v }
        }
        if cs.isEmpty { warnings.append("no a_c(N) rows (critical = false, or only N = 1)") }

        try out.group("/meanfield")
        try out.attrs("/meanfield", ["g10": g10, "a_c_infinity": aC])
        try out.attrs("/meanfield", text: ["convention": convention, "solver": solver])
        try out.table("/meanfield/points", ["N": .ints(pts.map(\.N)), "a": .float(pts.map(\.a)), "delta_a": .float(pts.map(\.deltaA)),
                                            "eta_tot": .float(pts.map(\.eta)), "n_star": .float(pts.map(\.nStar)), "n_half": .int(pts.map(\.nHalf)),
                                            "s_end": .float(pts.map(\.sEnd)), "log_g_end": .float(pts.map(\.logGEnd)),
                                            "iterations": .int(pts.map(\.iterations)), "residual": .float(pts.map(\.residual)),
                                            "site_residual": .float(pts.map(\.siteResidual))])
        let fg = "/meanfield/fit"
        try out.table(fg, ["delta_a": .float(window.map(\.deltaA)), "eta_tot": .float(window.map(\.eta)), "n_star": .float(window.map(\.nStar))])
        try out.attrs(fg, ["N": Double(nFit), "theta": theta, "theta_err": fitEta.slopeError, "theta_dof": Double(thetaDof), "prefactor": exp(fitEta.intercept),
                           "nu": nu, "nu_err": fitNs.slopeError, "nu_prefactor": exp(fitNs.intercept), "abs_delta_a_max": windowMax,
                           "n_star_max_fraction": fitMaxFill])
        try out.attr("window", "delta_a < 0, |delta_a| <= abs_delta_a_max, n_star <= n_star_max_fraction * N, largest N", on: fg)
        let cg = "/meanfield/critical"
        try out.table(cg, ["N": .ints(cs.map(\.N)), "a_c": .float(cs.map(\.ac)), "shift": .float(cs.map { $0.ac - aC }),
                           "scaled_shift": .float(cs.map { Double($0.N) * ($0.ac - aC) }), "bracket_width": .float(cs.map { $0.hi - $0.lo })])
        try out.attrs(cg, ["tolerance": criticalTol, "a_inf": coef[0], "A1": coef[1], "A2": coef[2]])
        try out.attr("criterion", "midpoint: [S_N](a_c) = (ln 2)/2 (bisection in the campaign)", on: cg)
        try out.attr("extrapolation_sizes", ex.map { "\($0.N)" }.joined(separator: ","), on: cg)
        if !profiles.isEmpty {
            try out.group("/meanfield/profiles")
            for n in Array(Set(profiles.map(\.N))).sorted() {
                let ps = profiles.filter { $0.N == n }
                let g = "/meanfield/profiles/N\(n)"
                try out.table(g, ["delta_a": .float(ps.map(\.deltaA)), "a": .float(ps.map(\.a)), "eta_tot": .float(ps.map(\.eta)),
                                  "n_star": .float(ps.map(\.nStar)), "s_n": .float(ps.flatMap(\.s), shape: [ps.count, n]),
                                  "memory_n": .float(ps.flatMap(\.memory), shape: [ps.count, n]),
                                  "log_g": .float(ps.flatMap(\.logG), shape: [ps.count, n])])
                try out.attr("N", Double(n), on: g)
            }
        }

        var report = ["meanfield: self-consistent chain g_n0 = g10 a^(n-1), g10 = \(g10), convention \(convention), solver \(solver); "
                      + "delta_a = a - 1/sqrt(2)",
                      "      N     delta_a      eta_tot         n_*  n_half   [S_N]"]
        for p in pts {
            report.append(String(format: "%7d %11.6f %12.6g %11.6g %7d  %.4f", p.N, p.deltaA, p.eta, p.nStar, Int(p.nHalf), p.sEnd))
        }
        report.append(String(format: "critical scaling (N = %d, %d points, delta_a in [%@, %@]): eta_tot ∝ |delta_a|^-theta, theta = %@ ± %@ (dof %d); "
                             + "n_* ∝ |delta_a|^-nu, nu = %@ ± %@; prefactors %@, %@",
                             nFit, window.count, fmt(window.map(\.deltaA).min() ?? .nan), fmt(window.map(\.deltaA).max() ?? .nan),
                             fmt(theta), fmt(fitEta.slopeError), thetaDof, fmt(nu), fmt(fitNs.slopeError), fmt(exp(fitEta.intercept), 3), fmt(exp(fitNs.intercept), 3)))
        report.append("a_c(N), midpoint criterion [S_N] = (ln 2)/2 (bisection tolerance \(criticalTol)); 1/sqrt(2) = \(String(format: "%.9f", aC))")
        for c in cs {
            report.append(String(format: "  N = %6d: a_c = %.9f, a_c - 1/sqrt(2) = %.4e, N (a_c - 1/sqrt(2)) = %.5f", c.N, c.ac, c.ac - aC, Double(c.N) * (c.ac - aC)))
        }
        if ex.count >= 2 {
            report.append(String(format: "  extrapolation over N = %@: a_inf = %.9f (a_inf - 1/sqrt(2) = %.2e), A1 = %.5f%@",
                                 ex.map { "\($0.N)" }.joined(separator: ", "), coef[0], coef[0] - aC, coef[1],
                                 ex.count >= 3 ? String(format: ", A2 = %.4g", coef[2]) : ""))
        }
        for p in profiles {
            report.append(String(format: "profile N = %d, delta_a = %.6g: eta_tot = %.6g, n_* = %.5g, [S_1] = %.4f, [S_N] = %.4g",
                                 p.N, p.deltaA, p.eta, p.nStar, p.s.first ?? .nan, p.s.last ?? .nan))
        }
        return report
    }
}
