import ArgumentParser
import Foundation
import QGlass

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

/// The flags of the `[campaign]` keys (`CampaignSettings.parameters`).
private let campaignFlags = DeclaredFlags.campaign

/// The [campaign] keys of the flag commands `ed`, `fields` and `quench`
/// (`emch-radin` names its realizations samples): realizations, master seed
/// and the first realization; help, range and default from the declaration.
struct RealizationFlags: ParsableArguments {
    @Option(campaignFlags, "realizations") var realizations: Int
    @Option(campaignFlags, "seed") var seed: Int
    @Option(campaignFlags, "first_realization") var firstRealization: Int?

    /// The keys given, values as typed.
    var given: [(key: String, value: String?)] {
        [("seed", "\(seed)"), ("realizations", "\(realizations)"), ("first_realization", firstRealization.map(String.init))]
    }
}

/// The same keys for `emch-radin`, whose realizations are position samples:
/// `--samples`, `--seed`, `--first-sample`.
struct SampleFlags: ParsableArguments {
    @Option(campaignFlags, "realizations", flag: "samples", lead: "Position samples per (d, N, x): ") var samples: Int
    @Option(campaignFlags, "seed") var seed: Int
    @Option(campaignFlags, "first_realization", flag: "first-sample", lead: "First sample: ") var firstSample: Int?

    /// The keys given, values as typed.
    var given: [(key: String, value: String?)] {
        [("seed", "\(seed)"), ("realizations", "\(samples)"), ("first_realization", firstSample.map(String.init))]
    }
}

/// The ED solver keys of the [campaign] table of the flag commands `ed` and `quench`.
struct EDGroupFlags: ParsableArguments {
    @Option(campaignFlags, "group_size") var groupSize: Int?
    @Option(campaignFlags, "blas_threads") var blasThreads: Int?

    /// `group_size` and `blas_threads`, values as typed.
    var given: [(key: String, value: String?)] {
        [("group_size", groupSize.map(String.init)), ("blas_threads", blasThreads.map(String.init))]
    }
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

/// The end of a flag command (`ed`, `fields`, `quench`, `emch-radin`): its
/// output file (`[campaign] output`, from the declaration) and the run
/// flags, and the run of the config generated from its flags.
struct GeneratedRunFlags: ParsableArguments {
    @Option(campaignFlags, "output", flag: "out") var out: String
    @OptionGroup var flags: CampaignFlags

    /// Runs the config of `command`: its `[campaign]` keys given (`campaign`,
    /// values as typed; the output added) and its study table.
    func run(command: String, campaign: [(key: String, value: String?)], study: String) -> Never {
        let text = generatedCampaignTable(command: command, campaign + [("output", out)]) + study
        runCampaign(configText: text, configPath: nil, output: out, flags: flags)
    }
}

/// The start of a config generated from a flag command: a comment naming the
/// command line, then the `[campaign]` table with a line for each `[campaign]`
/// flag given (`keys`: key and value as typed, nil when not given), in
/// declaration order, then a blank line before the study table. A flag left
/// out is left out of the table: the declared default applies in the parser.
func generatedCampaignTable(command: String, _ keys: [(key: String, value: String?)]) -> String {
    "# generated by: qglass \(command) \(CommandLine.arguments.dropFirst(2).joined(separator: " "))\n"
        + DeclaredFlagValues(DeclaredFlags.campaign, keys).table + "\n"
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

/// A subcommand that runs a campaign (it ends in `runCampaign`). Only these
/// catch stop signals; the others (reduce, plan, plot, theory, bench, ...)
/// keep the default actions, so that Ctrl-C ends them at once.
protocol CampaignCommand: ParsableCommand {}
