import Foundation
import QGMPI
import QGHDF5
import QGPhysics
import QGCampaign

/// Where a record was read: the input's index in `ReduceOptions.inputs`, the
/// block and the row. Records are merged in this order.
struct TaskOrigin: Codable, Comparable {
    var file: Int
    var block: String
    var row: Int
    static func < (a: TaskOrigin, b: TaskOrigin) -> Bool { (a.file, a.block, a.row) < (b.file, b.block, b.row) }
}

/// A task marked done whose data are unusable, or rows that cannot be read:
/// file, block, row(s) and why. Refused unless `--allow-partial`; then
/// skipped, printed and recorded in the reduced file (`skipped_tasks`).
struct CorruptTask: Codable {
    var file: String
    var block: String
    /// "row 5" or "rows 0..<2048".
    var rows: String
    /// What identifies the task besides its row (e.g. "alpha 0.7, realization 1"); may be empty.
    var detail: String
    var why: String
    var text: String { "\(file), \(block) \(rows)\(detail.isEmpty ? "" : " (\(detail))"): \(why)" }
}

/// The disorder that defines a realization, as a study stores it: the stored
/// disorder stream, or a hash of the stored couplings/potential
/// (`DisorderFingerprint.of`).
typealias DisorderFingerprint = UInt64

extension DisorderFingerprint {
    /// The fingerprint of stored disorder values (their bytes, FNV-1a).
    static func of<T>(_ values: ArraySlice<T>) -> DisorderFingerprint { values.withUnsafeBytes { StreamKey.make(bytes: $0) } }
}

/// One unit of a study's reduction (a task, or one column of a task), as
/// read from a campaign file. The pipeline compares records by `key`: two
/// records with the same key must carry the same `disorder` and the same
/// payload (everything encoded but `origin`).
protocol ReductionRecord: Codable {
    associatedtype Key: Hashable & CustomStringConvertible
    var key: Key { get }
    var disorder: DisorderFingerprint { get }
    var origin: TaskOrigin { get set }
}

/// What a realization record's key is made of: the study's point (its own
/// key fields, e.g. L, alpha and h_x). It prints as its fields in declared
/// order, "L 8, alpha 0.7", unless it gives its own description.
protocol TaskPoint: Hashable, Codable, CustomStringConvertible {}

extension TaskPoint {
    var description: String { Mirror(reflecting: self).children.map { "\($0.label ?? "") \($0.value)" }.joined(separator: ", ") }
}

/// The key of one realization of a study point, declared once for every
/// study that averages over disorder: the point, the campaign seed and the
/// realization index. The point's fields read through the key (`key.L`).
@dynamicMemberLookup
struct TaskKey<Point: TaskPoint>: Hashable, Codable, CustomStringConvertible {
    var point: Point
    var seed: UInt64
    var realization: Int
    var description: String { "(\(point), seed \(seed), realization \(realization))" }
    subscript<T>(dynamicMember field: KeyPath<Point, T>) -> T { point[keyPath: field] }
}

/// The identity every realization record carries once: where it was read,
/// its key and the fingerprint of its disorder (`TaskRows.task`).
struct TaskIdentity<Point: TaskPoint>: Codable {
    var origin: TaskOrigin
    var key: TaskKey<Point>
    var disorder: DisorderFingerprint
}

/// A record of one realization of a study point: a `TaskIdentity` and the
/// study's payload. Key, disorder and origin come from the identity; the
/// seed, the realization and the point's fields read through the record
/// (`r.seed`, `r.L`).
@dynamicMemberLookup
protocol RealizationRecord: ReductionRecord where Key == TaskKey<Point> {
    associatedtype Point: TaskPoint
    var task: TaskIdentity<Point> { get set }
}

extension RealizationRecord {
    var key: TaskKey<Point> { task.key }
    var disorder: DisorderFingerprint { task.disorder }
    var origin: TaskOrigin {
        get { task.origin }
        set { task.origin = newValue }
    }
    var seed: UInt64 { task.key.seed }
    var realization: Int { task.key.realization }
    subscript<T>(dynamicMember field: KeyPath<Point, T>) -> T { task.key.point[keyPath: field] }
}

/// Rows `rows` of one block of one input, as a study's reader sees them.
/// Local: opened by the rank that reads them. The reader sees the block
/// through its declared columns only (`OutputBlock.datasets` under the
/// input's stored config, then the driver's `Campaign.driverDatasets`):
/// the pipeline checks every one of them against its declaration before the
/// reader runs (`checkColumns`), and `column` refuses a name or type the
/// declaration does not give, so a study's reader only computes.
struct TaskBlock {
    let file: HDF5File
    let fileIndex: Int
    /// The input's path (for messages).
    let path: String
    /// HDF5 path of the block, e.g. /lrsg/L8.
    let block: String
    let rows: Range<Int>
    /// The input's stored config.
    let plan: CampaignPlan
    let options: ReduceOptions
    /// The block as the stored config declares it (its rows and columns).
    let declaration: OutputBlock
    var count: Int { rows.count }

    /// The declared columns, the driver's last.
    var columns: [DatasetSpec] { declaration.datasets + Campaign.driverDatasets }
    /// Whether the block declares column `name`.
    func declares(_ name: String) -> Bool { columns.contains { $0.name == name } }

    /// Local: every declared column is present, of its declared element type
    /// and of shape [declared rows] + declared row shape; otherwise a
    /// `ReduceError` naming the first column that is not, with its declaration.
    func checkColumns() throws {
        func shape(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
        for d in columns {
            let declared = "declared \(d.type.rawValue) \(shape([declaration.rows] + d.rowShape)), \(d.description)"
            guard file.exists(block + "/" + d.name) else { throw ReduceError(message: "column '\(d.name)' is missing (\(declared))") }
            let ds = try file.openDataset(block + "/" + d.name)
            let type = try ds.elementType()
            guard type == d.type, ds.shape == [declaration.rows] + d.rowShape else {
                throw ReduceError(message: "column '\(d.name)' is \(type?.rawValue ?? "of another type") \(shape(ds.shape)) (\(declared))")
            }
        }
    }

    /// Local: rows `rows` of declared column `name`, flattened (count x row
    /// length); `t` must be its declared type.
    func column<T: HDF5Scalar>(_ name: String, _ t: T.Type) throws -> [T] {
        guard let d = columns.first(where: { $0.name == name }) else {
            throw ReduceError(message: "column '\(name)' is not declared in \(block) (a reducer may read only its study's declared columns)")
        }
        guard d.type == T.h5ElementType else {
            throw ReduceError(message: "column '\(name)' is declared \(d.type.rawValue), read as \(T.h5ElementType.rawValue)")
        }
        return try file.openDataset(block + "/" + name).readRows(start: rows.lowerBound, count: rows.count, as: t)
    }
    /// Local: rows `rows` of declared column `name`, row by row (`c[i]`: local row i).
    func rows<T: HDF5Scalar>(_ name: String, _ t: T.Type) throws -> ColumnRows<T> {
        ColumnRows(values: try column(name, t), length: rowLength(name))
    }
    /// Values per row of declared column `name` (0 when not declared).
    func rowLength(_ name: String) -> Int { columns.first { $0.name == name }?.rowShape.reduce(1, *) ?? 0 }
    /// Local: a numeric attribute of the block (NaN when empty).
    func attr(_ name: String) throws -> Double { try file.numericAttribute(name, as: Double.self, on: block).first ?? .nan }
    /// The origin of local row `i` (0 ..< count).
    func origin(_ i: Int) -> TaskOrigin { TaskOrigin(file: fileIndex, block: block, row: rows.lowerBound + i) }
    /// Names local row `i` as a corrupt task.
    func corrupt(_ i: Int, _ detail: String, _ why: String) -> CorruptTask {
        CorruptTask(file: path, block: block, rows: "row \(rows.lowerBound + i)", detail: detail, why: why)
    }
}

/// The columns every realization block has, read once for a study's reader:
/// `done`, `realization` and, where the block declares it, the stored
/// `disorder_stream`. Row indices `i` are local (0 ..< count).
struct TaskRows {
    let block: TaskBlock
    let done: [UInt8]
    let realization: [Int64]
    /// The stored disorder stream per row; empty when the block declares none.
    let stream: [Int64]

    /// Local: reads the three columns of `block`'s rows.
    init(_ block: TaskBlock) throws {
        self.block = block
        done = try block.column("done", UInt8.self)
        realization = try block.column("realization", Int64.self)
        stream = block.declares("disorder_stream") ? try block.column("disorder_stream", Int64.self) : []
    }

    /// The local rows marked done, in order.
    var completed: [Int] { done.indices.filter { done[$0] == 1 } }

    /// The identity of local row `i` as a task of `point`: its origin, the
    /// campaign seed, its realization and its disorder (default: the stored
    /// stream, which the block must then declare).
    func task<P: TaskPoint>(_ i: Int, _ point: P, disorder: DisorderFingerprint? = nil) -> TaskIdentity<P> {
        precondition(disorder != nil || !stream.isEmpty,
                     "\(block.block) declares no disorder_stream: its reader must pass the disorder (a programming error)")
        return TaskIdentity(origin: block.origin(i), key: TaskKey(point: point, seed: block.plan.settings.seed, realization: Int(realization[i])),
                     disorder: disorder ?? DisorderFingerprint(bitPattern: stream[i]))
    }

    /// Names local row `i` as a corrupt task: `detail` (what identifies its
    /// point, may be empty), then its realization.
    func corrupt(_ i: Int, _ detail: String, _ why: String) -> CorruptTask {
        block.corrupt(i, (detail.isEmpty ? "" : detail + ", ") + "realization \(realization[i])", why)
    }

    /// Names local row `i` as the corrupt task `row` describes.
    func corrupt(_ i: Int, _ row: CorruptRow) -> CorruptTask { corrupt(i, row.detail, row.why) }

    /// Local: the record of each completed row, `record(i)`, in row order. A
    /// row whose `record` throws a `CorruptRow` is named in `corrupt` (with
    /// its realization) and left out.
    func records<R>(corrupt: inout [CorruptTask], _ record: (Int) throws -> R) throws -> [R] {
        var out: [R] = []
        for i in completed {
            do { out.append(try record(i)) } catch let c as CorruptRow { corrupt.append(self.corrupt(i, c)) }
        }
        return out
    }
}

/// A completed row whose data are unusable, thrown by a study's row reader
/// (`TaskRows.records`): what identifies its point besides the realization
/// (may be empty) and why.
struct CorruptRow: Error {
    var detail: String
    var why: String
}

/// The rows of one declared column as read: `c[i]` is local row i's values
/// (the declared row length of them).
struct ColumnRows<T> {
    let values: [T]
    let length: Int
    subscript(i: Int) -> ArraySlice<T> { values[(i * length)..<((i + 1) * length)] }
}

/// What rank 0's analysis knows besides the merged records.
struct ReductionContext {
    let options: ReduceOptions
    /// The inputs' stored configs, in input order.
    let plans: [CampaignPlan]
}

extension ReductionContext {
    /// Rank 0: the rule "every input has the same `name`", declared once:
    /// nil, or one line naming the first input whose study's `value` differs
    /// from the first input's, with both values. Inputs of another study are
    /// left out (the survey refused them).
    static func sameSetting<S: Study, V: Equatable>(_ name: String, of study: S.Type, inputs: [String], plans: [CampaignPlan],
                                                    _ value: (S) -> V) -> String? {
        let values = plans.map { ($0.study as? S).map(value) }
        guard let i0 = values.firstIndex(where: { $0 != nil }), let v0 = values[i0] else { return nil }
        guard let i = values.firstIndex(where: { $0 != nil && $0 != v0 }), let v = values[i] else { return nil }
        return "mismatched configs: \(inputs[i]) has a different \(name) (\(v)) from \(inputs[i0]) (\(v0))"
    }

    /// The input record `r` was read from.
    func input<R: ReductionRecord>(of r: R) -> String { options.inputs[r.origin.file] }

    /// Rank 0: the rule "every record of a group shares a setting", declared
    /// once: the first record of each group (`group`, in merge order) sets
    /// the group's `setting`; the first record with another one is refused
    /// with `refusal(first, other)` (one line naming both inputs).
    func requireShared<R: ReductionRecord, G: Hashable, V: Equatable>(_ records: [R], by group: (R) -> G, _ setting: (R) -> V,
                                                                      refusal: (R, R) -> String) throws {
        var first: [G: R] = [:]
        for r in records {
            guard let f = first[group(r)] else { first[group(r)] = r; continue }
            if setting(f) != setting(r) { throw ReduceError(message: refusal(f, r)) }
        }
    }

    /// Rank 0: throws the first `sameSetting` line of `settings` (name and
    /// value), checked in order.
    func requireSame<S: Study>(_ study: S.Type, _ settings: KeyValuePairs<String, (S) -> String>) throws {
        for (name, value) in settings {
            if let why = Self.sameSetting(name, of: S.self, inputs: options.inputs, plans: plans, value) { throw ReduceError(message: why) }
        }
    }
}

/// A study reduced by `ReductionPipeline`: it supplies a record type with a
/// typed key and a disorder fingerprint, a reader that names corrupt rows,
/// and an analysis that writes into the reduced file (docs/adding-a-study.md).
protocol PipelineStudy: ReducibleStudy {
    associatedtype Record: ReductionRecord
    /// Rows per work item of the parallel read.
    static var chunkRows: Int { get }
    /// Local (any rank): the records of the completed tasks among `block.rows`.
    /// A task marked done whose data are unusable goes into `corrupt` (named
    /// through `block.corrupt`) and is left out; a thrown error names the
    /// whole chunk as unreadable.
    static func read(_ block: TaskBlock, corrupt: inout [CorruptTask]) throws -> [Record]
    /// Rank 0: checks across the merged records that are not the duplicate
    /// rule (e.g. settings every task of a set must share); throws a
    /// `ReduceError` naming the inputs. Default: none.
    static func checkMerged(_ records: [Record], context: ReductionContext) throws
    /// Rank 0, inside the atomic write: the study's analyses of the merged
    /// records (in origin order), written through `out`; returns the report
    /// lines. Warnings appended to `warnings` are printed and recorded.
    static func analyse(_ records: [Record], context: ReductionContext, out: ReducedWriter, warnings: inout [String]) throws -> [String]
}

extension PipelineStudy {
    static var chunkRows: Int { 2048 }
    static func checkMerged(_ records: [Record], context: ReductionContext) throws {}

    static func reduce(world: Communicator, options: ReduceOptions, survey: InputSurvey, log: (String) -> Void) throws -> Int32 {
        try ReductionPipeline.run(Self.self, world: world, options: options, survey: survey, log: log)
    }
}

/// The one reduction of every pipeline study (docs/design.md, "Reduction").
/// Collective over `world`: rank 0 lists (input, block, rows) work items;
/// every rank reads its share (round robin) and the records and corrupt
/// tasks are gathered on rank 0, which merges them under the duplicate rule,
/// applies `--allow-partial`, runs the study's analysis inside the atomic
/// write, records the common attributes, warnings and skipped tasks, and
/// prints the report.
enum ReductionPipeline {
    static func run<S: PipelineStudy>(_ study: S.Type, world: Communicator, options: ReduceOptions, survey: InputSurvey,
                                      log: (String) -> Void) throws -> Int32 {
        let items = try workItems(S.self, world: world, survey: survey)
        var records: [S.Record] = []
        var corrupt: [CorruptTask] = []
        let mine = items.indices.filter { $0 % world.size == world.rank }.map { items[$0] }
        for fileIndex in Set(mine.map(\.file)).sorted() {
            let path = options.inputs[fileIndex]
            let share = mine.filter { $0.file == fileIndex }
            func unreadable(_ item: WorkItem, _ error: Error) -> CorruptTask {
                CorruptTask(file: path, block: item.block, rows: "rows \(item.rows.lowerBound)..<\(item.rows.upperBound)",
                            detail: "", why: "cannot be read (\(error))")
            }
            do {
                try HDF5File.with(path: path, mode: .readOnly) { f in
                    let plan = try CampaignPlan(configText: try f.stringAttribute("config_canonical"))
                    let declared = Dictionary(plan.study.blocks.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
                    for item in share {
                        do {
                            guard let declaration = declared[item.block] else { throw ReduceError(message: "\(item.block) is not declared by the stored config") }
                            let block = TaskBlock(file: f, fileIndex: fileIndex, path: path, block: item.block, rows: item.rows,
                                                  plan: plan, options: options, declaration: declaration)
                            try block.checkColumns()
                            records += try S.read(block, corrupt: &corrupt)
                        } catch { corrupt.append(unreadable(item, error)) }
                    }
                }
            } catch {
                corrupt += share.map { unreadable($0, error) }
            }
        }
        let gathered = try gather(records, world: world)
        let gatheredCorrupt = try gather(corrupt, world: world)
        guard world.rank == 0 else { return 0 }

        var warnings: [String] = []
        let skipped = gatheredCorrupt.map(\.text)
        if !skipped.isEmpty {
            if !options.allowPartial {
                throw ReduceError(message: (skipped + ["(pass --allow-partial to skip corrupt tasks and reduce the rest)"]).joined(separator: "\n"))
            }
            warnings += skipped.map { $0 + "; skipped (--allow-partial)" }
        }
        let context = ReductionContext(options: options, plans: survey.plans.compactMap { $0 })
        let merged = try merge(S.self, gathered, inputs: options.inputs, warnings: &warnings, log: log)
        guard !merged.isEmpty else {
            throw ReduceError(message: (["no completed task in the inputs"] + warnings).joined(separator: "\n"))
        }
        try S.checkMerged(merged, context: context)
        var report: [String] = []
        try writeAtomically(options.output, force: options.force) { f in
            try writeCommonAttributes(f, study: S.self, options: options, survey: survey, skipped: skipped.count)
            try f.setAttribute("skipped_tasks", skipped.joined(separator: "\n"))
            report = try S.analyse(merged, context: context, out: ReducedWriter(file: f), warnings: &warnings)
            try f.setAttribute("warnings", warnings.joined(separator: "\n"))
        }
        log(report.joined(separator: "\n"))
        for w in warnings { log("[reduce] warning: \(w)") }
        log("[reduce] wrote \(options.output)")
        return 0
    }

    struct WorkItem: Codable { var file: Int; var block: String; var rows: Range<Int> }

    /// Collective: rank 0 lists the (input, block, rows) work items of the
    /// blocks each input's stored config declares, as its survey found them
    /// (`InputSurvey.blocks`); every rank gets them (as JSON, like `gather`).
    static func workItems<S: PipelineStudy>(_ study: S.Type, world: Communicator, survey: InputSurvey) throws -> [WorkItem] {
        let items = survey.blocks.enumerated().flatMap { i, blocks in
            blocks.flatMap { b in
                stride(from: 0, to: b.rows, by: S.chunkRows).map { WorkItem(file: i, block: b.path, rows: $0..<min($0 + S.chunkRows, b.rows)) }
            }
        }
        let text = try world.broadcast(string: String(decoding: try encoder.encode(items), as: UTF8.self))
        return try decoder.decode([WorkItem].self, from: Data(text.utf8))
    }

    /// Collective typed gather: every rank's values, concatenated in rank
    /// order on rank 0 (others get []). Values travel as JSON (exact for
    /// doubles; NaN and infinities as strings).
    static func gather<T: Codable>(_ values: [T], world: Communicator) throws -> [T] {
        let bytes = Array(try encoder.encode(values))
        let counts = try world.gather([Int64(bytes.count)])
        let all = try world.gatherv(bytes)
        guard world.rank == 0 else { return [] }
        var out: [T] = []
        var start = 0
        for c in counts {
            out += try decoder.decode([T].self, from: Data(all[start..<(start + Int(c))]))
            start += Int(c)
        }
        return out
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        e.outputFormatting = .sortedKeys
        return e
    }
    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// Rank 0: the duplicate rule, declared once. Records sharing a key are
    /// one task found twice: with the same disorder and payload, one copy
    /// is kept and a warning counts them; otherwise the reduction is refused,
    /// naming both files.
    static func merge<S: PipelineStudy>(_ study: S.Type, _ records: [S.Record], inputs: [String], warnings: inout [String],
                                        log: (String) -> Void) throws -> [S.Record] {
        var byKey: [S.Record.Key: Int] = [:]
        var out: [S.Record] = []
        var duplicates = 0
        var firstDuplicate: S.Record.Key?
        let e = encoder
        func payload(_ r: S.Record) throws -> Data {
            var c = r
            c.origin = TaskOrigin(file: 0, block: "", row: 0)
            return try e.encode(c)
        }
        func place(_ o: TaskOrigin) -> String { "\(inputs[o.file]) (\(o.block) row \(o.row))" }
        let order = records.indices.sorted { (records[$0].origin, $0) < (records[$1].origin, $1) }
        for r in order.map({ records[$0] }) {
            if let j = byKey[r.key] {
                let o = out[j]
                guard o.disorder == r.disorder else {
                    throw ReduceError(message: "mismatched configs: \(place(o.origin)) and \(place(r.origin)) hold the same task \(r.key) with different disorder")
                }
                guard try payload(o) == payload(r) else {
                    throw ReduceError(message: "mismatched configs: \(place(o.origin)) and \(place(r.origin)) hold the same task \(r.key) with the same disorder but different results")
                }
                duplicates += 1
                if firstDuplicate == nil { firstDuplicate = r.key }
                continue
            }
            byKey[r.key] = out.count
            out.append(r)
        }
        if let first = firstDuplicate {
            // The key names itself (its point's fields, seed and realization):
            // no per-study label to keep in step with it.
            warnings.append("\(duplicates) duplicated task(s) found in several inputs (same disorder and results), the first \(first); each counted once")
        }
        log("[reduce] \(out.count) distinct completed task records from \(inputs.count) file(s); \(duplicates) duplicate(s) ignored")
        return out
    }
}
