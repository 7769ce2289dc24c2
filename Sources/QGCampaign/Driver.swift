import Foundation
import QGMPI
import QGED
import QGHDF5
import QGLinearAlgebra

/// How the CLI asks for a campaign.
public struct RunOptions: Sendable {
    /// The config as given (TOML); stored verbatim in the output.
    public var configText: String
    /// Overrides `[campaign] output`.
    public var output: String?
    public var force = false
    public var resume = false
    /// Remove an existing lock of the output (a holder on another host, or
    /// one this host cannot check) instead of refusing.
    public var breakLock = false
    /// Seconds between progress lines on rank 0.
    public var progressInterval = 5.0
    /// Where world rank 0 prints heartbeat lines ("still working on ...")
    /// while no task finishes; nil = no heartbeat (e.g. --quiet).
    public var heartbeat: (@Sendable (String) -> Void)?
    public init(configText: String, output: String? = nil, force: Bool = false, resume: Bool = false) {
        self.configText = configText; self.output = output; self.force = force; self.resume = resume
    }
}

/// A refusal detected before any allocation (bad input), or a problem with
/// an existing output file.
public struct CampaignError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A task failed; carries the context needed to find it again.
public struct TaskFailure: Error, CustomStringConvertible {
    public let task: TaskSpec
    public let worldRank: Int
    public let underlying: Error
    public var description: String {
        "task \(task.index) (block \(task.block), row \(task.row), point \(task.point), realization \(task.realization)) "
            + "failed on world rank \(worldRank): \(underlying)"
    }
}

/// A parsed campaign: settings plus its study.
public struct CampaignPlan {
    public let settings: CampaignSettings
    public let study: any Study
    public let document: ConfigDocument

    /// Local: parse and validate a config strictly (no allocation).
    public init(configText: String) throws {
        document = try ConfigDocument(text: configText)
        let studyTables = document.tableNames.filter { $0 != "campaign" }
        for t in studyTables where StudyRegistry.find(t) == nil {
            throw ConfigError("unknown table [\(t)]; known: [campaign], " + StudyRegistry.all.map { "[\($0.name)]" }.joined(separator: ", "))
        }
        guard studyTables.count == 1, let type = StudyRegistry.find(studyTables[0]) else {
            if studyTables.isEmpty {
                throw ConfigError("a config names exactly one study table (found none); known: "
                                  + StudyRegistry.all.map { "[\($0.name)]" }.joined(separator: ", "))
            }
            throw ConfigError("a config names exactly one study table (found "
                              + studyTables.map { "[\($0)]" }.joined(separator: " and ") + ")")
        }
        settings = try CampaignSettings.parse(try document.table("campaign"))
        study = try type.parse(try document.table(studyTables[0]), campaign: settings)
    }

    /// Local, no allocation: refuses a run whose study cannot use ScaLAPACK
    /// groups (`Study.supportsGroups` false, e.g. the classical studies)
    /// with `group_size > 1`. Not part of `init`, so that files written
    /// before this check existed still parse for reduction.
    public func checkRunnable() throws {
        let studyType = type(of: study)
        if settings.groupSize > 1 && !studyType.supportsGroups {
            throw ConfigError("study '\(studyType.name)' cannot use ScaLAPACK groups (each task runs on one rank): "
                              + "[campaign] group_size must be 1 (got \(settings.groupSize))")
        }
    }

    /// The canonical text that fixes the payload (compared on --resume).
    public var canonical: String { settings.canonical + "\n" + study.canonical }
}

/// The generic campaign driver. It knows nothing about any model: a study
/// supplies tasks, per-task computation and output layout.
public enum Campaign {
    /// Collective over `world`. Returns the process exit status: 0 when every
    /// task is done, `StopSignal.exitCode` when stopped by a signal first.
    /// The steps: parse and check the config (no allocation), claim the
    /// output (checks, lock, memory), open or create the file's layout, pick
    /// the pending tasks, run the task loop on ScaLAPACK groups, finish;
    /// then, unless stopped, world rank 0 prints the end-of-run summary (`RunSummary`).
    public static func run(world: Communicator, options: RunOptions, log: (String) -> Void) throws -> Int32 {
        // PETSc/SLEPc (initialized on first use by a mid-spectrum task) is
        // finalized once per process, after its objects, before MPI.
        try SLEPcScope.with { try runCampaign(world: world, options: options, log: log) }
    }

    static func runCampaign(world: Communicator, options: RunOptions, log: (String) -> Void) throws -> Int32 {
        let (plan, output) = try parseAndCheck(world: world, options: options)
        // World rank 0 holds the output's lock for the whole run (released on
        // every return; a killed run leaves a stale lock that the next run
        // takes over).
        var lock: OutputLock? = nil
        defer { lock?.release() }
        let claim = try claimOutput(world: world, plan: plan, output: output, options: options, lock: &lock, log: log)
        // A second Ctrl-C aborts at once; a lone process may remove its lock then.
        if world.size == 1 { lock?.removeOnAbort() }
        let study = plan.study
        let start = MPIEnvironment.wtime()
        // A second Ctrl-C during the file's last writes and close waits for them (StopSignal.beginCritical).
        defer { StopSignal.endCritical() }
        let stopped = try HDF5File.with(path: output, mode: claim.resume ? .readWrite : (options.force ? .truncate : .create), comm: world) { file in
            let datasets = try openOrCreateLayout(file: file, plan: plan, resume: claim.resume, world: world, threads: claim.threads, log: log)
            let pending = try pendingTasks(world: world, study: study, datasets: datasets, resume: claim.resume, output: output, log: log)
            let done = try runTaskLoop(world: world, plan: plan, pending: pending, datasets: datasets, start: start, options: options, log: log)
            StopSignal.beginCritical()
            return try finish(world: world, file: file, done: done, pending: Int64(pending.count), start: start, log: log)
        }
        StopSignal.endCritical()
        // A finished run: world rank 0 reads the closed file back for the summary.
        if world.rank == 0 && !stopped {
            log(try HDF5File.with(path: output, mode: .readOnly) { try RunSummary.text(study: study, file: $0, output: output) })
        }
        return stopped ? StopSignal.exitCode : 0
    }

    /// Step 1, collective (same result on every rank), no allocation: parse
    /// and validate the config, the study's group support, the output name,
    /// the group size against the ranks, and the study's input files.
    static func parseAndCheck(world: Communicator, options: RunOptions) throws -> (CampaignPlan, output: String) {
        let plan = try CampaignPlan(configText: options.configText)
        try plan.checkRunnable()
        guard let output = options.output ?? plan.settings.output else {
            throw ConfigError("no output file: give --out or [campaign] output")
        }
        let g = plan.settings.groupSize
        guard world.size % g == 0 else {
            throw CampaignError("group_size \(g) does not divide the number of ranks \(world.size)")
        }
        // Study input files (given couplings): read and validated before any allocation.
        if let s = plan.study as? any InputCheckingStudy { try s.prepareInputs(world: world, output: output) }
        return (plan, output)
    }

    /// What claiming the output decided, the same on every rank.
    struct OutputClaim {
        /// Continue the existing file (else create or overwrite it).
        var resume: Bool
        /// OpenBLAS threads per rank (already set).
        var threads: Int
    }

    /// Local: the first other solver path of `study` that fits the memory on
    /// this node, as advice ("" when none does).
    /// The task list's bytes per rank (`CampaignSize.driverBytesPerRank`)
    /// count on every path: a path "fits" only with them.
    static func leanerPathHint(_ plan: CampaignPlan, groupSize: Int, ranksOnNode: Int, available: Int) -> String {
        let study = plan.study
        let firsts = plan.representativeTasks().compactMap { $0 }
        let taskList = Int(plan.size().driverBytesPerRank)
        for path in study.solverPaths where !path.isConfigured(groupSize) {
            let need = (firsts.map { path.bytesPerRank($0, groupSize) }.max() ?? 0) + taskList
            if need * ranksOnNode <= available {
                return "the solver path \(path.label) needs \(gib(need)) GiB per rank and fits: set "
                    + path.settings.joined(separator: " and ") + " (qglass ed: --lapack-driver/--scalapack-driver); or "
            }
        }
        return ""
    }

    /// Local, before any allocation (also called before MPI_Init): the size
    /// checks of `CampaignPlan.sizeRefusal` (task cap, free disk, memory of
    /// `ranksOnNode` ranks); a memory refusal ends with the advice (a leaner
    /// solver path that fits, a larger group, fewer ranks, smaller L).
    public static func sizeRefusal(plan: CampaignPlan, output: String, ranksOnNode: Int, resumeOrForce: Bool) -> String? {
        guard let r = plan.sizeRefusal(output: output, ranksOnNode: ranksOnNode, resumeOrForce: resumeOrForce) else { return nil }
        guard r.hasPrefix("memory estimate"), let avail = Provenance.availableMemory() else { return r }
        let s = plan.size()
        // When the task list dominates, no solver path or group helps: fewer tasks per job do.
        if s.driverBytesPerRank >= s.taskBytesPerRank {
            return r + "; the task list dominates: run fewer realizations per job ([campaign] realizations, and first_realization "
                + "for the next job) or fewer ranks per node"
        }
        return r + "; " + leanerPathHint(plan, groupSize: plan.settings.groupSize, ranksOnNode: ranksOnNode, available: avail)
            + "use a larger group_size (ScaLAPACK), fewer ranks per node, or smaller L (see `qglass plan`)"
    }

    /// Local: the checks of `sizeRefusal` whose answer is the same on every
    /// rank of every node (the task cap: a count, no file system or memory
    /// reading), so that they can run before MPI_Init on each rank.
    public static func uniformSizeRefusal(plan: CampaignPlan) -> String? {
        plan.sizeRefusal(output: plan.settings.output ?? "", ranksOnNode: 1, resumeOrForce: true,
                         freeDisk: .infinity, availableMemory: .infinity)
    }

    /// Collective over `world`: `sizeRefusal` on every rank, each against its
    /// own node (its ranks, MemAvailable, the free disk it sees), so that a
    /// node with less memory refuses the run for all; the lowest refusing
    /// rank's line, named by rank and host where it is not rank 0, or nil.
    static func collectiveSizeRefusal(world: Communicator, plan: CampaignPlan, output: String, ranksOnNode: Int,
                                      resumeOrForce: Bool) throws -> String? {
        let local = sizeRefusal(plan: plan, output: output, ranksOnNode: ranksOnNode, resumeOrForce: resumeOrForce)
        let first = try world.allreduce(Int64(local == nil ? Int64.max : Int64(world.rank)), .min)
        guard first != Int64.max else { return nil }
        var line = local ?? ""
        if first != 0, world.rank == Int(first) { line = "rank \(first) on \(ProcessInfo.processInfo.hostName): " + line }
        return try world.broadcast(string: line, root: Int(first))
    }

    /// Step 2, collective: every rank checks the size of the run against its
    /// node (`collectiveSizeRefusal`: the task cap, the file against the free
    /// disk, ranks on its node times the per-rank estimate of one task and
    /// the task list against MemAvailable); world rank 0 checks the flags and
    /// the output path, takes the
    /// output's lock into `lock`, and checks
    /// that an existing file may be overwritten or resumed; a refusal is
    /// thrown on every rank. Then every rank sets its BLAS threads.
    static func claimOutput(world: Communicator, plan: CampaignPlan, output: String, options: RunOptions,
                            lock: inout OutputLock?, log: (String) -> Void) throws -> OutputClaim {
        let ranksOnNode = try world.withNodeLocal { $0.size }
        var fileState: Int64 = 0  // 0 fresh, 1 resume existing
        var refusal = ""
        let sized = try collectiveSizeRefusal(world: world, plan: plan, output: output, ranksOnNode: ranksOnNode,
                                                    resumeOrForce: options.resume || options.force)
        if world.rank == 0 {
            if options.force && options.resume {
                refusal = "--force and --resume exclude each other"
            }
            if refusal.isEmpty, let r = sized { refusal = r }
            if refusal.isEmpty, let r = Campaign.preflight(output: output, resume: options.resume) { refusal = r }
            if refusal.isEmpty {
                do { lock = try OutputLock.acquire(output: output, breakLock: options.breakLock, log: log) } catch { refusal = "\(error)" }
            }
            let exists = FileManager.default.fileExists(atPath: output)
            if refusal.isEmpty && exists && !options.force && !options.resume {
                refusal = "output file \(output) already exists; use --resume to continue it or --force to overwrite it"
            }
            // A file to resume must open as HDF5 (checked here, serially, now
            // that no other run can be writing it).
            if refusal.isEmpty && exists && options.resume, let r = Campaign.checkReadable(output) { refusal = r }
            fileState = (exists && options.resume) ? 1 : 0
        }
        refusal = try world.broadcast(string: refusal)
        if !refusal.isEmpty { throw CampaignError(refusal) }
        fileState = try world.broadcast(fileState)

        // BLAS threads: the cores this rank may use, shared among the node's ranks.
        let threads = plan.settings.blasThreads > 0 ? plan.settings.blasThreads
            : max(1, ProcessInfo.processInfo.activeProcessorCount / ranksOnNode)
        BLASThreads.set(threads)
        return OutputClaim(resume: fileState == 1, threads: threads)
    }

    /// Step 3, collective: a new file gets its layout; a resumed one is
    /// checked against the plan and stamped `last_resumed`.
    static func openOrCreateLayout(file: HDF5File, plan: CampaignPlan, resume: Bool, world: Communicator, threads: Int,
                                   log: (String) -> Void) throws -> [[String: Dataset]] {
        let study = plan.study
        let blocks = study.blocks
        if !resume {
            let datasets = try createLayout(file: file, plan: plan, blocks: blocks, worldSize: world.size, threads: threads)
            if world.rank == 0 {
                log("[qglass] \(type(of: study).name): \(plan.taskCount) tasks in \(blocks.count) block(s) -> \(file.path)")
            }
            return datasets
        }
        let datasets = try openLayout(file: file, plan: plan, blocks: blocks, threads: threads)
        // Flushed at once, so that it survives a later SIGKILL.
        try file.setAttribute("last_resumed", Provenance.now())
        // The resuming run's kernel: payload bits of the tasks it adds
        // depend on it (within the golden tolerances when it differs).
        try file.setAttribute("last_resumed_blas_core", BLASThreads.coreName)
        try file.flush()
        return datasets
    }

    /// Step 4, collective: the indices of the tasks not yet done, read on
    /// rank 0 from the `done` flags and broadcast; expensive first.
    static func pendingTasks(world: Communicator, study: any Study, datasets: [[String: Dataset]], resume: Bool,
                             output: String, log: (String) -> Void) throws -> [Int64] {
        let tasks = study.tasks
        var pending: [Int64] = []
        if world.rank == 0 {
            var done = Set<Int>()
            for b in datasets.indices {
                let flags = try datasets[b]["done"]!.readAll(as: UInt8.self)
                for (row, f) in flags.enumerated() where f == 1 { done.insert(b << 40 | row) }
            }
            pending = tasks.filter { !done.contains($0.block << 40 | $0.row) }
                .sorted { ($0.cost, -$0.index) > ($1.cost, -$1.index) }.map { Int64($0.index) }
            if resume {
                log("[qglass] resuming \(output): \(tasks.count - pending.count) of \(tasks.count) tasks already complete")
            }
        }
        let count = try world.broadcast(Int64(pending.count))
        if world.rank != 0 { pending = [Int64](repeating: 0, count: Int(count)) }
        if count > 0 { try world.broadcast(&pending) }
        return pending
    }

    /// Step 5, collective: groups of `group_size` ranks draw pending tasks
    /// from a shared counter until none is left or a stop signal arrives;
    /// each group's rank 0 writes its task's rows. World rank 0 reports
    /// progress (and heartbeat lines). Returns the number of tasks done.
    static func runTaskLoop(world: Communicator, plan: CampaignPlan, pending: [Int64], datasets: [[String: Dataset]],
                            start: Double, options: RunOptions, log: (String) -> Void) throws -> Int64 {
        let study = plan.study
        let settings = plan.settings
        let g = settings.groupSize
        let tasks = study.tasks
        let blocks = study.blocks
        let count = Int64(pending.count)
        let maxCost = tasks.map(\.cost).max() ?? 1
        let units: (TaskSpec) -> Int64 = { max(1, Int64(($0.cost / maxCost) * 1_000_000)) }
        let totalUnits = pending.reduce(Int64(0)) { $0 + units(tasks[Int($1)]) }
        let progress = Progress(total: Int(count), totalUnits: totalUnits, start: start, interval: options.progressInterval,
                                groups: world.size / g)
        if world.rank == 0, let beat = options.heartbeat, count > 0 { progress.startHeartbeat(beat) }
        defer { progress.stopHeartbeat() }

        var doneCount: Int64 = 0
        try world.withSharedCounter { next in
            try world.withSharedCounter { completedUnits in
                try world.withSharedCounter { completed in
                    try world.withSplit(color: world.rank / g, key: world.rank) { group in
                        let context = TaskContext(group: group, settings: settings)
                        while true {
                            var idx: Int64 = 0
                            if group.rank == 0 {
                                if StopSignal.requested {
                                    _ = try next.fetchAndAdd(1 << 40)  // tell every other group to stop drawing
                                    idx = Int64.max
                                } else {
                                    idx = try next.fetchAndAdd(1)
                                }
                            }
                            idx = try group.broadcast(idx)
                            if idx >= count { break }
                            let task = tasks[Int(pending[Int(idx)])]
                            let t0 = MPIEnvironment.wtime()
                            let out: TaskOutput?
                            do {
                                out = try study.run(task, context: context)
                            } catch {
                                throw TaskFailure(task: task, worldRank: world.rank, underlying: error)
                            }
                            if group.rank == 0, let out {
                                try write(out, task: task, seconds: MPIEnvironment.wtime() - t0, datasets: datasets[task.block], block: blocks[task.block])
                                _ = try completed.fetchAndAdd(1)
                                _ = try completedUnits.fetchAndAdd(units(task))
                            }
                            if world.rank == 0 {
                                progress.report(done: Int(try completed.fetchAndAdd(0)), units: try completedUnits.fetchAndAdd(0), log: log)
                            }
                        }
                    }
                    // Wait for all groups without spinning; rank 0 keeps reporting.
                    try quietWait(world: world) {
                        if world.rank == 0 {
                            progress.report(done: Int(try completed.fetchAndAdd(0)), units: try completedUnits.fetchAndAdd(0), log: log)
                        }
                    }
                    doneCount = try completed.fetchAndAdd(0)
                }
            }
        }
        progress.stopHeartbeat()
        return doneCount
    }

    /// Step 6, collective: whether the run was stopped by a signal with
    /// tasks left; when every pending task is done the file is marked
    /// `finished` (and flushed). Rank 0 logs the count and wall time.
    static func finish(world: Communicator, file: HDF5File, done doneCount: Int64, pending count: Int64, start: Double,
                       log: (String) -> Void) throws -> Bool {
        let stopped = try world.allreduce(Int64(StopSignal.requested ? 1 : 0), .max) == 1 && doneCount < count
        if doneCount == count {
            // Every task of the study is done (the pending ones just now).
            try file.setAttribute("finished", Int64(1))
            try file.flush()
        }
        if world.rank == 0 {
            let wall = MPIEnvironment.wtime() - start
            log(String(format: "[qglass] %lld of %lld pending tasks done in %.1f s%@", doneCount, count, wall,
                       stopped ? "; stopped by signal, resume with --resume" : ""))
        }
        return stopped
    }

    /// Collective: create groups, datasets and provenance; flush so that the
    /// layout survives a later SIGKILL.
    static func createLayout(file: HDF5File, plan: CampaignPlan, blocks: [OutputBlock], worldSize: Int, threads: Int) throws -> [[String: Dataset]] {
        let study = plan.study
        let name = type(of: study).name
        try file.setAttribute("qglass_version", Provenance.version)
        try file.setAttribute("schema_version", Provenance.schemaVersion)
        try file.setAttribute("git_commit", gitCommitOnce)
        try file.setAttribute("created", createdOnce)
        try file.setAttribute("study", name)
        try file.setAttribute("config", plan.document.text)
        try file.setAttribute("config_canonical", plan.canonical)
        try file.setAttribute("seed", Int64(bitPattern: plan.settings.seed))
        try file.setAttribute("rng", "Philox4x32-10; key = seed; counter = (word block, realization, FNV-1a64(stream key)); stream key documented per study")
        try file.setAttribute("mpi_library", MPIEnvironment.libraryVersion())
        try file.setAttribute("blas_core", BLASThreads.coreName)
        try file.setAttribute("blas_core_choice", BLASKernel.choice)
        try file.setAttribute("world_size", Int64(worldSize))
        try file.setAttribute("blas_threads", Int64(threads))
        try file.setAttribute("finished", Int64(0))
        var out: [[String: Dataset]] = []
        for blk in blocks {
            try file.createGroup(blk.path)
            for (k, v) in blk.attributes.sorted(by: { $0.key < $1.key }) {
                if integerAttributes.contains(k), v.rounded() == v, abs(v) < 9e15 {
                    try file.setAttribute(k, Int64(v), on: blk.path)
                } else {
                    try file.setAttribute(k, v, on: blk.path)
                }
            }
            var ds: [String: Dataset] = [:]
            for spec in blk.datasets + driverDatasets {
                let path = blk.path + "/" + spec.name
                ds[spec.name] = try file.createDataset(path, type: spec.type, shape: [blk.rows] + spec.rowShape)
                try file.setAttribute("units", spec.units, on: path)
                try file.setAttribute("description", spec.description, on: path)
            }
            out.append(ds)
        }
        try file.flush()
        try file.setAttribute("layout_complete", Int64(1))
        try file.flush()
        return out
    }

    /// Block attributes that are counts or codes: stored as int64 (readers
    /// that ask for float64 get HDF5's conversion).
    static let integerAttributes: Set<String> = ["L", "eps_bins", "bins_per_decade", "steps", "stages", "initial_sweeps", "order", "boundary_open", "dimension"]

    /// Datasets the driver adds to every block.
    public static let driverDatasets = [
        DatasetSpec("done", .uint8, units: "1", description: "1 once every dataset of this row (task) is written, else 0"),
        DatasetSpec("wall_seconds", .float64, units: "s", description: "wall time of the task on its group"),
        DatasetSpec("write_seconds", .float64, units: "s", description: "time spent writing the task's rows"),
    ]

    /// Collective: open an existing file's layout for --resume after checking
    /// that it was made by the same study and config (solver setup included).
    static func openLayout(file: HDF5File, plan: CampaignPlan, blocks: [OutputBlock], threads: Int) throws -> [[String: Dataset]] {
        guard file.hasAttribute("layout_complete"), (try? file.numericAttribute("layout_complete", as: Int64.self)) == [1] else {
            throw CampaignError("\(file.path): its layout was never completed (killed during creation?); no task in it can be trusted; rerun with --force")
        }
        let schema = try file.numericAttribute("schema_version", as: Int64.self).first ?? -1
        guard schema == Provenance.schemaVersion else {
            throw CampaignError("\(file.path): schema version \(schema), this qglass writes \(Provenance.schemaVersion); cannot resume")
        }
        let stored = try file.stringAttribute("config_canonical")
        guard stored == plan.canonical else {
            let diff = canonicalDifferences(stored: stored, now: plan.canonical)
            throw CampaignError("\(file.path) was made with a different config; --resume needs the same study and solver setup: "
                                + (diff.isEmpty ? "the canonical texts differ" : diff.joined(separator: "; ")))
        }
        if plan.settings.blasThreads == 0 {
            // blas_threads = 0 (auto) resolves per node; payload bits depend on
            // the count, so a resume must resolve to the count in the file.
            let was = try file.numericAttribute("blas_threads", as: Int64.self).first ?? -1
            guard was == Int64(threads) else {
                throw CampaignError("\(file.path) was made with a different config; --resume needs the same study and solver setup: "
                                    + "campaign.blas_threads (0 = auto, resolved): file \(was) -> new \(threads); "
                                    + "set blas_threads = \(was) explicitly or run with the same ranks per node")
            }
        }
        return try blocks.map { blk in
            var ds: [String: Dataset] = [:]
            for spec in blk.datasets + driverDatasets {
                let d = try file.openDataset(blk.path + "/" + spec.name)
                guard d.shape == [blk.rows] + spec.rowShape else {
                    throw CampaignError("\(file.path): \(d.path) has shape \(d.shape), expected \([blk.rows] + spec.rowShape)")
                }
                ds[spec.name] = d
            }
            return ds
        }
    }

    /// Local (group leader): write one task's rows, then its done flag.
    static func write(_ out: TaskOutput, task: TaskSpec, seconds: Double, datasets: [String: Dataset], block: OutputBlock) throws {
        let t0 = MPIEnvironment.wtime()
        for spec in block.datasets {
            guard let value = out.rows[spec.name], let ds = datasets[spec.name] else {
                throw CampaignError("study produced no '\(spec.name)' for task \(task.index)")
            }
            switch value {
            case .float64(let v): try ds.writeRows(start: task.row, count: 1, v)
            case .int64(let v): try ds.writeRows(start: task.row, count: 1, v)
            case .int8(let v): try ds.writeRows(start: task.row, count: 1, v)
            case .uint8(let v): try ds.writeRows(start: task.row, count: 1, v)
            }
        }
        try datasets["wall_seconds"]!.writeRows(start: task.row, count: 1, [seconds])
        try datasets["write_seconds"]!.writeRows(start: task.row, count: 1, [MPIEnvironment.wtime() - t0])
        // The completion flag goes last: a task is complete iff done = 1.
        try datasets["done"]!.writeRows(start: task.row, count: 1, [UInt8(1)])
    }

    /// Collective: a barrier that sleeps between polls and runs `tick` meanwhile.
    static func quietWait(world: Communicator, tick: () throws -> Void) throws {
        try world.quietBarrier(every: 0.05, tick: tick)
    }

    /// Local, pure file system (no MPI, safe before MPI_Init): why `output`
    /// cannot be written, or nil. Checks that its folder exists and is a
    /// folder. Identical on every rank of a shared file system.
    public static func preflight(output: String, resume: Bool) -> String? {
        let dir = URL(fileURLWithPath: output).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) else {
            return "the folder of the output file \(output) does not exist (\(dir)); create it first"
        }
        guard isDir.boolValue else { return "the output path \(output) is not in a folder (\(dir) is a file)" }
        var outIsDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &outIsDir), outIsDir.boolValue {
            return "the output path \(output) is a folder"
        }
        return nil
    }

    /// Local: why the existing file `path` cannot be resumed (not HDF5,
    /// truncated, unreadable), or nil when it opens as HDF5.
    public static func checkReadable(_ path: String) -> String? {
        do {
            try HDF5File.with(path: path, mode: .readOnly) { _ in }
            return nil
        } catch let e as HDF5Error {
            // The innermost HDF5 message without its routine name, e.g.
            // "file signature not found" or "truncated file: eof = ...".
            let last = e.stack.split(separator: ";").last.map(String.init) ?? ""
            let reason = last.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            return "cannot resume \(path): it is not a readable HDF5 file (truncated, or not HDF5)" + (reason.isEmpty ? "" : ": \(reason)")
        } catch {
            return "cannot resume \(path): \(error)"
        }
    }

    /// Local: the keys whose values differ between two canonical texts, as
    /// "table.key: file VALUE -> new VALUE" (absent keys shown as "(none)").
    public static func canonicalDifferences(stored: String, now: String) -> [String] {
        func entries(_ text: String) -> [(String, String)] {
            var table = "", out: [(String, String)] = []
            for raw in text.split(separator: "\n") {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("[") && line.hasSuffix("]") { table = String(line.dropFirst().dropLast()); continue }
                guard let eq = line.firstIndex(of: "=") else { continue }
                let key = line[..<eq].trimmingCharacters(in: .whitespaces)
                out.append((table.isEmpty ? key : table + "." + key, line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)))
            }
            return out
        }
        let a = entries(stored), b = entries(now)
        let da = Dictionary(a, uniquingKeysWith: { x, _ in x }), db = Dictionary(b, uniquingKeysWith: { x, _ in x })
        var keys: [String] = []
        for (k, _) in a + b where !keys.contains(k) { keys.append(k) }
        return keys.filter { da[$0] != db[$0] }.map { "\($0): file \(da[$0] ?? "(none)") -> new \(db[$0] ?? "(none)")" }
    }

    static let gitCommitOnce = Provenance.gitCommit()
    static let createdOnce = Provenance.now()
}
