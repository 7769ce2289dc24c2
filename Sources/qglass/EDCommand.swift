import ArgumentParser
import Foundation
import QGlass

struct EDCommand: CampaignCommand {
    static let configuration = CommandConfiguration(
        commandName: "ed", abstract: "Dense-ED campaign from flags (same engine as `run`; the generated config is stored in the output).")

    @Option(help: "Model (study): lrsg (S1), xxz (random-field XXZ chain, S^z sector), heisenberg-o3 (Heisenberg chain with O(3) random fields).") var model = "lrsg"
    @Option(name: .customLong("L"), help: "System sizes, comma separated.") var sizes: String
    @Option(help: "lrsg: interaction exponents alpha, comma separated.") var alpha: String?
    @Option(help: "lrsg: transverse fields h_x, comma separated.") var hx: String?
    @Option(name: .customLong("W"), help: "xxz, heisenberg-o3: disorder strengths W, comma separated.") var disorder: String?
    @Option(help: "xxz: anisotropy Delta (default 1).") var delta: String?
    @Option(help: "xxz: twice the total S^z of the sector (default: 0 for even L, 1 for odd L).") var sz: Int?
    @Option(help: "Disorder realizations per point (a run holds at most \(CampaignLimits.maxTasks) tasks: points x realizations; larger counts are refused before anything is written).") var realizations: Int
    @Option(help: "Master seed.") var seed: Int
    @Option(help: "Index of the first realization (for splitting realizations over jobs).") var firstRealization = 0
    @Option(help: "Ranks per ED group (1 = LAPACK, >1 = ScaLAPACK).") var groupSize = 1
    @Option(help: "lrsg: periodic or open (default periodic; the chain models are periodic).") var boundary: String?
    @Option(help: "lrsg: number of eps bins for the histograms (default 20).") var epsBins: Int?
    @Option(name: .customLong("store-eigenstates-max-L"), help: "lrsg: largest L whose per-eigenstate data is stored (default 14).") var storeMaxL: Int?
    @Option(help: "Eigenpairs checked per sector (residual and orthogonality).") var checkEigenpairs = 4
    @Option(help: "lrsg, xxz: dsyevd or dsyevr (default dsyevd; heisenberg-o3 takes --complex-lapack-driver).") var lapackDriver: String?
    @Option(help: "lrsg, xxz: pdsyevd or pdsyevr (default pdsyevd; heisenberg-o3 takes --complex-scalapack-driver).") var scalapackDriver: String?
    @Option(help: "heisenberg-o3: zheevd or zheevr (default: the measured-faster one, docs/performance.md).") var complexLapackDriver: String?
    @Option(help: "heisenberg-o3: pzheevd or pzheevr (default: the measured-faster one, docs/performance.md).") var complexScalapackDriver: String?
    @Option(help: "OpenBLAS threads per rank (default 1 keeps payloads bit-identical for any rank count; 0 = cores / ranks on the node).") var blasThreads = 1
    @Option(help: "lrsg: take J from FILE.h5 (a qglass lrsg campaign file: /lrsg/L{L}/J by realization) or FILE.h5:/dataset of shape [R, L, L] (realization r = row r); validated before the run, its SHA-256 is recorded.")
    var disorderFrom: String?
    @Flag(help: "lrsg: half-chain entanglement entropy of every eigenstate (dataset entropy, stored with energy, sector and eps at every L; off by default).") var entanglement = false
    @Option(help: "lrsg: dense (every eigenpair, LAPACK/ScaLAPACK) or midspectrum (the k eigenpairs per sector nearest --target-eps, SLEPc).") var solver = "dense"
    @Option(help: "lrsg, --solver midspectrum: eigenpairs per sector (default 100).") var k: Int?
    @Option(help: "lrsg, --solver midspectrum: target energy density eps in (0, 1) (default 0.5).") var targetEps: String?
    @Option(help: "lrsg, --solver midspectrum: auto (by L, measured crossover), shift-invert (MUMPS), filter (SLEPc's polynomial filter) or polfed (qglass's matrix-free polynomial filter, threads from --blas-threads).") var midspectrumMethod: String?
    @Option(help: "lrsg, --solver midspectrum: polynomial degree of the filter (0 = SLEPc's choice; polfed: from the density of states).") var filterDegree: Int?
    @Option(help: "Output HDF5 file.") var out: String
    @OptionGroup var flags: CampaignFlags

    /// The mid-spectrum lines of the lrsg table; the flags are refused with the dense solver.
    func solverLines() -> String {
        guard solver == "midspectrum" else {
            guard solver == "dense" else { refuse("--solver must be dense or midspectrum (got '\(solver)')") }
            let given = midspectrumFlags
            if !given.isEmpty { refuse("\(flagPhrase(given)) need\(given.count == 1 ? "s" : "") --solver midspectrum") }
            return ""
        }
        var text = "solver = \"midspectrum\"\n"
        if let k { text += "k = \(k)\n" }
        if let targetEps { text += "target_eps = \(numberLiteral(targetEps, flag: "--target-eps"))\n" }
        if let midspectrumMethod { text += "midspectrum_method = \(tomlString(midspectrumMethod))\n" }
        if let filterDegree { text += "filter_degree = \(filterDegree)\n" }
        return text
    }

    /// The mid-spectrum flags given on the command line.
    var midspectrumFlags: [String] {
        [(k != nil, "--k"), (targetEps != nil, "--target-eps"), (midspectrumMethod != nil, "--midspectrum-method"),
         (filterDegree != nil, "--filter-degree")].filter(\.0).map(\.1)
    }

    /// The study table for `model`, from the flags that belong to it; flags of
    /// another model are refused rather than ignored.
    func studyTable() -> String {
        func required(_ v: String?, _ flag: String) -> String {
            guard let v else { refuse("--model \(model) needs \(flag)") }
            return v
        }
        func forbidden(_ present: Bool, _ flag: String) {
            if present { refuse("\(flag) does not apply to --model \(model)") }
        }
        /// Refuses the given flags of another model in one line, naming them all.
        func forbidden(_ flags: [(Bool, String)]) {
            let given = flags.filter(\.0).map(\.1)
            if !given.isEmpty { refuse("\(flagPhrase(given)) do\(given.count == 1 ? "es" : "") not apply to --model \(model)") }
        }
        // The complex drivers apply to heisenberg-o3 only (a given one would
        // otherwise be ignored, yet stored in the canonical config).
        let complexDriverFlags = [(complexLapackDriver != nil, "--complex-lapack-driver"),
                                  (complexScalapackDriver != nil, "--complex-scalapack-driver")]
        switch model {
        case "lrsg":
            forbidden([(disorder != nil, "--W"), (delta != nil, "--delta"), (sz != nil, "--sz")] + complexDriverFlags)
            let source = disorderFrom.map { "disorder_from = \(tomlString($0))\n" } ?? ""
            return """
            [lrsg]
            L = \(numberList(sizes, flag: "--L", integers: true))
            alpha = \(numberList(required(alpha, "--alpha"), flag: "--alpha"))
            hx = \(numberList(required(hx, "--hx"), flag: "--hx"))
            boundary = \(tomlString(boundary ?? "periodic"))
            eps_bins = \(epsBins ?? 20)
            store_eigenstates_max_L = \(storeMaxL ?? 14)
            check_eigenpairs = \(checkEigenpairs)

            """ + source + (entanglement ? "entanglement = true\n" : "") + solverLines()
        case "xxz", "heisenberg-o3":
            // The lrsg-only flags, refused rather than ignored: the chain studies are periodic, have no eps
            // histograms or stored eigenstates, and compute no eigenstate entropies (issue 12).
            forbidden([(alpha != nil, "--alpha"), (hx != nil, "--hx"), (disorderFrom != nil, "--disorder-from"),
                       (solver != "dense", "--solver \(solver)"), (k != nil, "--k"), (targetEps != nil, "--target-eps"),
                       (midspectrumMethod != nil, "--midspectrum-method"), (filterDegree != nil, "--filter-degree"),
                       (entanglement, "--entanglement"), (boundary != nil, "--boundary"), (epsBins != nil, "--eps-bins"),
                       (storeMaxL != nil, "--store-eigenstates-max-L")])
            let table = model == "xxz" ? XXZStudy.name : HeisenbergO3Study.name
            var text = """
            [\(table)]
            L = \(numberList(sizes, flag: "--L", integers: true))
            W = \(numberList(required(disorder, "--W"), flag: "--W"))
            check_eigenpairs = \(checkEigenpairs)

            """
            if model == "xxz" {
                forbidden(complexDriverFlags)
                if let delta { text += "delta = \(numberLiteral(delta, flag: "--delta"))\n" }
                if let sz { text += "sz = \(sz)\n" }
            } else {
                // The complex Hermitian model: the real drivers would be ignored, so they are refused.
                forbidden([(delta != nil, "--delta"), (sz != nil, "--sz"),
                           (lapackDriver != nil, "--lapack-driver"), (scalapackDriver != nil, "--scalapack-driver")])
            }
            return text
        default:
            refuse("unknown model '\(model)'; known: lrsg, xxz, heisenberg-o3")
        }
    }

    func run() throws {
        // Flag values are validated here and written as given: a bad value is
        // refused naming the flag, never as an error in a generated config.
        let study = studyTable()
        let text = generatedCampaignTable(command: "ed", seed: seed, realizations: realizations, firstRealization: firstRealization,
                                          solver: [("group_size", "\(groupSize)"), ("blas_threads", "\(blasThreads)")]
                                              + (lapackDriver.map { [("lapack_driver", tomlString($0))] } ?? [])
                                              + (scalapackDriver.map { [("scalapack_driver", tomlString($0))] } ?? [])
                                              + (complexLapackDriver.map { [("complex_lapack_driver", tomlString($0))] } ?? [])
                                              + (complexScalapackDriver.map { [("complex_scalapack_driver", tomlString($0))] } ?? []),
                                          output: out) + study
        runCampaign(configText: text, configPath: nil, output: out, flags: flags)
    }
}
