import ArgumentParser
import Foundation
import QGlass

/// The flags of [fields]'s declared parameters.
private let fields = DeclaredFlags(FieldsStudy.self)

/// `qglass fields`: the S2 effective fields from flags (the same engine as `run`; the generated [fields] config is stored in
/// the output). The flags of [fields]'s keys come from its declaration (`DeclaredFlags`).
struct FieldsCommand: CampaignCommand {
    static let configuration = CommandConfiguration(
        commandName: "fields",
        abstract: "Effective fields of random or single-flip-stable states (study S2, same engine as `run`; the generated config is stored in the output).")

    @Option(help: "Model: lrsg (its h_x = 0 part).") var model = "lrsg"
    @OptionGroup var chain: SFSChainFlags<FieldsStudy>
    @Option(fields, "state") var state: String?
    @OptionGroup var campaign: RealizationFlags
    @Option(fields, "phi_min") var phiMin: String?
    @Option(fields, "phi_max") var phiMax: String?
    @Option(fields, "bins_per_decade") var binsPerDecade: Int?
    @OptionGroup var output: GeneratedRunFlags

    /// The declared flags given, by key.
    var study: DeclaredFlagValues {
        DeclaredFlagValues(fields, chain.given + [("state", state), ("phi_min", phiMin), ("phi_max", phiMax),
                                                  ("bins_per_decade", binsPerDecade.map(String.init))])
    }

    func run() throws {
        guard model == "lrsg" else { refuse("unknown model '\(model)'; known: lrsg") }
        output.run(command: "fields", campaign: campaign.given, study: study.table + "\n")
    }
}
