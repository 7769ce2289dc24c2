import Foundation
import QGHDF5
#if canImport(Glibc)
import Glibc
#endif

/// The caps on a campaign's size, declared once (docs/cluster.md, "Size
/// limits"; the `--help` of run, ed, quench and plan quotes them). A run
/// past a cap is refused before anything is allocated or written.
public enum CampaignLimits {
    /// Most tasks (rows over all output blocks: points x realizations) one
    /// run may hold. The driver keeps a task list and per-task bookkeeping
    /// on every rank (`driverBytesPerTask`): 2^22 tasks are about 1 GiB per
    /// rank. Larger counts are split over jobs with
    /// `[campaign] first_realization` (disjoint realization ranges, reduced together).
    public static let maxTasks = 1 << 22
    /// Bytes per task the driver may hold on a rank at its peak: the task
    /// list (one `TaskSpec`, rebuilt in the task loop), the pending list
    /// (sorted copies of the task list on world rank 0, then one int64 on
    /// every rank), the set of done rows on a resume and the done flags
    /// read from the file. An upper bound (4 task-list copies + 64 bytes).
    public static let driverBytesPerTask = 4 * MemoryLayout<TaskSpec>.stride + 64
    /// HDF5 metadata beyond the payload: per dataset (object header, the
    /// `units` and `description` attributes) and per file (superblock,
    /// root attributes, the stored config twice).
    public static let metadataBytesPerDataset = 2048
    public static let metadataBytesPerFile = 1 << 20
}

extension HDF5ElementType {
    /// Bytes of one element in the file.
    public var byteCount: Int {
        switch self {
        case .float64, .int64: return 8
        case .int8, .uint8: return 1
        }
    }
}

extension OutputBlock {
    /// Bytes of one row (task) over the study's datasets and the driver's
    /// (`done`, `wall_seconds`, `write_seconds`).
    public var rowBytes: Double {
        (datasets + Campaign.driverDatasets).reduce(0.0) { $0 + Double($1.type.byteCount) * Double($1.rowShape.reduce(1, *)) }
    }

    /// Bytes this block takes in the file: every dataset is allocated and
    /// filled when the layout is created (H5D_ALLOC_TIME_EARLY), so the file
    /// has its full size before the first task.
    public var fileBytes: Double {
        Double(rows) * rowBytes + Double((datasets.count + Campaign.driverDatasets.count) * CampaignLimits.metadataBytesPerDataset)
    }
}

/// What a run of a campaign needs, estimated before anything is allocated.
public struct CampaignSize: Sendable {
    /// Tasks (rows) over all blocks.
    public var tasks: Int
    /// Output file size in bytes.
    public var fileBytes: Double
    /// Peak bytes per rank of the study's largest task (configured solver path and group).
    public var taskBytesPerRank: Double
    /// Bytes per rank of the driver's task list and bookkeeping.
    public var driverBytesPerRank: Double
    /// Peak bytes per rank: one task plus the driver's bookkeeping.
    public var bytesPerRank: Double { taskBytesPerRank + driverBytesPerRank }
}

extension CampaignPlan {
    /// Tasks of the study (rows over its blocks), without building the task list.
    public var taskCount: Int { study.blocks.reduce(0) { $0 + $1.rows } }

    /// One task per output block: its first row (nil for an empty block),
    /// as the full task list would have it, without building that list. The
    /// study is parsed again with one realization per point: the blocks,
    /// points and per-task costs do not depend on the count, and the first
    /// row of each block (its first point, realization `first_realization`)
    /// is the same; its index is the number of rows before the block. Tasks
    /// of one block have the same size, so this task sizes the block
    /// (`qglass plan`, the memory check). Should a study's blocks depend on
    /// the count, the full list is built instead, but only within
    /// `CampaignLimits.maxTasks`.
    public func representativeTasks() -> [TaskSpec?] {
        let blocks = study.blocks
        var starts: [Int] = [], n = 0
        for b in blocks { starts.append(n); n += b.rows }
        var firsts = [TaskSpec?](repeating: nil, count: blocks.count)
        var one = settings
        one.realizations = 1
        let kind = type(of: study)
        if let table = try? document.table(kind.name), let small = try? kind.parse(table, campaign: one),
           case let sb = small.blocks, sb.map(\.path) == blocks.map(\.path) {
            var found = 0
            for t in small.tasks where t.row == 0 && firsts[t.block] == nil && blocks[t.block].rows > 0 {
                var rep = t
                rep.index = starts[t.block]
                firsts[t.block] = rep
                found += 1
            }
            if found == blocks.filter({ $0.rows > 0 }).count { return firsts }
            firsts = [TaskSpec?](repeating: nil, count: blocks.count)
        }
        guard n <= CampaignLimits.maxTasks else { return firsts }
        for t in study.tasks where firsts[t.block] == nil { firsts[t.block] = t }
        return firsts
    }

    /// Peak bytes per rank of the study's tasks on groups of `groupSize`
    /// ranks (one representative task per block).
    public func peakBytesPerRank(groupSize: Int) -> Int {
        representativeTasks().compactMap { $0 }.map { study.peakBytesPerRank($0, groupSize: groupSize) }.max() ?? 0
    }

    /// The run's size: tasks, file bytes and memory per rank on the configured group.
    public func size(groupSize: Int? = nil) -> CampaignSize {
        let blocks = study.blocks
        let tasks = blocks.reduce(0) { $0 + $1.rows }
        let file = blocks.reduce(Double(CampaignLimits.metadataBytesPerFile + 2 * document.text.utf8.count)) { $0 + $1.fileBytes }
        return CampaignSize(tasks: tasks, fileBytes: file, taskBytesPerRank: Double(peakBytesPerRank(groupSize: groupSize ?? settings.groupSize)),
                            driverBytesPerRank: Double(tasks) * Double(CampaignLimits.driverBytesPerTask))
    }

    /// Local, before any allocation: why a run of this config cannot start
    /// here, in one line naming the numbers, or nil. In order: the task
    /// count against `CampaignLimits.maxTasks`; the file against the free
    /// space of the output's folder (`freeDisk`, statvfs; an existing file
    /// that is overwritten or resumed counts as free); the memory of
    /// `ranksOnNode` ranks against `availableMemory` (MemAvailable).
    public func sizeRefusal(output: String, ranksOnNode: Int, resumeOrForce: Bool,
                            freeDisk: Double? = nil, availableMemory: Double? = nil) -> String? {
        let tasks = taskCount
        if tasks > CampaignLimits.maxTasks {
            let blocks = study.blocks
            return "\(tasks) tasks (\(blocks.count) block(s), \(settings.realizations) realizations per point) exceed the cap of "
                + "\(CampaignLimits.maxTasks) tasks per run; split the realizations over jobs with [campaign] first_realization "
                + "(about \(byteText(size().fileBytes)) of output in all)"
        }
        let s = size()
        let existing = resumeOrForce ? Double(Self.fileSize(output) ?? 0) : 0
        if let free = freeDisk ?? Self.freeDiskBytes(folderOf: output), s.fileBytes > free + existing {
            return "the output file \(output) would take \(byteText(s.fileBytes)) (\(tasks) tasks) but its folder has \(byteText(free)) free"
                + (existing > 0 ? " (plus \(byteText(existing)) of the file it replaces)" : "")
                + "; use fewer realizations or points, or another folder"
        }
        if let avail = availableMemory ?? Provenance.availableMemory().map(Double.init), s.bytesPerRank * Double(ranksOnNode) > avail {
            return "memory estimate \(byteText(s.bytesPerRank)) per rank (task \(byteText(s.taskBytesPerRank)) + task list "
                + "\(byteText(s.driverBytesPerRank)) for \(tasks) tasks) x \(ranksOnNode) rank(s) on this node = "
                + "\(byteText(s.bytesPerRank * Double(ranksOnNode))) exceeds the \(byteText(avail)) available"
        }
        return nil
    }

    /// Free bytes for an unprivileged user in the folder of `path` (statvfs), or nil.
    public static func freeDiskBytes(folderOf path: String) -> Double? {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var st = statvfs()
        guard statvfs(dir, &st) == 0 else { return nil }
        return Double(st.f_bavail) * Double(st.f_frsize)
    }

    /// Size in bytes of an existing regular file, or nil.
    static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
    }
}

/// "512 B", "3.2 MiB", "69.5 GiB", "1.2 TiB".
public func byteText(_ bytes: Double) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var x = bytes, i = 0
    while x >= 1024 && i < units.count - 1 { x /= 1024; i += 1 }
    return i == 0 ? "\(Int(x)) B" : String(format: "%.1f %@", x, units[i])
}
