import Foundation
import QGMPI
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
    /// Seconds between progress lines on rank 0.
    public var progressInterval = 5.0
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
            throw ConfigError("a config names exactly one study table (found \(studyTables.count)): "
                              + StudyRegistry.all.map { "[\($0.name)]" }.joined(separator: ", "))
        }
        settings = try CampaignSettings.parse(try document.table("campaign"))
        study = try type.parse(try document.table(studyTables[0]), campaign: settings)
    }

    /// The canonical text that fixes the payload (compared on --resume).
    public var canonical: String { settings.canonical + "\n" + study.canonical }
}

/// The generic campaign driver. It knows nothing about any model: a study
/// supplies tasks, per-task computation and output layout.
public enum Campaign {
    /// Collective over `world`. Returns the process exit status: 0 when every
    /// task is done, `StopSignal.exitCode` when stopped by a signal first.
    public static func run(world: Communicator, options: RunOptions, log: (String) -> Void) throws -> Int32 {
        let plan = try CampaignPlan(configText: options.configText)
        let settings = plan.settings
        let study = plan.study
        guard let output = options.output ?? settings.output else {
            throw ConfigError("no output file: give --out or [campaign] output")
        }
        let g = settings.groupSize
        guard world.size % g == 0 else {
            throw CampaignError("group_size \(g) does not divide the number of ranks \(world.size)")
        }
        // Study input files (given couplings): read and validated before any allocation.
        if let s = study as? any InputCheckingStudy { try s.prepareInputs(world: world, output: output) }

        // Memory: ranks on this node times the per-rank estimate against MemAvailable.
        let ranksOnNode = try world.withNodeLocal { $0.size }
        let perRank = study.peakBytesPerRank(groupSize: g)
        var fileState: Int64 = 0  // 0 fresh, 1 resume existing
        var refusal = ""
        if world.rank == 0 {
            if let avail = Provenance.availableMemory(), perRank * ranksOnNode > avail {
                refusal = "memory estimate \(gib(perRank)) GiB per rank x \(ranksOnNode) ranks on this node = "
                    + "\(gib(perRank * ranksOnNode)) GiB exceeds the \(gib(avail)) GiB available; "
                    + "use a larger group_size (ScaLAPACK), fewer ranks per node, or smaller L (see `qglass plan`)"
            }
            let exists = FileManager.default.fileExists(atPath: output)
            if refusal.isEmpty && exists && !options.force && !options.resume {
                refusal = "output file \(output) already exists; use --resume to continue it or --force to overwrite it"
            }
            if options.force && options.resume {
                refusal = "--force and --resume exclude each other"
            }
            fileState = (exists && options.resume) ? 1 : 0
        }
        refusal = try world.broadcast(string: refusal)
        if !refusal.isEmpty { throw CampaignError(refusal) }
        fileState = try world.broadcast(fileState)

        // BLAS threads: the cores this rank may use, shared among the node's ranks.
        let threads = settings.blasThreads > 0 ? settings.blasThreads
            : max(1, ProcessInfo.processInfo.activeProcessorCount / ranksOnNode)
        BLASThreads.set(threads)

        let tasks = study.tasks
        let blocks = study.blocks
        let start = MPIEnvironment.wtime()
        var stopped = false
        var doneCount: Int64 = 0

        try HDF5File.with(path: output, mode: fileState == 1 ? .readWrite : (options.force ? .truncate : .create), comm: world) { file in
            var datasets: [[String: Dataset]] = []
            if fileState == 0 {
                datasets = try createLayout(file: file, plan: plan, blocks: blocks, worldSize: world.size, threads: threads)
                if world.rank == 0 {
                    log("[qglass] \(type(of: study).name): \(tasks.count) tasks in \(blocks.count) block(s) -> \(output)")
                }
            } else {
                datasets = try openLayout(file: file, plan: plan, blocks: blocks)
                try file.setAttribute("last_resumed", Provenance.now())
            }

            // Pending tasks, read on rank 0 and broadcast; expensive first.
            var pending: [Int64] = []
            if world.rank == 0 {
                var done = Set<Int>()
                for (b, blk) in blocks.enumerated() {
                    let flags = try datasets[b]["done"]!.readAll(as: UInt8.self)
                    for (row, f) in flags.enumerated() where f == 1 { done.insert(b << 40 | row) }
                }
                pending = tasks.filter { !done.contains($0.block << 40 | $0.row) }
                    .sorted { ($0.cost, -$0.index) > ($1.cost, -$1.index) }.map { Int64($0.index) }
                if fileState == 1 {
                    log("[qglass] resuming \(output): \(tasks.count - pending.count) of \(tasks.count) tasks already complete")
                }
            }
            var count = try world.broadcast(Int64(pending.count))
            if world.rank != 0 { pending = [Int64](repeating: 0, count: Int(count)) }
            if count > 0 { try world.broadcast(&pending) }
            count = Int64(pending.count)

            let maxCost = tasks.map(\.cost).max() ?? 1
            let units: (TaskSpec) -> Int64 = { max(1, Int64(($0.cost / maxCost) * 1_000_000)) }
            let totalUnits = pending.reduce(Int64(0)) { $0 + units(tasks[Int($1)]) }
            var progress = Progress(total: Int(count), totalUnits: totalUnits, start: start, interval: options.progressInterval)

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
            stopped = try world.allreduce(Int64(StopSignal.requested ? 1 : 0), .max) == 1 && doneCount < count
            if world.rank == 0 {
                let wall = MPIEnvironment.wtime() - start
                log(String(format: "[qglass] %lld of %lld pending tasks done in %.1f s%@", doneCount, count, wall,
                           stopped ? "; stopped by signal, resume with --resume" : ""))
            }
        }
        if world.rank == 0 && !stopped {
            let text = try HDF5File.with(path: output, mode: .readOnly) { try study.summary(file: $0) }
            if !text.isEmpty { log(text) }
        }
        return stopped ? StopSignal.exitCode : 0
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
        try file.setAttribute("world_size", Int64(worldSize))
        try file.setAttribute("blas_threads", Int64(threads))
        var out: [[String: Dataset]] = []
        for blk in blocks {
            try file.createGroup(blk.path)
            for (k, v) in blk.attributes.sorted(by: { $0.key < $1.key }) { try file.setAttribute(k, v, on: blk.path) }
            var ds: [String: Dataset] = [:]
            for spec in blk.datasets + driverDatasets {
                ds[spec.name] = try file.createDataset(blk.path + "/" + spec.name, type: spec.type, shape: [blk.rows] + spec.rowShape)
            }
            out.append(ds)
        }
        try file.flush()
        try file.setAttribute("layout_complete", Int64(1))
        try file.flush()
        return out
    }

    /// Datasets the driver adds to every block.
    static let driverDatasets = [DatasetSpec("done", .uint8), DatasetSpec("wall_seconds", .float64), DatasetSpec("write_seconds", .float64)]

    /// Collective: open an existing file's layout for --resume after checking
    /// that it was made by the same study and config.
    static func openLayout(file: HDF5File, plan: CampaignPlan, blocks: [OutputBlock]) throws -> [[String: Dataset]] {
        guard file.hasAttribute("layout_complete"), (try? file.numericAttribute("layout_complete", as: Int64.self)) == [1] else {
            throw CampaignError("\(file.path): its layout was never completed (killed during creation?); no task in it can be trusted; rerun with --force")
        }
        let schema = try file.numericAttribute("schema_version", as: Int64.self).first ?? -1
        guard schema == Provenance.schemaVersion else {
            throw CampaignError("\(file.path): schema version \(schema), this qglass writes \(Provenance.schemaVersion); cannot resume")
        }
        let stored = try file.stringAttribute("config_canonical")
        guard stored == plan.canonical else {
            throw CampaignError("\(file.path) was made with a different config; --resume needs the same study parameters.\n--- in file:\n\(stored)\n--- now:\n\(plan.canonical)")
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

    static let gitCommitOnce = Provenance.gitCommit()
    static let createdOnce = Provenance.now()
}

func gib(_ bytes: Int) -> String { String(format: "%.2f", Double(bytes) / Double(1 << 30)) }

/// Progress with an ETA, printed by world rank 0 only.
struct Progress {
    let total: Int
    let totalUnits: Int64
    let start: Double
    let interval: Double
    var lastPrint = -1.0e9
    var lastDone = -1

    init(total: Int, totalUnits: Int64, start: Double, interval: Double) {
        self.total = total; self.totalUnits = totalUnits; self.start = start; self.interval = interval
    }

    mutating func report(done: Int, units: Int64, log: (String) -> Void) {
        let now = MPIEnvironment.wtime()
        guard done != lastDone, now - lastPrint >= interval || done == total else { return }
        lastPrint = now
        lastDone = done
        let elapsed = now - start
        let eta = units > 0 ? elapsed * Double(totalUnits - units) / Double(units) : .nan
        let pct = total > 0 ? 100.0 * Double(done) / Double(total) : 100
        log(String(format: "[qglass] %d/%d tasks (%.1f%%)  elapsed %@  ETA %@", done, total, pct, hms(elapsed), eta.isFinite ? hms(eta) : "--:--:--"))
    }
}

func hms(_ s: Double) -> String {
    let t = Int(s.rounded())
    return String(format: "%02d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60)
}
