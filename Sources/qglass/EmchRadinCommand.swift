import ArgumentParser
import Foundation
import QGlass

/// `qglass emch-radin`: an S9 campaign from flags (the same engine as `run`; the
/// generated `[emch_radin]` config is stored in the output). Interface contract:
///
///     qglass emch-radin --d 1 --alpha 2 --N 300 --samples 60 --seed S --out F.h5
///
/// `--samples` is the number of realizations (position samples) per (d, N, x).
struct EmchRadinCommand: CampaignCommand {
    static let configuration = CommandConfiguration(
        commandName: "emch-radin",
        abstract: "S9: exact Emch-Radin dynamics at RSA positions in a d-ball, as a campaign from flags (collective: launch with mpirun; docs/emch-radin.md).")

    @Option(name: .customLong("d"), help: "Dimensions (1, 2, 3), comma separated.") var d: String
    @Option(help: "Interaction exponents alpha, comma separated (per d only alpha >= d run).") var alpha: String
    @Option(name: .customLong("N"), help: "Spins per sample, comma separated.") var n: String
    @Option(help: "Packings x = N r_b^d / r_0^d, comma separated.") var x = "0.001"
    @Option(help: "Position samples (realizations) per (d, N, x) (a run holds at most \(CampaignLimits.maxTasks) tasks; larger counts are refused before anything is written).") var samples: Int
    @Option(help: "Master seed.") var seed: Int
    @Option(help: "Index of the first sample (for splitting samples over jobs).") var firstSample = 0
    @Option(help: "Time grid: smallest (gamma_m tau)^(d/alpha).") var decayMin = "0.01"
    @Option(help: "Time grid: largest (gamma_m tau)^(d/alpha).") var decayMax = "8.0"
    @Option(help: "Time grid points (log-spaced).") var tauPoints = 96
    @Option(help: "Interior spins: r_0 - |r_i| >= depth * r_0 N^(-1/d).") var interiorDepth = "2.0"
    @Option(help: "Store the positions (true) or only their stream key (false; they regenerate from seed, key and sample).") var storePositions = "true"
    @Option(help: "Output HDF5 file.") var out: String
    @OptionGroup var flags: CampaignFlags

    func run() throws {
        guard storePositions == "true" || storePositions == "false" else {
            refuse("--store-positions takes true or false (got '\(storePositions)')")
        }
        let text = generatedCampaignTable(command: "emch-radin", seed: seed, realizations: samples, firstRealization: firstSample,
                                          output: out) + """
        [emch_radin]
        d = \(numberList(d, flag: "--d", integers: true))
        alpha = \(numberList(alpha, flag: "--alpha"))
        N = \(numberList(n, flag: "--N", integers: true))
        x = \(numberList(x, flag: "--x"))
        decay_min = \(numberLiteral(decayMin, flag: "--decay-min"))
        decay_max = \(numberLiteral(decayMax, flag: "--decay-max"))
        tau_points = \(tauPoints)
        interior_depth = \(numberLiteral(interiorDepth, flag: "--interior-depth"))
        store_positions = \(storePositions)

        """
        runCampaign(configText: text, configPath: nil, output: out, flags: flags)
    }
}
