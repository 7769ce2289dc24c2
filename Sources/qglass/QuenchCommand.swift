import ArgumentParser
import Foundation
import QGlass

/// The flags of [quench]'s declared parameters.
private let quench = DeclaredFlags(QuenchStudy.self)

/// `qglass quench`: the S5 resonant-cluster quench from flags (the same
/// engine as `run`; the generated [quench] config is stored in the output).
/// The flags of [quench]'s keys come from its declaration (`DeclaredFlags`).
struct QuenchCommand: CampaignCommand {
    static let configuration = CommandConfiguration(
        commandName: "quench",
        abstract: "Quench of the L_s most resonant spins of SFS chains (study S5, same engine as `run`; the generated config is stored in the output).")

    @OptionGroup var chain: SFSChainFlags<QuenchStudy>
    @Option(quench, "Ls") var clusterSizes: String
    @Option(quench, "hx") var hx: String
    @OptionGroup var campaign: RealizationFlags
    @OptionGroup var group: EDGroupFlags
    @Option(quench, "t_min") var tMin: String?
    @Option(quench, "t_max") var tMax: String?
    @Option(quench, "per_decade") var perDecade: Int?
    @Option(quench, "check_eigenpairs") var checkEigenpairs: Int?
    @OptionGroup var output: GeneratedRunFlags

    /// The declared flags given, by key.
    var study: DeclaredFlagValues {
        DeclaredFlagValues(quench, chain.given + [("Ls", clusterSizes), ("hx", hx), ("t_min", tMin), ("t_max", tMax),
                                                  ("per_decade", perDecade.map(String.init)),
                                                  ("check_eigenpairs", checkEigenpairs.map(String.init))])
    }

    func run() throws {
        output.run(command: "quench", campaign: campaign.given + group.given, study: study.table + "\n")
    }
}
