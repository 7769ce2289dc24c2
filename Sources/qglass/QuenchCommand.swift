import ArgumentParser
import Foundation
import QGlass

/// `qglass quench`: the S5 resonant-cluster quench from flags (the same
/// engine as `run`; the generated [quench] config is stored in the output).
struct QuenchCommand: CampaignCommand {
    static let configuration = CommandConfiguration(
        commandName: "quench",
        abstract: "Quench of the L_s most resonant spins of SFS chains (study S5, same engine as `run`; the generated config is stored in the output).")

    @Option(name: .customLong("L"), help: "Chain sizes, comma separated.") var sizes: String
    @Option(name: .customLong("Ls"), help: "Cluster sizes (the L_s spins with the smallest |phi|), comma separated.") var clusterSizes: String
    @Option(help: "Interaction exponent alpha.") var alpha: String
    @Option(help: "Transverse field h_x.") var hx: String
    @Option(help: "Disorder realizations per (L, L_s) (a run holds at most \(CampaignLimits.maxTasks) tasks: points x realizations; larger counts are refused before anything is written).") var realizations: Int
    @Option(help: "Master seed.") var seed: Int
    @Option(help: "Index of the first realization.") var firstRealization = 0
    @Option(help: "Ranks per ED group (1 = LAPACK, >1 = ScaLAPACK).") var groupSize = 1
    @Option(help: "periodic or open.") var boundary = "periodic"
    @Option(help: "SFS relaxation order: greedy or sequential.") var order = "greedy"
    @Option(help: "First time of the log grid.") var tMin = "0.1"
    @Option(help: "Last time of the log grid.") var tMax = "1e10"
    @Option(help: "Grid points per decade.") var perDecade = 10
    @Option(help: "OpenBLAS threads per rank (default 1 keeps payloads bit-identical for any rank count).") var blasThreads = 1
    @Flag(help: "Store J [L, L] per task (otherwise the seed and disorder_stream regenerate it).") var storeDisorder = false
    @Option(help: "Output HDF5 file.") var out: String
    @OptionGroup var flags: CampaignFlags

    func run() throws {
        let text = generatedCampaignTable(command: "quench", seed: seed, realizations: realizations, firstRealization: firstRealization,
                                          solver: [("group_size", "\(groupSize)"), ("blas_threads", "\(blasThreads)")], output: out) + """
        [quench]
        L = \(numberList(sizes, flag: "--L", integers: true))
        Ls = \(numberList(clusterSizes, flag: "--Ls", integers: true))
        alpha = \(numberLiteral(alpha, flag: "--alpha"))
        hx = \(numberLiteral(hx, flag: "--hx"))
        boundary = \(tomlString(boundary))
        order = \(tomlString(order))
        t_min = \(numberLiteral(tMin, flag: "--t-min"))
        t_max = \(numberLiteral(tMax, flag: "--t-max"))
        per_decade = \(perDecade)
        store_disorder = \(storeDisorder)

        """
        runCampaign(configText: text, configPath: nil, output: out, flags: flags)
    }
}
