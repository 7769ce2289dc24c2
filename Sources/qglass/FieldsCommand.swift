import ArgumentParser
import Foundation
import QGlass

struct FieldsCommand: CampaignCommand {
    static let configuration = CommandConfiguration(
        commandName: "fields",
        abstract: "Effective fields of random or single-flip-stable states (study S2, same engine as `run`; the generated config is stored in the output).")

    @Option(help: "Model: lrsg (its h_x = 0 part).") var model = "lrsg"
    @Option(name: .customLong("L"), help: "System sizes, comma separated.") var sizes: String
    @Option(help: "Interaction exponents alpha, comma separated.") var alpha: String
    @Option(help: "random, sfs, or both (comma separated).") var state = "sfs"
    @Option(help: "SFS relaxation order: greedy or sequential.") var order = "greedy"
    @Option(help: "Disorder realizations per point (a run holds at most \(CampaignLimits.maxTasks) tasks: points x realizations).") var realizations: Int
    @Option(help: "Master seed.") var seed: Int
    @Option(help: "Index of the first realization.") var firstRealization = 0
    @Option(help: "periodic or open.") var boundary = "periodic"
    @Option(help: "Lower edge of the |phi| histogram.") var phiMin = "1e-4"
    @Option(help: "Upper edge of the |phi| histogram.") var phiMax = "100.0"
    @Option(help: "Histogram bins per decade.") var binsPerDecade = 10
    @Flag(help: "Store J [L, L] per task (otherwise the seed and disorder_stream regenerate it).") var storeDisorder = false
    @Option(help: "Output HDF5 file.") var out: String
    @OptionGroup var flags: CampaignFlags

    func run() throws {
        guard model == "lrsg" else { refuse("unknown model '\(model)'; known: lrsg") }
        let text = generatedCampaignTable(command: "fields", seed: seed, realizations: realizations, firstRealization: firstRealization,
                                          output: out) + """
        [fields]
        L = \(numberList(sizes, flag: "--L", integers: true))
        alpha = \(numberList(alpha, flag: "--alpha"))
        state = \(wordList(state, flag: "--state"))
        order = \(tomlString(order))
        boundary = \(tomlString(boundary))
        phi_min = \(numberLiteral(phiMin, flag: "--phi-min"))
        phi_max = \(numberLiteral(phiMax, flag: "--phi-max"))
        bins_per_decade = \(binsPerDecade)
        store_disorder = \(storeDisorder)

        """
        runCampaign(configText: text, configPath: nil, output: out, flags: flags)
    }
}
