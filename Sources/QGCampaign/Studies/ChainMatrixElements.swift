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

    /// The keys of the option, declared once: written in the canonical text
    /// only with `matrix_elements = true` (and refused without it).
    static func parameters(maxL: Int) -> [Parameter] {
        let s = MatrixElementSettings()
        return [
            Parameter.bool("matrix_elements", default: false, help: "S10b matrix-element observables of V on operator_site").omittedAtDefault(),
            Parameter.int("operator_site", in: 0...(maxL - 1), default: 0, help: "site of the one-site operator V (< the smallest L)"),
            Parameter.double("window", lower: .above(0), default: s.window, unit: "J", help: "energy window of the partners b of a state a")
                .worded("finite and > 0"),
            Parameter.doubles("mid_spectrum", lower: .atLeast(0), upper: .atMost(1), default: [s.midSpectrum.lo, s.midSpectrum.hi], distinct: false,
                              unit: "1", help: "[lo, hi]: energy densities of the states a of the rho(v) histogram"),
            Parameter.doubles("v_range", lower: .above(0), default: [s.vMin, s.vMax], distinct: false, unit: "spin",
                              help: "[min, max] of the log bins of |V_ba|"),
            Parameter.int("v_bins", in: 1...10_000, default: s.vBins, help: "log bins of |V_ba|"),
            Parameter.doubles("omega_range", lower: .above(0), default: [s.omegaMin, s.omegaMax], distinct: false, unit: "J",
                              help: "[min, max] of the log bins of omega = |E_b - E_a|"),
            Parameter.int("omega_bins", in: 1...10_000, default: s.omegaBins, help: "log bins of omega"),
        ].map { $0.key == "matrix_elements" ? $0 : $0.requiring("matrix_elements") }
    }

    /// The options from the declared values (nil when off), with the checks across keys.
    static func options(_ v: ParameterValues, sizes: [Int]) throws -> MatrixElementOptions? {
        guard v.bool("matrix_elements") else { return nil }
        let name = v.table
        var s = MatrixElementSettings()
        let site = v.int("operator_site"), minL = sizes.min() ?? 2
        guard site < minL else { throw ConfigError("[\(name)] operator_site must be in 0..<\(minL) (the smallest L; got \(site))") }
        s.window = v.double("window")
        s.midSpectrum = try v.increasingPair("mid_spectrum", shape: "[lo, hi] with 0 <= lo < hi <= 1 (energy densities)")
        (s.vMin, s.vMax) = try v.increasingPair("v_range", shape: "[min, max] with 0 < min < max")
        s.vBins = v.int("v_bins")
        (s.omegaMin, s.omegaMax) = try v.increasingPair("omega_range", shape: "[min, max] with 0 < min < max")
        s.omegaBins = v.int("omega_bins")
        return MatrixElementOptions(operatorSite: site, settings: s)
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
