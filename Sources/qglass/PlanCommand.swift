import ArgumentParser
import Foundation
import QGlass

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
