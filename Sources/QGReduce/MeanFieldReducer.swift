import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// Reduction of the mean-field chain study (`meanfield`, seed 002 Fig. 3,
/// docs/avalanche-mean-field.md section 7): per N, eta_tot, n_* and n_half vs
/// delta_a = a - 1/sqrt 2; the critical-scaling fits eta_tot ∝ |delta_a|^-theta and
/// n_* ∝ |delta_a|^-nu on the failing side of the largest N; a_c(N) (midpoint
/// criterion, computed by the campaign's bisection tasks) against 1/sqrt 2 with
/// N (a_c(N) - 1/sqrt 2) and the extrapolation in 1/N; the [S_n] and C_n
/// profiles, copied. Figures: python/qglass_plot_meanfield.py.
extension MeanFieldStudy: ReducibleStudy {
    static var plotEntry: String { "qglass_plot_meanfield:plot" }

    static func reduce(world: Communicator, options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        guard world.rank == 0 else { return 0 }
        return try MeanFieldReducer.run(options: options, survey: survey, log: log)
    }
}

enum MeanFieldReducer {
    static let ln2 = 0.69314718055994530942
    /// Fit window on the failing side: |delta_a| <= fitMaxAbs (widened to fitWideAbs when it holds
    /// fewer than 3 points) and n_* <= N/4 (drops the finite-size saturation n_* -> N).
    static let fitMaxAbs = 0.03
    static let fitWideAbs = 0.1
    static let fitMaxFill = 0.25

    struct Row { var N: Int; var deltaA: Double; var a: Double; var eta: Double; var nStar: Double; var nHalf: Int64
        var sEnd: Double; var logGEnd: Double; var iterations: Int64; var residual: Double; var siteResidual: Double }
    struct Profile { var N: Int; var deltaA: Double; var a: Double; var eta: Double; var nStar: Double
        var s: [Double]; var memory: [Double]; var logG: [Double] }
    struct Critical { var N: Int; var ac: Double; var lo: Double; var hi: Double }
    struct Key: Hashable { var N: Int; var deltaA: Double }

    /// Least squares y = c0 + c1 x with the standard error of c1 (sqrt(RSS/(n-2)/Sxx)); dof = n - 2.
    static func line(_ x: [Double], _ y: [Double]) -> (c0: Double, c1: Double, c1Err: Double, dof: Int) {
        let n = Double(x.count)
        guard x.count >= 2 else { return (.nan, .nan, .nan, 0) }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0
        for (a, b) in zip(x, y) { sxx += (a - mx) * (a - mx); sxy += (a - mx) * (b - my) }
        let c1 = sxy / sxx, c0 = my - c1 * mx
        var rss = 0.0
        for (a, b) in zip(x, y) { let r = b - c0 - c1 * a; rss += r * r }
        let dof = x.count - 2
        return (c0, c1, dof > 0 ? (rss / Double(dof) / sxx).squareRoot() : .nan, dof)
    }

    static func run(options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        var rows: [Key: Row] = [:], profiles: [Key: Profile] = [:], critical: [Int: Critical] = [:]
        var duplicates = 0
        var g10 = Double.nan, convention = "", solver = "", criticalTol = Double.nan
        for path in options.inputs {
            try HDF5File.with(path: path, mode: .readOnly) { f in
                let plan = try CampaignPlan(configText: try f.stringAttribute("config_canonical"))
                guard let study = plan.study as? MeanFieldStudy else { throw ReduceError(message: "\(path): not a meanfield campaign") }
                if convention.isEmpty { g10 = study.g10; convention = study.convention.rawValue; solver = study.solver.rawValue }
                guard g10 == study.g10, convention == study.convention.rawValue else {
                    throw ReduceError(message: "mismatched configs: \(path) has g10 = \(study.g10), convention \(study.convention.rawValue); "
                                      + "another input g10 = \(g10), convention \(convention)")
                }
                if study.critical { criticalTol = criticalTol.isNaN ? study.criticalTol : max(criticalTol, study.criticalTol) }
                for b in study.blocks {
                    let p = b.path
                    guard f.exists(p + "/done") else { continue }
                    let done = try f.openDataset(p + "/done").readAll(as: UInt8.self)
                    func d(_ name: String) throws -> [Double] { try f.openDataset(p + "/" + name).readAll(as: Double.self) }
                    func i(_ name: String) throws -> [Int64] { try f.openDataset(p + "/" + name).readAll(as: Int64.self) }
                    if p == "/meanfield/critical" {
                        let N = try i("N"), ac = try d("a_c"), br = try d("bracket")
                        for r in done.indices where done[r] == 1 {
                            guard ac[r].isFinite else { throw ReduceError(message: "\(path), \(p) row \(r): a_c not finite") }
                            if critical[Int(N[r])] != nil { duplicates += 1; continue }
                            critical[Int(N[r])] = Critical(N: Int(N[r]), ac: ac[r], lo: br[2 * r], hi: br[2 * r + 1])
                        }
                        continue
                    }
                    let N = Int(b.attributes["N"] ?? -1)
                    let a = try d("a"), da = try d("delta_a"), eta = try d("eta_tot"), ns = try d("n_star")
                    let conv = try f.openDataset(p + "/converged").readAll(as: UInt8.self)
                    for r in done.indices where done[r] == 1 {
                        guard conv[r] == 1, eta[r].isFinite, ns[r].isFinite else {
                            throw ReduceError(message: "\(path), \(p) row \(r): unconverged or non-finite chain")
                        }
                    }
                    if p.hasPrefix("/meanfield/profiles/") {
                        let sD = try f.openDataset(p + "/s_n"), cD = try f.openDataset(p + "/memory_n"), gD = try f.openDataset(p + "/log_g")
                        for r in done.indices where done[r] == 1 {
                            let k = Key(N: N, deltaA: da[r])
                            if profiles[k] != nil { duplicates += 1; continue }
                            profiles[k] = Profile(N: N, deltaA: da[r], a: a[r], eta: eta[r], nStar: ns[r],
                                                  s: try sD.readRows(start: r, count: 1, as: Double.self),
                                                  memory: try cD.readRows(start: r, count: 1, as: Double.self),
                                                  logG: try gD.readRows(start: r, count: 1, as: Double.self))
                        }
                    } else {
                        let nh = try i("n_half"), it = try i("iterations"), se = try d("s_end"), lge = try d("log_g_end")
                        let res = try d("residual"), sres = try d("site_residual")
                        for r in done.indices where done[r] == 1 {
                            let k = Key(N: N, deltaA: da[r])
                            if rows[k] != nil { duplicates += 1; continue }
                            rows[k] = Row(N: N, deltaA: da[r], a: a[r], eta: eta[r], nStar: ns[r], nHalf: nh[r], sEnd: se[r], logGEnd: lge[r],
                                          iterations: it[r], residual: res[r], siteResidual: sres[r])
                        }
                    }
                }
            }
        }
        guard !rows.isEmpty else { throw ReduceError(message: "no completed chain task in the inputs") }
        let keys = rows.keys.sorted { ($0.N, $0.deltaA) < ($1.N, $1.deltaA) }
        let pts = keys.map { rows[$0]! }
        let sizes = Array(Set(pts.map(\.N))).sorted()
        let aC = MeanFieldStudy.aCritical
        var warnings: [String] = []
        if duplicates > 0 { warnings.append("\(duplicates) duplicated task(s) counted once") }

        // Critical scaling on the failing side of the largest N.
        let nFit = sizes.last!
        let failing = pts.filter { $0.N == nFit && $0.deltaA < 0 && $0.nStar <= fitMaxFill * Double(nFit) && $0.eta > 0 }
        var window = failing.filter { -$0.deltaA <= fitMaxAbs }
        var windowMax = fitMaxAbs
        if window.count < 3 { window = failing.filter { -$0.deltaA <= fitWideAbs }; windowMax = fitWideAbs
            warnings.append("fewer than 3 points with |delta_a| <= \(fitMaxAbs) at N = \(nFit): fit window widened to |delta_a| <= \(fitWideAbs)") }
        let lx = window.map { Foundation.log(-$0.deltaA) }
        let fitEta = line(lx, window.map { Foundation.log($0.eta) })
        let fitNs = line(lx, window.map { Foundation.log($0.nStar) })
        let theta = -fitEta.c1, nu = -fitNs.c1
        if window.count < 2 { warnings.append("fewer than 2 failing-side points at N = \(nFit) in the fit window: no critical-scaling fit") }

        // a_c(N) against 1/sqrt 2; extrapolation a_c(N) = a_inf + A1/N (+ A2/N^2) over the (up to) 3 largest N.
        let cs = critical.keys.sorted().map { critical[$0]! }
        let ex = Array(cs.suffix(3))
        var coef: [Double] = [.nan, .nan, .nan]
        if ex.count >= 2 {
            let c = AvalancheMeanField.polynomialFit(x: ex.map { 1 / Double($0.N) }, y: ex.map(\.ac), degree: min(2, ex.count - 1))
            for (k, v) in c.enumerated() { coef[k] = v }
        }
        if cs.isEmpty { warnings.append("no a_c(N) rows (critical = false, or only N = 1)") }
        let profileKeys = profiles.keys.sorted { ($0.N, $0.deltaA) < ($1.N, $1.deltaA) }

        try writeAtomically(options.output, force: options.force) { f in
            try writeCommonAttributes(f, study: MeanFieldStudy.self, options: options, survey: survey, skipped: 0)
            try f.setAttribute("warnings", warnings.joined(separator: "\n"))
            let out = ReducedWriter(file: f)
            try out.group("/meanfield")
            try out.attr("g10", g10, on: "/meanfield")
            try out.attr("convention", convention, on: "/meanfield")
            try out.attr("solver", solver, on: "/meanfield")
            try out.attr("a_c_infinity", aC, on: "/meanfield")
            try out.group("/meanfield/points")
            try out.putInt("/meanfield/points/N", pts.map { Int64($0.N) })
            try out.put("/meanfield/points/a", pts.map(\.a))
            try out.put("/meanfield/points/delta_a", pts.map(\.deltaA))
            try out.put("/meanfield/points/eta_tot", pts.map(\.eta))
            try out.put("/meanfield/points/n_star", pts.map(\.nStar))
            try out.putInt("/meanfield/points/n_half", pts.map(\.nHalf))
            try out.put("/meanfield/points/s_end", pts.map(\.sEnd))
            try out.put("/meanfield/points/log_g_end", pts.map(\.logGEnd))
            try out.putInt("/meanfield/points/iterations", pts.map(\.iterations))
            try out.put("/meanfield/points/residual", pts.map(\.residual))
            try out.put("/meanfield/points/site_residual", pts.map(\.siteResidual))
            let fg = "/meanfield/fit"
            try out.group(fg)
            try out.attr("N", Double(nFit), on: fg)
            try out.attr("theta", theta, on: fg)
            try out.attr("theta_err", fitEta.c1Err, on: fg)
            try out.attr("theta_dof", Double(fitEta.dof), on: fg)
            try out.attr("prefactor", exp(fitEta.c0), on: fg)
            try out.attr("nu", nu, on: fg)
            try out.attr("nu_err", fitNs.c1Err, on: fg)
            try out.attr("nu_prefactor", exp(fitNs.c0), on: fg)
            try out.attr("abs_delta_a_max", windowMax, on: fg)
            try out.attr("n_star_max_fraction", fitMaxFill, on: fg)
            try out.attr("window", "delta_a < 0, |delta_a| <= abs_delta_a_max, n_star <= n_star_max_fraction * N, largest N", on: fg)
            try out.put(fg + "/delta_a", window.map(\.deltaA))
            try out.put(fg + "/eta_tot", window.map(\.eta))
            try out.put(fg + "/n_star", window.map(\.nStar))
            let cg = "/meanfield/critical"
            try out.group(cg)
            try out.attr("criterion", "midpoint: [S_N](a_c) = (ln 2)/2 (bisection in the campaign)", on: cg)
            try out.attr("tolerance", criticalTol, on: cg)
            try out.attr("a_inf", coef[0], on: cg)
            try out.attr("A1", coef[1], on: cg)
            try out.attr("A2", coef[2], on: cg)
            try out.attr("extrapolation_sizes", ex.map { "\($0.N)" }.joined(separator: ","), on: cg)
            try out.putInt(cg + "/N", cs.map { Int64($0.N) })
            try out.put(cg + "/a_c", cs.map(\.ac))
            try out.put(cg + "/shift", cs.map { $0.ac - aC })
            try out.put(cg + "/scaled_shift", cs.map { Double($0.N) * ($0.ac - aC) })
            try out.put(cg + "/bracket_width", cs.map { $0.hi - $0.lo })
            if !profileKeys.isEmpty {
                try out.group("/meanfield/profiles")
                for n in Array(Set(profileKeys.map(\.N))).sorted() {
                    let ps = profileKeys.filter { $0.N == n }.map { profiles[$0]! }
                    let g = "/meanfield/profiles/N\(n)"
                    try out.group(g)
                    try out.attr("N", Double(n), on: g)
                    try out.put(g + "/delta_a", ps.map(\.deltaA))
                    try out.put(g + "/a", ps.map(\.a))
                    try out.put(g + "/eta_tot", ps.map(\.eta))
                    try out.put(g + "/n_star", ps.map(\.nStar))
                    try out.put(g + "/s_n", ps.flatMap(\.s), [ps.count, n])
                    try out.put(g + "/memory_n", ps.flatMap(\.memory), [ps.count, n])
                    try out.put(g + "/log_g", ps.flatMap(\.logG), [ps.count, n])
                }
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
                             fmt(theta), fmt(fitEta.c1Err), fitEta.dof, fmt(nu), fmt(fitNs.c1Err), fmt(exp(fitEta.c0), 3), fmt(exp(fitNs.c0), 3)))
        report.append("a_c(N), midpoint criterion [S_N] = (ln 2)/2 (bisection tolerance \(criticalTol)); 1/sqrt(2) = \(String(format: "%.9f", aC))")
        for c in cs {
            report.append(String(format: "  N = %6d: a_c = %.9f, a_c - 1/sqrt(2) = %.4e, N (a_c - 1/sqrt(2)) = %.5f", c.N, c.ac, c.ac - aC, Double(c.N) * (c.ac - aC)))
        }
        if ex.count >= 2 {
            report.append(String(format: "  extrapolation over N = %@: a_inf = %.9f (a_inf - 1/sqrt(2) = %.2e), A1 = %.5f%@",
                                 ex.map { "\($0.N)" }.joined(separator: ", "), coef[0], coef[0] - aC, coef[1],
                                 ex.count >= 3 ? String(format: ", A2 = %.4g", coef[2]) : ""))
        }
        for k in profileKeys {
            let p = profiles[k]!
            report.append(String(format: "profile N = %d, delta_a = %.6g: eta_tot = %.6g, n_* = %.5g, [S_1] = %.4f, [S_N] = %.4g",
                                 p.N, p.deltaA, p.eta, p.nStar, p.s.first ?? .nan, p.s.last ?? .nan))
        }
        if !warnings.isEmpty { report.append("warnings:"); report += warnings.map { "  - " + $0 } }
        log(report.joined(separator: "\n"))
        log("[reduce] wrote \(options.output)")
        return 0
    }
}
