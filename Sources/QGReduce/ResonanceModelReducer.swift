import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// S10a's entry in the registry (study `rm`, docs/resonance-model.md, "The
/// `rm` campaign", and docs/hdf5-schema.md, "Resonance model") on the
/// reduction pipeline. The campaign is deterministic, so there is nothing to
/// average: a record is one done row of one family block (disorder fingerprint
/// 0), and the analysis gathers the curves of each family into `/rm/{floquet,
/// hamiltonian, exponents, drift, growth_diffusion}` (one row per task, the
/// campaign's datasets under the same names, NaN where a row is not done),
/// writes the parameters as attributes, and prints and stores (`report`) a
/// short text with the numerical checks: the sum-rule residuals of
/// [S(omega)], C_zz(0) - 1, the limits of F, the drift root and ell_delta, the
/// growth-diffusion balances. Figures: python/qglass_plot_rm.py.
extension ResonanceModelStudy: PipelineStudy {
    static var plotEntry: String { "qglass_plot_rm:plot" }

    /// One done row of a family block: its values per dataset, in the block's dataset order.
    struct Record: ReductionRecord {
        struct Key: Hashable, Codable, CustomStringConvertible {
            var block: String, row: Int
            var description: String { "(\(block) row \(row))" }
        }
        var key: Key
        var origin: TaskOrigin
        var disorder: DisorderFingerprint { 0 }
        var values: [[Double]]
    }

    /// Nothing is averaged over inputs: exactly one.
    static func checkOptions(_ options: ReduceOptions, plans: [CampaignPlan]) -> [String] {
        options.inputs.count == 1 ? []
            : ["the rm study is deterministic: reduce exactly one campaign file (got \(options.inputs.count)); nothing is averaged over inputs"]
    }

    /// Local: the done rows of one family block, every dataset read as float64.
    static func read(_ b: TaskBlock, corrupt: inout [CorruptTask]) throws -> [Record] {
        let spec = b.declaration
        let done = try b.column("done", UInt8.self)
        let columns = try spec.datasets.map { try b.column($0.name, Double.self) }
        let lengths = spec.datasets.map { $0.rowShape.reduce(1, *) }
        return done.indices.filter { done[$0] == 1 }.map { r in
            Record(key: .init(block: b.block, row: b.rows.lowerBound + r), origin: b.origin(r),
                   values: zip(columns, lengths).map { Array($0[(r * $1)..<((r + 1) * $1)]) })
        }
    }

    /// Rank 0: the families' curves (NaN where a row is not done), the checks and the report.
    static func analyse(_ records: [Record], context: ReductionContext, out: ReducedWriter, warnings: inout [String]) throws -> [String] {
        guard let study = context.plans.first?.study as? ResonanceModelStudy else { throw ReduceError(message: "not an rm campaign") }
        // family name -> [(dataset name, shape, values)]
        var data: [String: [(String, [Int], [Double])]] = [:]
        var done: [String: [UInt8]] = [:]
        for blk in study.blocks {
            let fam = Family.allCases.first { "/rm/" + $0.block == blk.path }!.name
            let rows = records.filter { $0.key.block == blk.path }
            var flags = [UInt8](repeating: 0, count: blk.rows)
            for r in rows { flags[r.key.row] = 1 }
            done[fam] = flags
            data[fam] = blk.datasets.enumerated().map { k, spec in
                let n = spec.rowShape.reduce(1, *)
                var v = [Double](repeating: .nan, count: blk.rows * n)
                for r in rows { v.replaceSubrange((r.key.row * n)..<((r.key.row + 1) * n), with: r.values[k]) }
                return (spec.name, [blk.rows] + spec.rowShape, v)
            }
        }

        func column(_ fam: String, _ name: String) -> [Double] { data[fam]!.first { $0.0 == name }!.2 }
        var report: [String] = ["S10a resonance model (J = 1, Lambda = \(study.Lambda), L = \(study.L))"]
        report.append("  sum rule: int_{omega_lo < |omega| < J} [S(omega)] domega + F(r_lo) = 1 (eq. 52; for 1/xi >= 0 this is int S + [C_zz] = 1)")
        report.append("  model        1/xi     [C_zz](L)    int S        sum-rule residual   C_zz(0)-1   small-r     large-r     dF/dr+p")
        var worst = 0.0
        for fam in ["floquet", "hamiltonian"] {
            let ix = column(fam, "inverse_xi"), cz = column(fam, "czz_L"), w = column(fam, "sum_rule_weight")
            let sr = column(fam, "sum_rule_residual"), t0 = column(fam, "czz_t0_residual"), sm = column(fam, "small_r_residual")
            let lg = column(fam, "large_r_residual"), pd = column(fam, "p_derivative_residual")
            for r in ix.indices {
                worst = max(worst, abs(sr[r]))
                report.append("  " + fam.padding(toLength: 11, withPad: " ", startingAt: 0) + String(format: "%7.3f  %11.6f  %11.8f  %18.3e  %11.3e %11.3e %11.3e %11.3e",
                                                                                                   ix[r], cz[r], w[r], sr[r], t0[r], sm[r], lg[r], pd[r]))
            }
        }
        report.append(String(format: "  largest |sum-rule residual|: %.3e", worst))
        let ell = column("drift", "ell_delta")[0], root = column("drift", "root_residual")[0]
        report.append(String(format: "  drift (Fig. 9, W_c = %g, delta = %g): ell_delta = %.4f (fit on L <= %g), max |[C_zz](W_delta) - delta| = %.2e",
                             study.driftWc, study.driftDelta, ell, study.driftFitLMax, root))
        let lams = column("growth_diffusion", "Lambda"), f0 = column("growth_diffusion", "F0_residual")
        let mb = column("growth_diffusion", "mass_balance_residual"), mf = column("growth_diffusion", "min_F_minus_F1")
        let tail = column("growth_diffusion", "tail_slope")
        for k in lams.indices {
            report.append(String(format: "  growth-diffusion Lambda = %g: F(0)-1 = %.2e, mass balance %.2e, min(F - F1) = %.2e, tail d log p/d log r = %.3f",
                                 lams[k], f0[k], mb[k], mf[k], tail[k]))
        }
        let text = report.joined(separator: "\n")

        try out.file.setAttribute("report", text)
        try out.group("/rm")
        try out.attrs("/rm", ["Lambda": study.Lambda, "L": study.L, "J": 1, "zeta_c": ResonanceModel.zetaC, "slope_omega": study.slopeOmega,
                              "max_abs_sum_rule_residual": worst])
        for fam in Family.allCases.map(\.name) {
            let g = "/rm/" + fam
            try out.group(g)
            try out.putFlag(g + "/done", done[fam]!)
            for (name, shape, v) in data[fam]! { try out.put(g + "/" + name, v, shape) }
        }
        try out.attrs("/rm/drift", ["Wc": study.driftWc, "delta": study.driftDelta, "fit_L_max": study.driftFitLMax])
        try out.attrs("/rm/growth_diffusion", ["inverse_xi": study.gdInverseXi, "field_over_W": study.gdField])
        return report
    }
}
