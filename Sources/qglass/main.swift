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

/// The root command; each subcommand lives in its own file (RunCommand.swift, EDCommand.swift, ...),
/// the options the campaign commands share in CampaignOptions.swift.
struct QGlassCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qglass",
        abstract: "Disordered quantum spin glasses: distributed ED campaigns, reduction and figures.",
        version: Provenance.version,  // `qglass --version` is answered before parsing (with the commit)
        subcommands: [RunCommand.self, EDCommand.self, FieldsCommand.self, PlanCommand.self, ReduceCommand.self, PlotCommand.self, BenchCommand.self, StudiesCommand.self, SchemaCommand.self, TheoryCommand.self, EmchRadinCommand.self, QuenchCommand.self])
}

// `qglass help NAME` with an unknown NAME: one line and exit status 2 (Arguments.swift).
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
