import Foundation

/// `qglass plan`: per output block, the problem size, memory per rank for a
/// range of group sizes, the group that fits, the wall time of one task on
/// it, the estimated core-hours, and #SBATCH suggestions whose time limit and
/// stop-signal lead are sized from that task wall time. Local; no MPI, no
/// allocation.
public struct CampaignPlanner {
    public var coresPerNode = 64
    public var memoryPerNodeGiB = 256.0
    /// The longest job the user can (or wants to) run, in hours.
    public var wallHours = 24.0
    /// MPI ranks per node (nil: one per core). Fewer ranks give each more
    /// memory and cores / ranks BLAS threads.
    public var ranksPerNode: Int?
    public init() {}

    public var ranksOnNode: Int { max(1, min(ranksPerNode ?? coresPerNode, coresPerNode)) }
    /// BLAS threads per rank.
    public var threadsPerRank: Int { max(1, coresPerNode / ranksOnNode) }

    /// Group sizes tried, smallest first: powers of two up to the config
    /// limit of `group_size` (4096).
    public static let candidateGroups = (0...12).map { 1 << $0 }
    /// Group sizes shown as memory columns.
    public static let shownGroups = [1, 2, 4, 8, 16, 32, 64]
    /// Sector dimension from which full ED is the wrong tool for mid-spectrum
    /// statistics (L >= 18): 5 D^2 doubles = 640 GiB and ~10^2 core-hours per
    /// realization, almost all of it for eigenpairs outside the eps window.
    public static let fullEDLimit = 1 << 17
    /// Fraction of the memory per core a rank may plan to use.
    public static let memoryHeadroom = 0.9
    /// Packing efficiency of tasks on ranks assumed for the job's wall time.
    public static let packing = 0.8

    /// One block's plan.
    public struct BlockPlan {
        public var path: String
        public var dimension: Int?
        public var tasks: Int
        /// GiB per rank for each of `shownGroups`.
        public var memoryShown: [Double]
        /// The smallest candidate group whose ranks fit the memory per core; nil if none up to 4096.
        public var group: Int?
        /// GiB per rank on `group` (or on the largest candidate when none fits).
        public var memoryAtGroup: Double
        /// Wall seconds of one task on its group (nil when no group fits).
        public var taskWallSeconds: Double?
        public var coreHoursPerTask: Double?
        /// When no candidate fits: the smallest power of two beyond 4096 (up
        /// to 2^20) that would fit, if any.
        public var groupBeyondLimit: Int?
        /// Full ED of this block should be replaced by a mid-spectrum solver.
        public var fullEDWrongTool: Bool
        /// The solver path chosen (nil: the study offers only the configured one).
        public var solverPath: SolverPath?
        /// Why this group and path: the memory of the paths tried.
        public var why: String = ""
        /// The group was raised beyond the smallest that fits so that one task fits the wall limit.
        public var groupRaised = false
    }

    /// Job-level sizing derived from the block plans.
    public struct JobPlan {
        public var totalCoreHours: Double
        public var maxGroup: Int
        public var nodes: Int
        public var ranks: Int
        /// Estimated wall hours of all the (fitting) work on `ranks`.
        public var hours: Double
        /// Longest wall time of one task, seconds.
        public var taskWallSeconds: Double
        /// Stop-signal lead (seconds before the limit): longer than one task.
        public var signalLeadSeconds: Int
        /// Suggested --time, minutes.
        public var limitMinutes: Int
        /// False when one task plus the lead does not fit `wallHours`.
        public var tasksCanFinish: Bool
        /// Expected number of job submissions (requeues) to finish the work.
        public var submissions: Int
    }

    /// Memory per rank: the node's memory shared by the ranks on it.
    public var memoryPerCoreGiB: Double { memoryPerNodeGiB / Double(ranksOnNode) }

    /// Per block: the smallest group, and on it the first (fastest) solver
    /// path, whose memory per rank fits; the reasons are kept in `why`.
    /// Costed per block from one representative task
    /// (`CampaignPlan.representativeTasks`): the task list is never built.
    public func blockPlans(_ plan: CampaignPlan) -> [BlockPlan] {
        let study = plan.study
        let reps = plan.representativeTasks()
        let budget = Self.memoryHeadroom * memoryPerCoreGiB
        let paths = study.solverPaths
        let alternatives = paths.count > 1
        var out: [BlockPlan] = []
        for (b, blk) in study.blocks.enumerated() {
            guard let t = reps[b] else { continue }
            func gib(_ g: Int, _ path: SolverPath) -> Double {
                Double(path.bytesPerRank(t, g)) / Double(1 << 30)
            }
            var choice: (g: Int, path: SolverPath)?
            for g in Self.candidateGroups {
                if let p = paths.first(where: { gib(g, $0) <= budget }) { choice = (g, p); break }
            }
            let path = choice?.path ?? paths.last!
            var p = BlockPlan(path: blk.path, dimension: blk.matrixDimension, tasks: blk.rows, memoryShown: Self.shownGroups.map { gib($0, path) },
                              group: choice?.g, memoryAtGroup: gib(choice?.g ?? Self.candidateGroups.last!, path), taskWallSeconds: nil,
                              coreHoursPerTask: nil,
                              groupBeyondLimit: choice == nil ? (13...20).map { 1 << $0 }.first { gib($0, path) <= budget } : nil,
                              fullEDWrongTool: (blk.matrixDimension ?? 0) >= Self.fullEDLimit && !study.isMidSpectrum)
            if alternatives {
                p.solverPath = path
                let g = choice?.g ?? Self.candidateGroups.last!
                let tried = paths.map { q in "\(q.label) \(fmt(gib(g, q), 2)) GiB" + (gib(g, q) <= budget ? " fits" : " > \(fmt(budget, 2))") }
                p.why = "g = \(g): " + tried.joined(separator: ", ")
                if g > 1 {
                    p.why = "g = \(g / 2): " + paths.map { "\($0.label) \(fmt(gib(g / 2, $0), 2)) GiB" }.joined(separator: ", ") + " > \(fmt(budget, 2)); " + p.why
                }
            }
            if var g = choice?.g {
                func core(_ g: Int) -> Double { path.coreSeconds(t, g) }
                // A task longer than the job limit (with its stop lead) can
                // never finish: a larger group shortens it (issue 15: L = 22).
                func fits(_ g: Int) -> Bool { core(g) / Double(g * threadsPerRank) * 1.25 + 180 <= wallHours * 3600 }
                if !fits(g), let larger = Self.candidateGroups.first(where: { $0 > g && fits($0) }) {
                    p.why += (p.why.isEmpty ? "" : "; ") + "raised from g = \(g) to g = \(larger) so that one task fits the \(fmt(wallHours, 1)) h limit"
                    p.groupRaised = true
                    g = larger
                    p.group = g
                    p.memoryAtGroup = gib(g, path)
                }
                p.coreHoursPerTask = core(g) / 3600
                p.taskWallSeconds = core(g) / Double(g * threadsPerRank)
            }
            out.append(p)
        }
        return out
    }

    /// The config as written (issue 21): every block on the configured
    /// `group_size` with the configured solver path. `group` is nil for a
    /// block whose ranks do not fit the memory per rank (`memoryAtGroup`
    /// says how much they need); the wall time is given either way.
    public func configuredPlans(_ plan: CampaignPlan) -> [BlockPlan] {
        let study = plan.study
        let g = plan.settings.groupSize
        let reps = plan.representativeTasks()
        let budget = Self.memoryHeadroom * memoryPerCoreGiB
        let paths = study.solverPaths
        let path = paths.first { $0.isConfigured(g) } ?? .configured(study)
        var out: [BlockPlan] = []
        for (b, blk) in study.blocks.enumerated() {
            guard let t = reps[b] else { continue }
            let gib = { (h: Int) in Double(path.bytesPerRank(t, h)) / Double(1 << 30) }
            let core = path.coreSeconds(t, g)
            out.append(BlockPlan(path: blk.path, dimension: blk.matrixDimension, tasks: blk.rows, memoryShown: Self.shownGroups.map(gib),
                                 group: gib(g) <= budget ? g : nil, memoryAtGroup: gib(g), taskWallSeconds: core / Double(g * threadsPerRank),
                                 coreHoursPerTask: core / 3600, groupBeyondLimit: nil,
                                 fullEDWrongTool: (blk.matrixDimension ?? 0) >= Self.fullEDLimit && !study.isMidSpectrum,
                                 solverPath: paths.count > 1 ? path : nil))
        }
        return out
    }

    public func jobPlan(_ blocks: [BlockPlan]) -> JobPlan {
        let fitting = blocks.filter { $0.group != nil }
        let total = fitting.reduce(0.0) { $0 + $1.coreHoursPerTask! * Double($1.tasks) }
        let maxGroup = fitting.map { $0.group! }.max() ?? 1
        let taskWall = fitting.map { $0.taskWallSeconds! }.max() ?? 0
        // The stop signal must come more than one task before the limit, so
        // that in-flight tasks finish and are written; 25% + 2 min margin.
        let lead = max(300, Int((taskWall * 1.25 + 120).rounded(.up)))
        let cap = wallHours * 3600
        // In-flight tasks finish after the signal only if the lead (longer
        // than one task) fits in the limit, with a minute to start.
        let canFinish = Double(lead) + 60 <= cap
        // Compute hours one job offers before its stop signal, with 30% slack.
        let perJob = max(taskWall, (cap - Double(lead)) / 1.3) / 3600
        // Enough nodes for the work in one job, and for one group.
        // (No fitting block, e.g. the config as written past the memory: no work, one node.)
        let forWork = perJob > 0 ? Int(min(1e9, (total / (Double(coresPerNode) * perJob * Self.packing)).rounded(.up))) : 1
        let forGroup = (maxGroup + ranksOnNode - 1) / ranksOnNode
        let nodes = max(1, forWork, forGroup)
        let ranks = max(maxGroup, nodes * ranksOnNode / maxGroup * maxGroup)
        // A job cannot be shorter than its longest task.
        let hours = max(total / (Double(ranks * threadsPerRank) * Self.packing), taskWall / 3600)
        let wanted = hours * 1.3 * 3600 + Double(lead)
        let limit = max(1, Int((min(wanted, cap) / 60).rounded(.up)))
        let useful = max(60.0, Double(limit) * 60 - Double(lead))
        let submissions = max(1, Int((hours * 1.3 * 3600 / useful).rounded(.up)))
        return JobPlan(totalCoreHours: total, maxGroup: maxGroup, nodes: nodes, ranks: ranks, hours: hours, taskWallSeconds: taskWall,
                       signalLeadSeconds: lead, limitMinutes: limit, tasksCanFinish: canFinish, submissions: submissions)
    }

    /// Whether the config as written runs here, and if not why: the first
    /// block whose ranks do not fit the memory per rank, or a task that
    /// cannot finish within the limit with its stop lead.
    func configuredVerdict(_ configured: [BlockPlan], _ job: JobPlan) -> (fits: Bool, why: String) {
        let budget = Self.memoryHeadroom * memoryPerCoreGiB
        if let b = configured.first(where: { $0.group == nil }) {
            return (false, "\(b.path) needs \(fmt(b.memoryAtGroup, 2)) GiB per rank, over \(fmt(budget, 2)) GiB (\(Int(Self.memoryHeadroom * 100))% of \(fmt(memoryPerCoreGiB, 2)))")
        }
        if configured.isEmpty { return (false, "no tasks") }
        if !job.tasksCanFinish {
            return (false, "one task takes \(duration(job.taskWallSeconds)); with its stop lead it does not fit the \(fmt(wallHours, 1)) h limit")
        }
        let mem = configured.map(\.memoryAtGroup).max() ?? 0
        return (true, "\(fmt(mem, 2)) GiB per rank within \(fmt(budget, 2)) GiB, longest task \(duration(job.taskWallSeconds)) within the \(fmt(wallHours, 1)) h limit")
    }

    public func report(_ plan: CampaignPlan) -> String {
        let study = plan.study
        let blocks = blockPlans(plan)
        let job = jobPlan(blocks)
        let configured = configuredPlans(plan)
        let cjob = jobPlan(configured)
        let G = plan.settings.groupSize
        let verdict = configuredVerdict(configured, cjob)
        let unfitted = configured.filter { $0.group == nil }.count
        let size = plan.size()
        let groups = Self.shownGroups
        let hh = { (m: Int) in String(format: "%02d:%02d:00", m / 60, m % 60) }
        var lines = ["qglass plan: study \(type(of: study).name), \(size.tasks) tasks; node = \(coresPerNode) cores, \(fmt(memoryPerNodeGiB, 0)) GiB, \(ranksOnNode) ranks (\(fmt(memoryPerCoreGiB, 2)) GiB/rank); target wall time \(fmt(wallHours, 1)) h",
                     "cost models: docs/performance.md (ED), docs/classical.md (classical studies); \(threadsPerRank) BLAS thread(s) per rank",
                     "",
                     // The config as written first (issue 21): its group, its solver path, its cost.
                     "configured group_size = \(G): \(fmt(cjob.totalCoreHours, 1)) core-hours"
                        + (unfitted == 0 ? "" : " (of the blocks that fit; \(unfitted) block(s) cannot run on it)")
                        + (configured.first?.solverPath.map { ", solver path \($0.label)" } ?? "")
                        + (verdict.fits ? "; fits: \(verdict.why)" : "; DOES NOT FIT: \(verdict.why)"),
                     "output file: about \(byteText(size.fileBytes)) (\(size.tasks) tasks, allocated in full when the layout is created); "
                        + "memory per rank on group_size = \(G): one task \(byteText(size.taskBytesPerRank)) + task list \(byteText(size.driverBytesPerRank))"]
        if size.tasks > CampaignLimits.maxTasks {
            lines.append("OVER THE TASK CAP: \(size.tasks) tasks exceed the cap of \(CampaignLimits.maxTasks) per run; `qglass run` refuses this config: "
                         + "split the realizations over jobs with [campaign] first_realization")
        }
        lines += ["",
                  "the planner's alternative: group = smallest g (1...4096) whose ranks fit \(Int(Self.memoryHeadroom * 100))% of the memory per rank"
                    + (study.solverPaths.count < 2 ? "" : ", with the first solver path that fits (fastest first: " + study.solverPaths.map(\.label).joined(separator: ", ") + ")")
                    + "; task wall = one task on its group",
                  "memory per rank (GiB) for group sizes g:",
                  pad("block", -16) + pad("D", 8) + pad("tasks", 7) + "  " + groups.map { pad("g=\($0)", 8) }.joined()
                    + pad("group", 7) + pad("GiB/rank", 10) + pad("task wall", 11) + pad("core-h/task", 13) + pad("core-h", 10)]
        for b in blocks {
            let wall = b.taskWallSeconds.map(duration) ?? "-"
            lines.append(pad(b.path, -16) + pad(b.dimension.map(String.init) ?? "-", 8) + pad("\(b.tasks)", 7) + "  "
                         + b.memoryShown.map { pad(fmt($0, 2), 8) }.joined()
                         + pad(b.group.map(String.init) ?? "none", 7) + pad(fmt(b.memoryAtGroup, 2), 10) + pad(wall, 11)
                         + pad(b.coreHoursPerTask.map { String(format: "%.2e", $0) } ?? "-", 13)
                         + pad(b.coreHoursPerTask.map { fmt($0 * Double(b.tasks), 1) } ?? "-", 10))
        }
        var notes: [String] = []
        for b in blocks {
            if let path = b.solverPath, case let configured = path.isConfigured(b.group ?? Self.candidateGroups.last!),
               !configured || b.groupRaised {
                // Said when the plan departs from the config's path or from the smallest group that fits.
                let keys = path.settings.map { "--set " + $0 }.joined(separator: " ")
                notes.append(configured
                             ? "\(b.path): solver path \(path.label) (as configured) because \(b.why)"
                             : "\(b.path): use solver path \(path.label) (\(keys)) instead of the config's, because \(b.why)")
            } else if b.solverPath == nil && !b.why.isEmpty {
                notes.append("\(b.path): \(b.why)")
            }
        }
        for b in blocks where b.group == nil {
            let would = b.groupBeyondLimit.map { "a group of \($0) ranks would fit, beyond the group_size limit of \(Self.candidateGroups.last!)" }
                ?? "no group of up to 2^20 ranks fits"
            notes.append("NO GROUP FITS \(b.path): \(fmt(b.memoryAtGroup, 2)) GiB per rank even with g = \(Self.candidateGroups.last!) ranks "
                         + "(\(fmt(memoryPerCoreGiB, 2)) GiB/core); \(would); not included below")
        }
        for b in blocks where b.fullEDWrongTool {
            let d = b.dimension ?? 0
            let mem = 5.0 * Double(d) * Double(d) * 8 / Double(1 << 30)
            notes.append("FULL ED IS THE WRONG TOOL for \(b.path): full ED of D = \(d) per sector (2 sectors) needs ~\(fmt(mem, 0)) GiB "
                         + (b.coreHoursPerTask.map { "and ~\(fmt($0, 0)) core-h " } ?? "")
                         + "per realization, almost all for eigenpairs outside the eps window; use the mid-spectrum solver ([lrsg] solver = \"midspectrum\")")
        }
        for b in blocks {
            if let g = b.group, g > coresPerNode {
                notes.append("\(b.path): its group of \(g) ranks spans \((g + coresPerNode - 1) / coresPerNode) nodes")
            }
        }
        lines.append("")
        lines += notes
        if !notes.isEmpty { lines.append("") }

        // The job: the config as written when it fits, else the planner's alternative.
        let chosen = verdict.fits ? cjob : job
        if verdict.fits {
            lines.append("the #SBATCH lines below run the config as written (group_size = \(G))")
        } else {
            guard blocks.contains(where: { $0.group != nil }) else {
                lines.append("no block fits any group size up to \(Self.candidateGroups.last!) on these nodes: no #SBATCH lines")
                return lines.joined(separator: "\n")
            }
            lines.append("the config as written does not fit; the #SBATCH lines below run the planner's alternative (set [campaign] group_size = \(job.maxGroup) and the solver paths of the notes)")
        }
        lines += ["total: \(fmt(chosen.totalCoreHours, 1)) core-hours; with \(chosen.nodes) node(s) (\(chosen.ranks) ranks) about \(fmt(chosen.hours, 2)) h wall (\(Int(Self.packing * 100))% packing efficiency)",
                  "largest group size needed: \(chosen.maxGroup) (set [campaign] group_size, or run large L as a separate array task)",
                  "longest task: \(duration(chosen.taskWallSeconds)) wall on its group; stop-signal lead \(duration(Double(chosen.signalLeadSeconds))) (one task + 25% + 2 min, at least 5 min)"]
        if !chosen.tasksCanFinish {
            lines += ["TASKS CANNOT FINISH: one task takes \(duration(chosen.taskWallSeconds)) on its group; with its stop lead it does not fit the "
                      + "\(fmt(wallHours, 1)) h limit (--hours): tasks longer than the limit cannot finish, and every stop would lose them. "
                      + "Use a longer limit, a larger group, fatter nodes or smaller L.",
                      "no #SBATCH lines: no job within the limit can finish a task"]
            return lines.joined(separator: "\n")
        } else if chosen.submissions > 1 {
            lines.append("the work needs about \(chosen.submissions) submissions of a \(hh(chosen.limitMinutes)) job: each stops cleanly at the signal and requeues (--resume keeps completed tasks)")
        }
        lines += ["",
                  "suggested #SBATCH lines:",
                  "#SBATCH --nodes=\(chosen.nodes)",
                  "#SBATCH --ntasks=\(chosen.ranks)",
                  "#SBATCH --cpus-per-task=\(threadsPerRank)" + (threadsPerRank > 1 ? "              # and [campaign] blas_threads = \(threadsPerRank)" : ""),
                  "#SBATCH --mem=0                       # whole node memory",
                  "#SBATCH --time=\(hh(chosen.limitMinutes))",
                  "#SBATCH --signal=B:USR1@\(chosen.signalLeadSeconds)" + String(repeating: " ", count: max(1, 10 - "\(chosen.signalLeadSeconds)".count))
                    + "# graceful stop \(duration(Double(chosen.signalLeadSeconds))) before the limit: longer than one task",
                  "#SBATCH --requeue                     # the script resumes its output file"]
        // The planner's alternative, when it differs from the config as written and can run.
        let departs = job.maxGroup != G || blocks.contains { b in b.groupRaised || b.solverPath.map { !$0.isConfigured(b.group ?? G) } ?? false }
        if verdict.fits && departs && job.tasksCanFinish && blocks.contains(where: { $0.group != nil }) {
            lines += ["",
                      "alternative (the planner's groups per block, largest g = \(job.maxGroup)): \(fmt(job.totalCoreHours, 1)) core-hours, "
                        + "\(job.nodes) node(s) (\(job.ranks) ranks) about \(fmt(job.hours, 2)) h wall, longest task \(duration(job.taskWallSeconds)); "
                        + "--time=\(hh(job.limitMinutes)) --signal=B:USR1@\(job.signalLeadSeconds) with [campaign] group_size = \(job.maxGroup)"]
        }
        return lines.joined(separator: "\n")
    }

    /// "45 s", "14.3 min", "3.80 h".
    func duration(_ s: Double) -> String {
        if s < 120 { return "\(Int(s.rounded())) s" }
        if s < 7200 { return fmt(s / 60, 1) + " min" }
        return fmt(s / 3600, 2) + " h"
    }

    func fmt(_ x: Double, _ d: Int) -> String { String(format: "%.\(d)f", x) }
}
