import ArgumentParser
import Foundation
import QGlass

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
