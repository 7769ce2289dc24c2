import ArgumentParser
import Foundation
import QGlass

/// The flags of [emch_radin]'s declared parameters.
private let emch = DeclaredFlags(EmchRadinStudy.self)

/// `qglass emch-radin`: an S9 campaign from flags (the same engine as `run`; the
/// generated `[emch_radin]` config is stored in the output). Interface contract:
///
///     qglass emch-radin --d 1 --alpha 2 --N 300 --samples 60 --seed S --out F.h5
///
/// `--samples` is the number of realizations (position samples) per (d, N, x).
/// The flags of [emch_radin]'s keys come from its declaration (`DeclaredFlags`).
struct EmchRadinCommand: CampaignCommand {
    static let configuration = CommandConfiguration(
        commandName: "emch-radin",
        abstract: "S9: exact Emch-Radin dynamics at RSA positions in a d-ball, as a campaign from flags (collective: launch with mpirun; docs/emch-radin.md).")

    @Option(emch, "d") var d: String
    @Option(emch, "alpha") var alpha: String
    @Option(emch, "N") var n: String
    @Option(emch, "x") var x: String?
    @OptionGroup var campaign: SampleFlags
    @Option(emch, "decay_min") var decayMin: String?
    @Option(emch, "decay_max") var decayMax: String?
    @Option(emch, "tau_points") var tauPoints: Int?
    @Option(emch, "interior_depth") var interiorDepth: String?
    @Option(emch, "store_positions") var storePositions: String?
    @OptionGroup var output: GeneratedRunFlags

    /// The declared flags given, by key.
    var study: DeclaredFlagValues {
        DeclaredFlagValues(emch, ["d": d, "alpha": alpha, "N": n, "x": x, "decay_min": decayMin, "decay_max": decayMax,
                                  "tau_points": tauPoints.map(String.init), "interior_depth": interiorDepth, "store_positions": storePositions])
    }

    func run() throws {
        output.run(command: "emch-radin", campaign: campaign.given, study: study.table + "\n")
    }
}
