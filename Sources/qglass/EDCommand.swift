import ArgumentParser
import Foundation
import QGlass

/// `qglass ed`: a dense-ED (or lrsg mid-spectrum) campaign from flags. The
/// flags of the models' config keys come from the studies' declarations
/// (`DeclaredFlags`): a flag applies to the models whose study declares its
/// key, and is refused for the others rather than ignored.
struct EDCommand: CampaignCommand {
    static let configuration = CommandConfiguration(
        commandName: "ed", abstract: "Dense-ED campaign from flags (same engine as `run`; the generated config is stored in the output).")

    /// The studies of `--model`, by the model's name.
    static let models = DeclaredFlags(models: ["lrsg": LRSGStudy.self, "xxz": XXZStudy.self, "heisenberg-o3": HeisenbergO3Study.self])

    @Option(help: "Model (study): lrsg (S1), xxz (random-field XXZ chain, S^z sector), heisenberg-o3 (Heisenberg chain with O(3) random fields).") var model = "lrsg"
    @Option(models, "L") var sizes: String
    @Option(models, "alpha") var alpha: String?
    @Option(models, "hx") var hx: String?
    @Option(models, "W") var disorder: String?
    @Option(models, "delta") var delta: String?
    @Option(models, "sz") var sz: Int?
    @OptionGroup var campaign: RealizationFlags
    @OptionGroup var group: EDGroupFlags
    @Option(models, "boundary") var boundary: String?
    @Option(models, "eps_bins") var epsBins: Int?
    @Option(models, "store_eigenstates_max_L") var storeMaxL: Int?
    @Option(models, "check_eigenpairs") var checkEigenpairs: Int?
    @Option(DeclaredFlags.campaign, "lapack_driver", lead: "lrsg, xxz: ", note: " (heisenberg-o3 takes --complex-lapack-driver)")
    var lapackDriver: String?
    @Option(DeclaredFlags.campaign, "scalapack_driver", lead: "lrsg, xxz: ", note: " (heisenberg-o3 takes --complex-scalapack-driver)")
    var scalapackDriver: String?
    @Option(DeclaredFlags.campaign, "complex_lapack_driver", lead: "heisenberg-o3: ") var complexLapackDriver: String?
    @Option(DeclaredFlags.campaign, "complex_scalapack_driver", lead: "heisenberg-o3: ") var complexScalapackDriver: String?
    @Option(models, "disorder_from", note: ": FILE.h5 (a qglass lrsg campaign file: /lrsg/L{L}/J by realization) or FILE.h5:/dataset of shape [R, L, L] (realization r = row r); validated before the run, its SHA-256 is recorded")
    var disorderFrom: String?
    @Flag(models, "entanglement") var entanglement = false
    @Option(models, "solver") var solver: String?
    @Option(models, "k") var k: Int?
    @Option(models, "target_eps") var targetEps: String?
    @Option(models, "midspectrum_method", note: " (polfed: threads from --blas-threads)") var midspectrumMethod: String?
    @Option(models, "filter_degree") var filterDegree: Int?
    @OptionGroup var output: GeneratedRunFlags

    /// The study flags given, by key, in the order the refusals name them.
    func values(_ study: DeclaredFlags) -> DeclaredFlagValues {
        // "--solver dense" is what the dense-only models do anyway.
        let denseOnly = study.declared("solver") == nil && solver == Self.models["solver"].defaultValue.map(DeclaredFlags.flagText)
        return DeclaredFlagValues(study, [
            "L": sizes, "alpha": alpha, "hx": hx, "W": disorder, "delta": delta, "sz": sz.map(String.init), "disorder_from": disorderFrom,
            "solver": denseOnly ? nil : solver, "k": k.map(String.init), "target_eps": targetEps, "midspectrum_method": midspectrumMethod,
            "filter_degree": filterDegree.map(String.init), "entanglement": entanglement ? "true" : nil, "boundary": boundary,
            "eps_bins": epsBins.map(String.init), "store_eigenstates_max_L": storeMaxL.map(String.init),
            "check_eigenpairs": checkEigenpairs.map(String.init),
        ], strict: false)
    }

    /// The study table for `model`, from the flags that belong to it; flags of
    /// another model are refused rather than ignored, and so are the
    /// eigensolver drivers of the other number field (a given one would
    /// otherwise be ignored, yet stored in the canonical config).
    func studyTable() -> String {
        guard let study = Self.models.model(model) else {
            refuse("unknown model '\(model)'; known: \(Self.models.studies.map(\.name).joined(separator: ", "))")
        }
        let v = values(study)
        let drivers = model == "heisenberg-o3" ? [(lapackDriver != nil, "--lapack-driver"), (scalapackDriver != nil, "--scalapack-driver")]
            : [(complexLapackDriver != nil, "--complex-lapack-driver"), (complexScalapackDriver != nil, "--complex-scalapack-driver")]
        let foreign = v.foreign + drivers.filter(\.0).map(\.1)
        if !foreign.isEmpty { refuse("\(flagPhrase(foreign)) do\(foreign.count == 1 ? "es" : "") not apply to --model \(model)") }
        if let flag = v.missing.first { refuse("--model \(model) needs \(flag)") }
        if let why = v.requirementRefusal { refuse(why) }
        return v.table
    }

    func run() throws {
        // Flag values are validated here and written as given: a bad value is
        // refused naming the flag, never as an error in a generated config.
        let study = studyTable()
        output.run(command: "ed", campaign: campaign.given + group.given
                       + [("lapack_driver", lapackDriver), ("scalapack_driver", scalapackDriver),
                          ("complex_lapack_driver", complexLapackDriver), ("complex_scalapack_driver", complexScalapackDriver)],
                   study: study)
    }
}
