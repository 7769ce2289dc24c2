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
            throw ConfigError("a config names exactly one study table (found \(studyTables.count)): "
                              + StudyRegistry.all.map { "[\($0.name)]" }.joined(separator: ", "))
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
    public static func run(world: Communicator, options: RunOptions, log: (String) -> Void) throws -> Int32 {
        let plan = try CampaignPlan(configText: options.configText)
        try plan.checkRunnable()
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
        // World rank 0 holds the output's lock for the whole run (released on
        // every return; a killed run leaves a stale lock that the next run
        // takes over).
        var lock: OutputLock? = nil
        defer { lock?.release() }
        if world.rank == 0 {
            if options.force && options.resume {
                refusal = "--force and --resume exclude each other"
            }
            if refusal.isEmpty, let avail = Provenance.availableMemory(), perRank * ranksOnNode > avail {
                refusal = "memory estimate \(gib(perRank)) GiB per rank x \(ranksOnNode) ranks on this node = "
                    + "\(gib(perRank * ranksOnNode)) GiB exceeds the \(gib(avail)) GiB available; "
                    + "use a larger group_size (ScaLAPACK), fewer ranks per node, or smaller L (see `qglass plan`)"
            }
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
                datasets = try openLayout(file: file, plan: plan, blocks: blocks, threads: threads)
                // Flushed at once, so that it survives a later SIGKILL.
                try file.setAttribute("last_resumed", Provenance.now())
                try file.flush()
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
            let progress = Progress(total: Int(count), totalUnits: totalUnits, start: start, interval: options.progressInterval,
                                    groups: world.size / g)
            if world.rank == 0, let beat = options.heartbeat, count > 0 { progress.startHeartbeat(beat) }
            defer { progress.stopHeartbeat() }

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
            stopped = try world.allreduce(Int64(StopSignal.requested ? 1 : 0), .max) == 1 && doneCount < count
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
    static let integerAttributes: Set<String> = ["L", "eps_bins", "bins_per_decade", "steps", "stages", "initial_sweeps", "order", "boundary_open"]

    /// Datasets the driver adds to every block.
    static let driverDatasets = [
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

func gib(_ bytes: Int) -> String { String(format: "%.2f", Double(bytes) / Double(1 << 30)) }

/// Progress with an ETA, printed by world rank 0 only. A heartbeat thread
/// prints "still working" lines while no task finishes (long tasks); it only
/// reads this object's state and never calls MPI.
final class Progress: @unchecked Sendable {
    let total: Int
    let totalUnits: Int64
    let start: Double
    let interval: Double
    /// ED groups working at once (upper bound on tasks in flight).
    let groups: Int
    private let lock = NSLock()
    /// Last progress line, and last line of any kind (progress or heartbeat).
    private var lastPrint: Double
    private var lastLine: Double
    private var lastDone = -1
    private var done = 0
    /// Silence before the next heartbeat: the interval after any progress
    /// line, doubling after each heartbeat up to max(interval, 600 s), so an
    /// hours-long task logs tens of lines, not thousands.
    private var gap: Double
    private var beating = false
    private var thread: Thread?

    init(total: Int, totalUnits: Int64, start: Double, interval: Double, groups: Int) {
        self.total = total; self.totalUnits = totalUnits; self.interval = interval; self.groups = groups
        gap = interval
        // A process-local monotonic clock (the heartbeat thread must not call MPI).
        let now = ProcessInfo.processInfo.systemUptime
        self.start = now - (MPIEnvironment.wtime() - start)
        lastPrint = now
        lastLine = now
    }

    func report(done: Int, units: Int64, log: (String) -> Void) {
        let now = ProcessInfo.processInfo.systemUptime
        lock.lock()
        self.done = done
        guard done != lastDone, now - lastPrint >= interval || done == total else { lock.unlock(); return }
        lastPrint = now
        lastLine = now
        gap = interval
        lastDone = done
        lock.unlock()
        let elapsed = now - start
        let eta = units > 0 ? elapsed * Double(totalUnits - units) / Double(units) : .nan
        let pct = total > 0 ? 100.0 * Double(done) / Double(total) : 100
        log(String(format: "[qglass] %d/%d tasks (%.1f%%)  elapsed %@  ETA %@", done, total, pct, hms(elapsed), eta.isFinite ? hms(eta) : "--:--:--"))
    }

    /// Local (world rank 0): start printing a heartbeat through `beat`
    /// whenever `gap` seconds pass without any line.
    func startHeartbeat(_ beat: @escaping @Sendable (String) -> Void) {
        lock.lock(); beating = true; lock.unlock()
        let t = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: min(0.1, interval / 4))
                lock.lock()
                guard beating else { lock.unlock(); return }
                let now = ProcessInfo.processInfo.systemUptime
                let due = now - lastLine >= gap && done < total
                if due { lastLine = now; gap = min(2 * gap, max(interval, 600)) }
                let d = done
                lock.unlock()
                if due {
                    beat(String(format: "[qglass] still working on %d task(s), %d/%d done, elapsed %@",
                                min(groups, total - d), d, total, hms(now - start)))
                }
            }
        }
        thread = t
        t.start()
    }

    /// Local: stop the heartbeat (idempotent).
    func stopHeartbeat() {
        lock.lock(); beating = false; lock.unlock()
    }
}

func hms(_ s: Double) -> String {
    let t = Int(s.rounded())
    return String(format: "%02d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60)
}
