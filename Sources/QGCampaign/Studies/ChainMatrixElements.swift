import Foundation
import QGED

/// The S10b observables of the random-field chain studies (config
/// `matrix_elements = true` in `[xxz]` or `[heisenberg_o3]`): statistics of
/// the matrix elements V_ba = <E_b|V|E_a> of a one-site operator V between all
/// eigenstates (docs/resonance-model.md, "ED checks on random-field chains").
/// Off by default; when off, no key below may appear and the payload is that
/// of the plain study.
public struct MatrixElementOptions: Sendable, Equatable {
    public var operatorSite: Int
    public var settings: MatrixElementSettings

    static let keys = ["operator_site", "window", "mid_spectrum", "v_range", "v_bins", "omega_range", "omega_bins"]

    /// Strict: range checks before any allocation.
    static func parse(_ t: ConfigTable, study name: String, sizes: [Int]) throws -> MatrixElementOptions? {
        let on = try t.bool("matrix_elements", default: false)
        guard on else {
            if let k = keys.first(where: { t.keys.contains($0) }) {
                throw ConfigError("[\(name)] '\(k)' needs matrix_elements = true")
            }
            return nil
        }
        var s = MatrixElementSettings()
        let site = try t.int("operator_site", default: 0)
        let minL = sizes.min() ?? 2
        guard site >= 0 && site < minL else { throw ConfigError("[\(name)] operator_site must be in 0..<\(minL) (the smallest L; got \(site))") }
        s.window = try t.double("window", default: s.window)
        guard s.window > 0 && s.window.isFinite else { throw ConfigError("[\(name)] window must be finite and > 0 (got \(s.window))") }
        let mid = try t.doubles("mid_spectrum", default: [s.midSpectrum.lo, s.midSpectrum.hi])
        guard mid.count == 2, mid[0] >= 0, mid[1] <= 1, mid[0] < mid[1] else {
            throw ConfigError("[\(name)] mid_spectrum must be [lo, hi] with 0 <= lo < hi <= 1 (energy densities)")
        }
        s.midSpectrum = (mid[0], mid[1])
        let v = try t.doubles("v_range", default: [s.vMin, s.vMax])
        guard v.count == 2, v[0] > 0, v[1] > v[0], v[1].isFinite else { throw ConfigError("[\(name)] v_range must be [min, max] with 0 < min < max") }
        (s.vMin, s.vMax) = (v[0], v[1])
        s.vBins = try t.int("v_bins", default: s.vBins)
        guard s.vBins >= 1 && s.vBins <= 10_000 else { throw ConfigError("[\(name)] v_bins must be in 1...10000 (got \(s.vBins))") }
        let o = try t.doubles("omega_range", default: [s.omegaMin, s.omegaMax])
        guard o.count == 2, o[0] > 0, o[1] > o[0], o[1].isFinite else { throw ConfigError("[\(name)] omega_range must be [min, max] with 0 < min < max") }
        (s.omegaMin, s.omegaMax) = (o[0], o[1])
        s.omegaBins = try t.int("omega_bins", default: s.omegaBins)
        guard s.omegaBins >= 1 && s.omegaBins <= 10_000 else { throw ConfigError("[\(name)] omega_bins must be in 1...10000 (got \(s.omegaBins))") }
        return MatrixElementOptions(operatorSite: site, settings: s)
    }

    var canonical: String {
        let s = settings
        return "matrix_elements = true\noperator_site = \(operatorSite)\nwindow = \(s.window)\n"
            + "mid_spectrum = \(tomlList([s.midSpectrum.lo, s.midSpectrum.hi]))\nv_range = \(tomlList([s.vMin, s.vMax]))\nv_bins = \(s.vBins)\n"
            + "omega_range = \(tomlList([s.omegaMin, s.omegaMax]))\nomega_bins = \(s.omegaBins)\n"
    }

    func attributes(operatorScale: Double) -> [String: Double] {
        let s = settings
        return ["operator_site": Double(operatorSite), "operator_scale": operatorScale, "window": s.window,
                "mid_lo": s.midSpectrum.lo, "mid_hi": s.midSpectrum.hi, "v_min": s.vMin, "v_max": s.vMax, "v_bins": Double(s.vBins),
                "omega_min": s.omegaMin, "omega_max": s.omegaMax, "omega_bins": Double(s.omegaBins), "degeneracy": s.degeneracy]
    }

    func datasets(dimension d: Int, operatorName v: String) -> [DatasetSpec] {
        let nv = settings.vBins, no = settings.omegaBins
        return [
            DatasetSpec("v_diag", .float64, [d], units: "spin (hbar = 1)", description: "V_aa = <E_a|V|E_a> per eigenstate (ascending energy), V = \(v) on operator_site"),
            DatasetSpec("log_chi", .float64, [d], units: "log(1/energy^2)",
                        description: "log chi_a, chi_a = sum_{b != a} |V_ba|^2 / (E_b - E_a)^2 (fidelity susceptibility, seed eq. 123), pairs closer than `degeneracy` left out"),
            DatasetSpec("rho_vbar", .float64, [d], units: "1",
                        description: "rho v_bar of state a: (1/window) sum over partners b (0 < |E_b - E_a| <= window/2) of |V_ba| (seed eqs. 129-130)"),
            DatasetSpec("window_count", .float64, [d], units: "states", description: "number of partners b of state a in the window (rho = count / window)"),
            DatasetSpec("v_counts", .int64, [nv + 2], units: "pairs",
                        description: "rho(v) histogram: (a, b) with eps_a in [mid_lo, mid_hi) and b a partner of a, per log bin of |V_ba| on [v_min, v_max], then below v_min, then above v_max"),
            DatasetSpec("s_weight", .float64, [no + 2], units: "spin^2",
                        description: "(1/D) sum_{a != b, |E_b - E_a| in bin} |V_ba|^2 per log bin of omega on [omega_min, omega_max], then below omega_min (degenerate pairs included), then above omega_max"),
            DatasetSpec("s_diagonal_weight", .float64, units: "spin^2", description: "(1/D) sum_a V_aa^2: the omega = 0 weight of S, = C_zz(infinite time) <V^2>"),
            DatasetSpec("v2_mean", .float64, units: "spin^2", description: "<V^2> = tr(V^2)/D over the sector: the sum rule of S (all bins + below + above + diagonal)"),
            DatasetSpec("czz_time_average", .float64, units: "1",
                        description: "infinite-time average of tr(V(t) V)/tr(V^2) = sum_a V_aa^2 / tr(V^2) (non-degenerate spectrum)"),
            DatasetSpec("degenerate_pairs", .int64, units: "pairs", description: "ordered pairs a != b with |E_a - E_b| <= degeneracy"),
            DatasetSpec("seconds_matrix_elements", .float64, units: "s", description: "wall seconds: V U, the GEMM and the statistics pass"),
        ]
    }

    func rows(_ st: MatrixElementStatistics, operatorScale: Double, seconds: Double) -> [String: RowValue] {
        let v2 = operatorScale * operatorScale
        return [
            "v_diag": .float64(st.diagonal),
            "log_chi": .float64(st.chi.map { $0 > 0 ? log($0) : -Double.infinity }),
            "rho_vbar": .float64(st.windowSum.map { $0 / settings.window }),
            "window_count": .float64(st.windowCount),
            "v_counts": .int64(st.vCounts),
            "s_weight": .float64(st.spectralWeight),
            "s_diagonal_weight": .float64([st.diagonalWeight]),
            "v2_mean": .float64([v2]),
            "czz_time_average": .float64([st.diagonalWeight / v2]),
            "degenerate_pairs": .int64([st.degeneratePairs]),
            "seconds_matrix_elements": .float64([seconds]),
        ]
    }
}
