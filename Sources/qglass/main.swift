import ArgumentParser
import Foundation
import QGlass

/// World rank from the launcher's environment, known before MPI_Init (so that
/// argument errors are printed once, by rank 0).
let launcherRank = Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_RANK"]
    ?? ProcessInfo.processInfo.environment["PMI_RANK"] ?? ProcessInfo.processInfo.environment["SLURM_PROCID"] ?? "0") ?? 0

// First of all, before MPI_Init or any thread: where OpenBLAS fell back to
// its generic kernels on a CPU it does not know, start again with the kernel
// family the CPU supports (BLASKernel; a user's OPENBLAS_CORETYPE is kept).
if let failure = BLASKernel.adoptPreferredKernel(), launcherRank == 0 {
    FileHandle.standardError.write(Data(("warning: " + failure + "\n").utf8))
}


func say(_ s: String) {
    print(s)
    fflush(nil)
}

func complain(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// Flags shared by the campaign commands (run, ed, fields).
struct CampaignFlags: ParsableArguments {
    @Flag(help: "Overwrite an existing output file.") var force = false
    @Flag(help: "Continue an existing output file: completed tasks are kept, the rest are computed.") var resume = false
    @Flag(help: "Remove the output's lock file (<out>.lock) left by a run that is gone, e.g. one on another host, instead of refusing.")
    var breakLock = false
    @Option(help: "Seconds between progress lines (a heartbeat line only when no task finished during an interval).") var progressInterval = 5.0
    @Flag(help: "Print nothing on stdout (errors still go to stderr).") var quiet = false

    func validate() throws {
        guard progressInterval.isFinite, progressInterval > 0 else {
            refuse("--progress-interval must be a number of seconds > 0 (got \(progressInterval))")
        }
    }
}

/// A refusal before MPI starts: world rank 0 (from the launcher's
/// environment) prints one line on stderr; every rank exits with status 2.
func refuse(_ message: String) -> Never {
    if launcherRank == 0 { complain("error: \(message)") }
    exit(2)
}

/// Local, before MPI_Init, on every rank: the checks that need only the file
/// system, so that their refusals are one line without MPI's shutdown noise.
/// The config is read and parsed when every rank can read it (otherwise the
/// checks are left to rank 0 after MPI_Init); then the output's folder is
/// checked, and a file to resume must open as HDF5 (unless another run holds
/// its lock: that refusal comes from the lock, after MPI_Init).
func preflight(configText: String?, configPath: String?, output: String?, flags: CampaignFlags, overrides: [String]) {
    if flags.force && flags.resume { refuse("--force and --resume exclude each other") }
    var text = configText
    if text == nil, let configPath {
        text = try? String(contentsOfFile: configPath, encoding: .utf8)
    }
    var out = output
    var plan: CampaignPlan? = nil
    if let t = text {
        do {
            let applied = try ConfigDocument.applying(overrides: overrides, to: t)
            plan = try CampaignPlan(configText: applied)
            try plan?.checkRunnable()
            out = out ?? plan?.settings.output
        } catch {
            refuse("\(error)")
        }
    }
    guard let out else { return }
    if let r = Campaign.preflight(output: out, resume: flags.resume) { refuse(r) }
    // The task cap, the one size check that answers the same on every rank.
    // The file against the free disk and the memory of each node's ranks are
    // checked collectively after MPI_Init (`Campaign.claimOutput`), where a
    // refusal of any rank on any node stops all and is printed once.
    if let plan, let r = Campaign.uniformSizeRefusal(plan: plan) { refuse(r) }
    if flags.resume, FileManager.default.fileExists(atPath: out), !FileManager.default.fileExists(atPath: OutputLock.path(for: out)),
       let r = Campaign.checkReadable(out) {
        refuse(r)
    }
}

/// Runs a campaign under MPI: config text is read on rank 0 and broadcast.
/// Config and input errors are the same on every rank: rank 0 reports them and
/// all ranks exit with status 2. A failing task aborts the whole job (after
/// the failing rank reports it), so no rank hangs in a collective; completed
/// tasks are already safe in the file.
func runCampaign(configText: String?, configPath: String?, output: String?, flags: CampaignFlags, overrides: [String] = []) -> Never {
    preflight(configText: configText, configPath: configPath, output: output, flags: flags, overrides: overrides)
    var status: Int32 = 0
    do {
        status = try MPIEnvironment.run { world in
            var text = configText ?? ""
            var readError = ""
            if world.rank == 0, let configPath {
                do { text = try String(contentsOfFile: configPath, encoding: .utf8) } catch { readError = "cannot read config \(configPath): \(error.localizedDescription)" }
            }
            readError = try world.broadcast(string: readError)
            if !readError.isEmpty {
                if world.rank == 0 { complain("error: \(readError)") }
                return 2
            }
            text = try world.broadcast(string: text)
            do {
                text = try ConfigDocument.applying(overrides: overrides, to: text)
                // The stored config names the file it was written to.
                if let output { text = try ConfigDocument.settingOutput(output, in: text) }
            } catch {
                if world.rank == 0 { complain("error: \(error)") }
                return 2
            }
            var options = RunOptions(configText: text, output: output, force: flags.force, resume: flags.resume)
            options.breakLock = flags.breakLock
            options.progressInterval = flags.progressInterval
            let printing = world.rank == 0 && !flags.quiet
            if printing { options.heartbeat = { say($0) } }
            do {
                return try Campaign.run(world: world, options: options, log: { line in if printing { say(line) } })
            } catch let e as ConfigError {
                if world.rank == 0 { complain("error: \(e)") }
                return 2
            } catch let e as CampaignError {
                if world.rank == 0 { complain("error: \(e)") }
                return 2
            } catch {
                complain("error (rank \(world.rank)): \(error)")
                MPIEnvironment.abort(code: 1)
            }
        }
    } catch {
        complain("error (rank \(launcherRank)): \(error)")
        exit(1)
    }
    exit(status)
}

/// The start of a config generated from a flag command: a comment naming the
/// command line, then the `[campaign]` table with seed, realizations, first
/// realization, the command's solver keys (`solver`, in order, values already
/// TOML) and the output, then a blank line before the study table.
func generatedCampaignTable(command: String, seed: Int, realizations: Int, firstRealization: Int,
                            solver: [(key: String, value: String)] = [], output: String) -> String {
    var lines = ["# generated by: qglass \(command) \(CommandLine.arguments.dropFirst(2).joined(separator: " "))",
                 "[campaign]", "seed = \(seed)", "realizations = \(realizations)", "first_realization = \(firstRealization)"]
    lines += solver.map { "\($0.key) = \($0.value)" }
    lines.append("output = \(tomlString(output))")
    return lines.joined(separator: "\n") + "\n\n"
}

/// One number of a flag, validated before any config is generated: finite,
/// kept as written when it is a TOML number literal (so the stored config
/// shows what the user typed), else Swift's shortest form of its value.
func numberLiteral(_ item: String, flag: String) -> String {
    let t = item.trimmingCharacters(in: .whitespaces)
    guard let x = Double(t), x.isFinite, !t.lowercased().contains("x"), !t.lowercased().contains("p") else {
        refuse("\(flag): '\(t)' is not a finite number")
    }
    if t.range(of: #"^[+-]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"#, options: .regularExpression) != nil { return t }
    return "\(x)"
}

/// A comma-separated list of numbers from a flag, as a TOML array.
func numberList(_ csv: String, flag: String, integers: Bool = false) -> String {
    let items = csv.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    guard !items.isEmpty, !items.contains(where: \.isEmpty) else { refuse("\(flag): expected a comma-separated list of numbers (got '\(csv)')") }
    if integers {
        // Written in TOML's form (no leading zeros or '+'), which is how users type integers anyway.
        var ints: [String] = []
        for i in items {
            guard let n = Int(i) else { refuse("\(flag): '\(i)' is not an integer") }
            ints.append(String(n))
        }
        return "[" + ints.joined(separator: ", ") + "]"
    }
    return "[" + items.map { numberLiteral($0, flag: flag) }.joined(separator: ", ") + "]"
}

/// Flags named in a sentence: "--a", "--a and --b", "--a, --b and --c".
func flagPhrase(_ flags: [String]) -> String {
    flags.count <= 1 ? flags.joined() : flags.dropLast().joined(separator: ", ") + " and " + flags.last!
}

/// A comma-separated list of words from a flag, as a TOML array of strings.
func wordList(_ csv: String, flag: String) -> String {
    let items = csv.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    guard !items.isEmpty, !items.contains(where: \.isEmpty) else { refuse("\(flag): expected a comma-separated list (got '\(csv)')") }
    return "[" + items.map(tomlString).joined(separator: ", ") + "]"
}

struct QGlassCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qglass",
        abstract: "Disordered quantum spin glasses: distributed ED campaigns, reduction and figures.",
        version: Provenance.version,  // `qglass --version` is answered before parsing (with the commit)
        subcommands: [RunCommand.self, EDCommand.self, FieldsCommand.self, PlanCommand.self, ReduceCommand.self, PlotCommand.self, BenchCommand.self, StudiesCommand.self, SchemaCommand.self, TheoryCommand.self, EmchRadinCommand.self, QuenchCommand.self])
}

struct RunCommand: CampaignCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the campaign described by a TOML config (collective: launch with mpirun).",
        discussion: """
        Before anything is allocated or written the run checks its size and refuses (one line, exit status 2): more than \
        \(CampaignLimits.maxTasks) tasks (points x realizations; split realizations over jobs with [campaign] first_realization), \
        an output file larger than the free space of its folder, or more memory than this node has available.
        """)

    @Argument(help: "Campaign config (TOML).") var config: String
    @Option(help: "Output HDF5 file (overrides [campaign] output).") var out: String?
    @OptionGroup var flags: CampaignFlags
    @Option(name: .customLong("set"), help: "Override a config value: table.key=value (TOML value), e.g. lrsg.L=[12]. Repeatable.")
    var overrides: [String] = []

    func run() throws {
        runCampaign(configText: nil, configPath: config, output: out, flags: flags, overrides: overrides)
    }
}

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

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Estimate memory per rank, core-hours, the output file's size and #SBATCH lines for a config (local, no MPI).",
        discussion: """
        The config as written comes first, on a line 'configured group_size = G: ...' with its core-hours and whether it fits \
        (memory per rank, one task within the --hours limit); the #SBATCH lines run it when it fits. The planner's choice of \
        group per block follows as the alternative. Costed per output block from one task each (never the full task list). \
        A run holds at most \(CampaignLimits.maxTasks) tasks (points x realizations); the plan says when a config is past that cap.
        """)

    @Argument(help: "Campaign config (TOML).") var config: String
    @Option(help: "Cores per cluster node.") var coresPerNode = 64
    @Option(help: "Memory per cluster node in GiB.") var memPerNode = 256.0
    @Option(help: "Target wall time in hours.") var hours = 24.0
    @Option(help: "MPI ranks per node (default: one per core); fewer ranks get more memory each and cores/ranks BLAS threads.") var ranksPerNode: Int?
    @Option(name: .customLong("set"), help: "Override a config value: table.key=value.") var overrides: [String] = []

    func run() throws {
        guard coresPerNode >= 1, memPerNode > 0, memPerNode.isFinite, hours > 0, hours.isFinite else {
            complain("error: plan needs --cores-per-node >= 1, --mem-per-node > 0 and --hours > 0")
            throw ExitCode(2)
        }
        guard let raw = try? String(contentsOfFile: config, encoding: .utf8) else {
            complain("error: cannot read config \(config) (missing or not readable)")
            throw ExitCode(2)
        }
        do {
            let text = try ConfigDocument.applying(overrides: overrides, to: raw)
            let plan = try CampaignPlan(configText: text)
            try plan.checkRunnable()
            var planner = CampaignPlanner()
            planner.coresPerNode = coresPerNode
            planner.memoryPerNodeGiB = memPerNode
            planner.wallHours = hours
            if let r = ranksPerNode {
                guard r >= 1 && r <= coresPerNode else {
                    complain("error: --ranks-per-node must be in 1...\(coresPerNode) (the cores per node)")
                    throw ExitCode(2)
                }
                planner.ranksPerNode = r
            }
            print(planner.report(plan))
        } catch let e as ConfigError {
            complain("error: \(e)")
            throw ExitCode(2)
        }
    }
}

struct ReduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reduce",
        abstract: "Merge campaign files into disorder averages, crossings and collapses (collective; under mpirun the reading is spread over ranks).",
        discussion: """
        Each study reduces its own files: the inputs' study attribute picks the study's reducer from the registry. \
        Strict by default: a missing, unreadable or damaged input, a reduced file, a file of another study, \
        of a study this qglass does not know or cannot reduce, or of a newer schema_version, \
        an unfinished campaign or a corrupt task is an error (exit status 2, one line per problem). \
        The output is never an input (compared by device and inode) and is written through a temporary file \
        renamed at the end.
        """)

    @Argument(help: "Campaign HDF5 files (several sizes, jobs, array tasks or resumed runs).") var inputs: [String]
    @Option(help: "Reduced HDF5 file.") var out: String
    @Option(help: "Bootstrap resamples of realizations, \(ReduceOptions.bootstrapRange.lowerBound)...\(ReduceOptions.bootstrapRange.upperBound) (their memory, resamples x realizations per point, is checked against the available memory).") var bootstrap = 200
    @Option(help: "S1 (lrsg, with its S6a entanglement), chains (xxz, heisenberg_o3) and S8 drh: eps window lo,hi of the eigenstate averages, inside [0, 1] (eps = (E - E_min)/(E_max - E_min); a warning otherwise); S1 uses whole histogram bins whose centre lies in [lo, hi) (a warning when that moves an edge).") var epsWindow = "0.4,0.6"
    @Option(help: "S1 and chains: disorder average, 'realization' (mean of per-realization means, the default) or 'pooled' (all eigenstates of all realizations together).") var average = "realization"
    @Option(help: "S2: |phi| window lo,hi of the power-law fit of p(phi); lo = auto picks the smallest well-sampled bin.") var phiFitWindow = "auto,1"
    @Option(help: "S3: growth-exponent fit window lo,hi as fractions of the steps.") var growthWindow = "0.01,1"
    @Flag(help: "Overwrite an existing output file (never an input).") var force = false
    @Flag(help: "Accept unfinished campaigns (task counts are printed and stored) and skip corrupt tasks (each named).") var allowPartial = false

    /// Local: one line on stderr (rank 0 only) and exit status 2.
    func refuse(_ s: String) -> ExitCode {
        if launcherRank == 0 { complain("error: \(s)") }
        return ExitCode(2)
    }

    func run() throws {
        let w = epsWindow.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard w.count == 2, w.allSatisfy(\.isFinite) else { throw refuse("--eps-window takes lo,hi (two numbers), got '\(epsWindow)'") }
        guard let avg = DisorderAverage(rawValue: average) else {
            throw refuse("--average takes \(DisorderAverage.allCases.map(\.rawValue).joined(separator: " or ")), got '\(average)'")
        }
        var options = ReduceOptions(inputs: inputs, output: out)
        options.bootstrapSamples = bootstrap
        if let why = options.bootstrapRefusal { throw refuse(why) }
        options.epsWindow = (w[0], w[1])
        options.force = force
        options.allowPartial = allowPartial
        options.average = avg
        let pw = phiFitWindow.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pw.count == 2, let phiHi = Double(pw[1]), pw[0] == "auto" || Double(pw[0]) != nil else {
            throw refuse("--phi-fit-window takes lo,hi (lo may be 'auto'), got '\(phiFitWindow)'")
        }
        options.phiFitMin = Double(pw[0])
        options.phiFitMax = phiHi
        let gw = growthWindow.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard gw.count == 2, gw[0] >= 0, gw[0] < gw[1], gw[1] <= 1 else { throw refuse("--growth-window takes lo,hi with 0 <= lo < hi <= 1, got '\(growthWindow)'") }
        options.growthWindow = (gw[0], gw[1])
        var status: Int32 = 0
        do {
            status = try MPIEnvironment.run { world in
                do {
                    return try Reducer.run(world: world, options: options, log: { if world.rank == 0 { say($0) } })
                } catch let e as ReduceError {
                    if world.rank == 0 { for line in e.message.split(separator: "\n") { complain("error: \(line)") } }
                    return 2
                }
            }
        } catch {
            complain("error: \(error)")
            status = 1
        }
        if status != 0 { throw ExitCode(status) }
    }
}

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot", abstract: "Draw the figures of a reduced file (matplotlib via python/qglass_plot.py).",
        discussion: """
        The reduced file names its figures: its attribute plot_module ("module:function", recorded by the study's reducer) \
        is the function in python/ that python/qglass_plot.py calls. Refused with exit status 2 and one line, before any \
        folder is created: an unknown format, a file that is not a reduced file, a schema_version newer than this qglass, \
        a study this qglass does not know or cannot reduce, a file without plot_module.
        """)

    @Argument(help: "Reduced HDF5 file from `qglass reduce`.") var reduced: String
    @Option(help: "Folder for the figures.") var out: String
    @Option(help: "Formats, comma separated (\(PlotCommand.formats.joined(separator: ", "))).") var format = "png,svg"

    /// File formats that matplotlib's savefig writes without extra packages.
    static let formats = ["png", "svg", "svgz", "pdf", "eps", "ps", "pgf", "jpg", "jpeg", "tif", "tiff", "webp", "raw", "rgba"]

    /// The plotting script: $QGLASS_PLOT_SCRIPT, else python/qglass_plot.py in
    /// the first ancestor folder of the executable that has one.
    static func script() -> String? {
        if let s = ProcessInfo.processInfo.environment["QGLASS_PLOT_SCRIPT"], !s.isEmpty { return s }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            let candidate = dir.appendingPathComponent("python/qglass_plot.py").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    /// Local: why `reduced` cannot be plotted, or nil. Nothing is created.
    func refusal() -> String? {
        let fmts = format.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if let bad = fmts.first(where: { !Self.formats.contains($0) }) {
            return "unknown --format '\(bad)'; matplotlib writes \(Self.formats.joined(separator: ", "))"
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: reduced, isDirectory: &isDir) else { return "\(reduced): no such file" }
        if isDir.boolValue { return "\(reduced): is a folder, not a reduced file" }
        // A reduced file of this build's schema or older, of a study with a reducer, naming its plot module.
        if let why = Reducer.plotRefusal(reduced) { return why }
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDir), !isDir.boolValue { return "--out \(out) exists and is not a folder" }
        return nil
    }

    func run() throws {
        if let why = refusal() {
            complain("error: \(why)")
            throw ExitCode(2)
        }
        guard let script = Self.script() else {
            complain("error: cannot find python/qglass_plot.py; set QGLASS_PLOT_SCRIPT")
            throw ExitCode(2)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, reduced, "--out", out, "--format", format.lowercased()]
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus != 0 { throw ExitCode(p.terminationStatus) }
    }
}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the linked BLAS/LAPACK: DGEMM rate and dense eigensolver time (local, one process).")

    @Option(help: "Matrix dimension for DGEMM.") var gemmN = 2048
    @Option(help: "Eigensolver dimensions, comma separated (0 = skip).") var eigN = "2048"
    @Option(help: "OpenBLAS threads.") var threads = 1
    @Option(help: "Repeats (median reported).") var repeats = 3
    @Option(name: .customLong("operator-L"), help: "Also time the matrix-free LRSG sector operator (polfed's kernel) at this L (0 = skip): microseconds per vector of one fused Chebyshev step, with --threads threads.") var operatorL = 0
    @Option(help: "Vectors per block for --operator-L.") var operatorBlock = 16

    static let maxN = 32768

    /// Local: the eigensolver sizes, or a one-line refusal (before any allocation).
    func checked() throws -> [Int] {
        func refuse(_ s: String) -> ExitCode { complain("error: bench: " + s); return ExitCode(2) }
        guard (1...Self.maxN).contains(gemmN) else { throw refuse("--gemm-n must be in 1...\(Self.maxN) (got \(gemmN))") }
        guard (1...1024).contains(threads) else { throw refuse("--threads must be in 1...1024 (got \(threads))") }
        guard (1...1000).contains(repeats) else { throw refuse("--repeats must be in 1...1000 (got \(repeats))") }
        guard operatorL == 0 || (3...24).contains(operatorL) else { throw refuse("--operator-L must be 0 or in 3...24 (got \(operatorL))") }
        guard (1...256).contains(operatorBlock) else { throw refuse("--operator-block must be in 1...256 (got \(operatorBlock))") }
        var sizes: [Int] = []
        for item in eigN.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let n = Int(item), (0...Self.maxN).contains(n) else {
                throw refuse("--eig-n takes comma-separated sizes in 0...\(Self.maxN), 0 = skip (got '\(item)' in '\(eigN)')")
            }
            if n > 0 { sizes.append(n) }
        }
        // DGEMM holds 3 n^2 doubles; an eigensolve about 3 n^2 (matrix, vectors, workspace).
        let peak = 8 * 3 * max(gemmN * gemmN, (sizes.max() ?? 0) * (sizes.max() ?? 0))
        if let avail = Provenance.availableMemory(), peak > avail {
            throw refuse(String(format: "needs %.1f GiB for n = %d but %.1f GiB are available", Double(peak) / Double(1 << 30),
                                max(gemmN, sizes.max() ?? 0), Double(avail) / Double(1 << 30)))
        }
        return sizes
    }

    func run() throws {
        let sizes = try checked()
        BLASThreads.set(threads)
        var out: [String] = ["\"blas_core\": \"\(BLASThreads.coreName)\"", "\"blas_core_choice\": \"\(BLASKernel.choice)\"", "\"threads\": \(threads)"]
        out.append("\"dgemm_n\": \(gemmN)")
        out.append("\"dgemm_gflops\": \(LinearAlgebraBenchmark.dgemmGflops(n: gemmN, repeats: repeats))")
        for n in sizes {
            for d in LAPACKDriver.allCases {
                out.append("\"\(d.rawValue)_n\(n)_seconds\": \(try LinearAlgebraBenchmark.eigensolveSeconds(n: n, driver: d, repeats: repeats))")
            }
        }
        if operatorL > 0 {
            let us = LRSGSectorOperator.benchmarkMicrosecondsPerVector(L: operatorL, block: operatorBlock, threads: threads, repeats: repeats)
            out.append("\"lrsg_operator_L\(operatorL)_block\(operatorBlock)_us_per_vector\": \(us)")
        }
        print("{" + out.joined(separator: ", ") + "}")
    }
}

struct StudiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "studies", abstract: "List the studies this build knows.")
    func run() throws {
        for s in StudyRegistry.all { print("[\(s.name)]  \(s.summary)") }
    }
}

/// `qglass schema [STUDY] [--markdown]`: the study's declared parameters
/// and output columns (`StudySchema`), all studies without STUDY.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print a study's parameters (key, type, default, range, unit, help) and output columns, from its declarations.")
    @Argument(help: "The study (its table name, e.g. drh); all studies when omitted.") var study: String?
    @Flag(help: "Markdown, the form of docs/study-tables.md (all studies: the whole file).") var markdown = false
    func run() throws {
        let text: String
        do {
            text = try output()
        } catch let e as ConfigError {
            refuse("schema: the example config does not parse (a bug in the declaration): \(e.message)")
        }
        print(text, terminator: "")
    }

    func output() throws -> String {
        let names = StudyRegistry.all.map { $0.name }
        guard let study else {
            if markdown { return try StudySchema.markdownDocument() }
            var parts: [String] = []
            for s in StudyRegistry.all { parts.append(try StudySchema.text(s)) }
            return parts.joined(separator: "\n")
        }
        guard let s = StudyRegistry.find(study) else {
            let hint = closestName(to: study, among: names).map { " (did you mean '\($0)'?)" } ?? ""
            refuse("schema: unknown study '\(study)'\(hint); known: \(names.joined(separator: ", "))")
        }
        if markdown { return try StudySchema.markdown(s) }
        return try StudySchema.text(s)
    }
}

/// `qglass help NAME...`: ArgumentParser answers an unknown NAME with the
/// root help and exit status 0; refuse it with one line and status 2.
func refuseUnknownHelpTopic(_ args: [String]) {
    guard args.first == "help" else { return }
    var command: ParsableCommand.Type = QGlassCommand.self
    for name in args.dropFirst() where !name.hasPrefix("-") {
        if name == "help" { return }
        let subs = command.configuration.subcommands
        guard let sub = subs.first(where: { $0.configuration.commandName == name }) else {
            if launcherRank == 0 {
                complain("error: no help topic '\(name)'; " + (subs.isEmpty ? "'\(command.configuration.commandName ?? "")' has no subcommands"
                    : "known: " + subs.compactMap { $0.configuration.commandName }.joined(separator: ", ")))
            }
            exit(2)
        }
        command = sub
    }
}
refuseUnknownHelpTopic(Array(CommandLine.arguments.dropFirst()))

/// The arguments with negative values joined to their options (`--xi -20` is
/// `--xi=-20`); a mistyped subcommand is refused here (Arguments.swift).
let arguments = CommandLineArguments.prepared(Array(CommandLine.arguments.dropFirst()))

/// `qglass bench` with an unparsable option value (e.g. `--threads abc`):
/// one line and exit status 2 instead of ArgumentParser's usage block.
if arguments.first == "bench" {
    do {
        _ = try QGlassCommand.parseAsRoot(arguments)
    } catch {
        if QGlassCommand.exitCode(for: error) != .success {
            let message = QGlassCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            complain("error: bench: " + message)
            exit(2)
        }
    }
}

/// A subcommand that runs a campaign (it ends in `runCampaign`). Only these
/// catch stop signals; the others (reduce, plan, plot, theory, bench, ...)
/// keep the default actions, so that Ctrl-C ends them at once.
protocol CampaignCommand: ParsableCommand {}

// A campaign's stop requests (SIGTERM/SIGINT/SIGUSR1) are caught from the
// first moment, so a signal that arrives while a rank is still starting
// cannot kill it. A second SIGINT aborts; rank 0 alone says so on stderr.
if QGlassCommand.configuration.subcommands.contains(where: {
    $0 is any CampaignCommand.Type && $0.configuration.commandName == arguments.first
}) {
    StopSignal.install(announce: launcherRank == 0)
}

if CommandLine.arguments.count == 2 && CommandLine.arguments[1] == "--version" {
    if launcherRank == 0 { print("qglass \(Provenance.version) (commit \(Provenance.gitCommit()), HDF5 schema \(Provenance.schemaVersion))") }
    exit(0)
}

if launcherRank != 0 {
    // Only rank 0 prints argument errors and help.
    do {
        var cmd = try QGlassCommand.parseAsRoot(arguments)
        try cmd.run()
    } catch {
        exit(QGlassCommand.exitCode(for: error).rawValue)
    }
} else {
    QGlassCommand.main(arguments)
}
