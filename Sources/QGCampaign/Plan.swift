import Foundation

/// `qglass plan`: per output block, the problem size, memory per rank for a
/// range of group sizes, the estimated core-hours, and #SBATCH suggestions.
/// Local; no MPI, no allocation.
public struct CampaignPlanner {
    public var coresPerNode = 64
    public var memoryPerNodeGiB = 256.0
    public var wallHours = 24.0
    public init() {}

    public func report(_ plan: CampaignPlan) -> String {
        let study = plan.study
        let tasks = study.tasks
        let blocks = study.blocks
        let groups = [1, 2, 4, 8, 16, 32, 64]
        let memPerCore = memoryPerNodeGiB / Double(coresPerNode)
        var lines = ["qglass plan: study \(type(of: study).name), \(tasks.count) tasks; node = \(coresPerNode) cores, \(fmt(memoryPerNodeGiB, 0)) GiB (\(fmt(memPerCore, 2)) GiB/core)",
                     "cost models: docs/performance.md (ED), docs/classical.md (classical studies); one BLAS thread per rank",
                     "",
                     "memory per rank (GiB) for group sizes g:",
                     pad("block", -16) + pad("D", 8) + pad("tasks", 7) + "  " + groups.map { pad("g=\($0)", 8) }.joined() + pad("", 10) + pad("group", 6) + pad("core-h/task", 13) + pad("core-h", 10)]
        var totalCoreHours = 0.0
        var maxGroup = 1
        for (b, blk) in blocks.enumerated() {
            let bt = tasks.filter { $0.block == b }
            guard let t = bt.first else { continue }
            let mem = groups.map { Double(study.peakBytesPerRank(t, groupSize: $0)) / Double(1 << 30) }
            // Smallest group whose ranks fit the memory per core (with 10% headroom).
            let g = groups.first { Double(study.peakBytesPerRank(t, groupSize: $0)) / Double(1 << 30) <= 0.9 * memPerCore } ?? groups.last!
            maxGroup = max(maxGroup, g)
            let perTask = study.estimatedCoreSeconds(t, groupSize: g) / 3600
            totalCoreHours += perTask * Double(bt.count)
            lines.append(pad(blk.path, -16) + pad(blk.matrixDimension.map(String.init) ?? "-", 8) + pad("\(bt.count)", 7) + "  " + mem.map { pad(fmt($0, 2), 8) }.joined()
                         + pad("", 10) + pad("\(g)", 6) + pad(String(format: "%.2e", perTask), 13) + pad(fmt(perTask * Double(bt.count), 1), 10))
        }
        let nodes = max(1, Int((totalCoreHours / (Double(coresPerNode) * wallHours * 0.8)).rounded(.up)))
        let ranks = nodes * coresPerNode / maxGroup * maxGroup
        let hours = totalCoreHours / (Double(ranks) * 0.8)
        let limit = max(1, Int((hours * 1.3 * 60).rounded(.up)))
        lines += ["",
                  "total: \(fmt(totalCoreHours, 1)) core-hours; with \(nodes) node(s) about \(fmt(hours, 2)) h wall (80% packing efficiency)",
                  "largest group size needed: \(maxGroup) (set [campaign] group_size, or run large L as a separate array task)",
                  "",
                  "suggested #SBATCH lines:",
                  "#SBATCH --nodes=\(nodes)",
                  "#SBATCH --ntasks=\(ranks)",
                  "#SBATCH --cpus-per-task=1",
                  "#SBATCH --mem=0                       # whole node memory",
                  "#SBATCH --time=\(String(format: "%02d:%02d:00", limit / 60, limit % 60))",
                  "#SBATCH --signal=B:USR1@300          # graceful stop 5 min before the limit",
                  "#SBATCH --requeue                     # the script resumes its output file"]
        return lines.joined(separator: "\n")
    }

    func fmt(_ x: Double, _ d: Int) -> String { String(format: "%.\(d)f", x) }
}
