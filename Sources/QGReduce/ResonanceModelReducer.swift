import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// S10a's entry in the registry (study `rm`, docs/resonance-model.md, "The
/// `rm` campaign", and docs/hdf5-schema.md, "Resonance model"). The campaign
/// is deterministic, so there is nothing to average: the reducer gathers the
/// curves of each family into `/rm/{floquet, hamiltonian, exponents, drift,
/// growth_diffusion}` (one row per task, the campaign's datasets under the same
/// names), writes the parameters as attributes, and prints and stores
/// (`report`) a short text with the numerical checks: the sum-rule residuals of
/// [S(omega)], C_zz(0) - 1, the limits of F, the drift root and ell_delta, the
/// growth-diffusion balances. Figures: python/qglass_plot_rm.py.
extension ResonanceModelStudy: ReducibleStudy {
    static var plotEntry: String { "qglass_plot_rm:plot" }

    static func reduce(world: Communicator, options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        guard world.rank == 0 else { return 0 }
        return try ResonanceModelReducer.run(options: options, log: log, survey: survey)
    }
}

enum ResonanceModelReducer {
    static let groups: [(ResonanceModelStudy.Family, String)] = [
        (.floquet, "floquet"), (.hamiltonian, "hamiltonian"), (.exponents, "exponents"), (.drift, "drift"), (.growthDiffusion, "growth_diffusion"),
    ]

    static func run(options: ReduceOptions, log: (String) -> Void, survey: InputSurvey) throws -> Int32 {
        guard options.inputs.count == 1 else {
            throw ReduceError(message: "the rm study is deterministic: reduce exactly one campaign file (got \(options.inputs.count)); nothing is averaged over inputs")
        }
        let path = options.inputs[0]
        var study: ResonanceModelStudy!
        // family name -> [(dataset name, shape, values)]
        var data: [String: [(String, [Int], [Double])]] = [:]
        var done: [String: [UInt8]] = [:]
        do {
            try HDF5File.with(path: path, mode: .readOnly) { f in
                let plan = try CampaignPlan(configText: try f.stringAttribute("config_canonical"))
                guard let s = plan.study as? ResonanceModelStudy else { throw ReduceError(message: "not an rm campaign") }
                study = s
                for blk in s.blocks {
                    let fam = groups.first { "/rm/" + $0.0.block == blk.path }!.1
                    let d = try f.openDataset(blk.path + "/done").readAll(as: UInt8.self)
                    done[fam] = d
                    if !options.allowPartial, let r = d.firstIndex(where: { $0 != 1 }) {
                        throw ReduceError(message: "\(blk.path) row \(r) is not done (pass --allow-partial to reduce the finished rows; the others are NaN)")
                    }
                    for spec in blk.datasets {
                        let ds = try f.openDataset(blk.path + "/" + spec.name)
                        var v = try ds.readAll(as: Double.self)
                        let n = ds.rowLength
                        for (r, ok) in d.enumerated() where ok != 1 {
                            for k in (r * n)..<((r + 1) * n) { v[k] = .nan }
                        }
                        data[fam, default: []].append((spec.name, ds.shape, v))
                    }
                }
            }
        } catch let e as ReduceError {
            throw ReduceError(message: "\(path): \(e.message)")
        } catch {
            throw ReduceError(message: "\(path): cannot be read (\(error))")
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

        try writeAtomically(options.output, force: options.force) { f in
            try writeCommonAttributes(f, study: ResonanceModelStudy.self, options: options, survey: survey, skipped: 0)
            try f.setAttribute("report", text)
            let out = ReducedWriter(file: f)
            try out.group("/rm")
            try out.attr("Lambda", study.Lambda, on: "/rm")
            try out.attr("L", study.L, on: "/rm")
            try out.attr("J", 1, on: "/rm")
            try out.attr("zeta_c", ResonanceModel.zetaC, on: "/rm")
            try out.attr("slope_omega", study.slopeOmega, on: "/rm")
            try out.attr("max_abs_sum_rule_residual", worst, on: "/rm")
            for (_, fam) in groups {
                let g = "/rm/" + fam
                try out.group(g)
                try out.putFlag(g + "/done", done[fam]!)
                for (name, shape, v) in data[fam]! { try out.put(g + "/" + name, v, shape) }
            }
            try out.attr("Wc", study.driftWc, on: "/rm/drift")
            try out.attr("delta", study.driftDelta, on: "/rm/drift")
            try out.attr("fit_L_max", study.driftFitLMax, on: "/rm/drift")
            try out.attr("inverse_xi", study.gdInverseXi, on: "/rm/growth_diffusion")
            try out.attr("field_over_W", study.gdField, on: "/rm/growth_diffusion")
        }
        log(text)
        return 0
    }
}
