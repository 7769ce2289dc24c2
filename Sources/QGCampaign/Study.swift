import QGMPI
import QGHDF5
import QGLinearAlgebra
import QGDistributedLinearAlgebra
import QGPhysics

/// One unit of work: a (parameter point, realization) pair, written to row
/// `row` of output block `block`.
public struct TaskSpec: Sendable, Hashable {
    /// Position in the study's task list.
    public var index: Int
    public var block: Int
    public var row: Int
    public var point: Int
    public var realization: Int
    /// Relative cost, used to hand out expensive tasks first.
    public var cost: Double
    public init(index: Int, block: Int, row: Int, point: Int, realization: Int, cost: Double) {
        self.index = index; self.block = block; self.row = row; self.point = point; self.realization = realization; self.cost = cost
    }
}

/// A dataset of an output block: shape [rows] + rowShape. `units` and
/// `description` are stored as the dataset's string attributes of those names
/// ("1" for dimensionless numbers, "" for labels, codes and flags).
public struct DatasetSpec: Sendable {
    public var name: String
    public var type: HDF5ElementType
    public var rowShape: [Int]
    public var units: String
    public var description: String
    public init(_ name: String, _ type: HDF5ElementType, _ rowShape: [Int] = [], units: String = "", description: String = "") {
        self.name = name; self.type = type; self.rowShape = rowShape; self.units = units; self.description = description
    }
}

/// An HDF5 group holding `rows` tasks (e.g. /lrsg/L8). The driver adds
/// `done` (uint8) and `wall_seconds` (float64) to every block.
public struct OutputBlock: Sendable {
    public var path: String
    public var rows: Int
    public var datasets: [DatasetSpec]
    /// Attributes written on the group at creation.
    public var attributes: [String: Double]
    /// Dimension of the dense matrices of this block's tasks, if any (for `qglass plan`).
    public var matrixDimension: Int?
    public init(path: String, rows: Int, datasets: [DatasetSpec], attributes: [String: Double] = [:], matrixDimension: Int? = nil) {
        self.path = path; self.rows = rows; self.datasets = datasets; self.attributes = attributes; self.matrixDimension = matrixDimension
    }
}

/// One row of one dataset.
public enum RowValue: Sendable {
    case float64([Double])
    case int64([Int64])
    case int8([Int8])
    case uint8([UInt8])
}

/// What a task produces: one row per dataset of its block, plus a line of
/// diagnostics for the log.
public struct TaskOutput: Sendable {
    public var rows: [String: RowValue]
    public init(rows: [String: RowValue] = [:]) { self.rows = rows }
}

/// What a study's `run` sees.
public struct TaskContext {
    /// The ranks that compute this task together (collective operations in
    /// `run` are over this communicator).
    public let group: Communicator
    public let settings: CampaignSettings
    /// Local: the counter-based RNG of this task, keyed by (seed, study,
    /// point, realization).
    public func rng(stream: String, realization: Int) -> CounterRNG {
        CounterRNG(seed: settings.seed, stream: StreamKey.make(stream), realization: realization)
    }
}

/// A study: a model plus its observables, as a campaign. Adding a study is
/// one file that conforms to this protocol and carries its
/// `// @RegisteredStudy(Type, order: N)` line (`StudyRegistry`).
public protocol Study: Sendable {
    /// Name of the config table and of the top HDF5 group.
    static var name: String { get }
    /// One-line description for `qglass studies`.
    static var summary: String { get }
    /// Whether a task can be computed by a ScaLAPACK group of several ranks
    /// (`group_size > 1`). Default false: such a study refuses
    /// `group_size > 1` before any allocation instead of leaving ranks idle.
    static var supportsGroups: Bool { get }
    /// The parameters of the study's table, declared once (`Parameter`).
    /// `parse` reads them with `ParameterValues.parse`, `canonical` is
    /// derived from them, and `qglass schema` prints them.
    static var parameters: [Parameter] { get }
    /// Parse and validate the study's table (strict; no allocation).
    static func parse(_ table: ConfigTable, campaign: CampaignSettings) throws -> Self
    /// Canonical TOML of the study's table: two configs with the same
    /// canonical text produce the same payload.
    var canonical: String { get }
    /// The output blocks, with their row counts: cheap for any count (no
    /// per-task storage), so the size checks and `qglass plan` work from
    /// them (CampaignSize.swift).
    var blocks: [OutputBlock] { get }
    /// Every (point, realization) task. Built only by the driver, after the
    /// size checks (`CampaignPlan.sizeRefusal`) bound the count by
    /// `CampaignLimits.maxTasks`; plans and checks use one representative
    /// task per block (`CampaignPlan.representativeTasks`). The first task
    /// of each block must not depend on `[campaign] realizations` (its
    /// first point, realization `first_realization`).
    var tasks: [TaskSpec] { get }
    /// Estimated peak bytes per rank for `task`, computed by groups of
    /// `groupSize` ranks.
    func peakBytesPerRank(_ task: TaskSpec, groupSize: Int) -> Int
    /// Estimated core-seconds of `task` on a group of `groupSize` ranks with
    /// one BLAS thread each (cost model in docs/performance.md).
    func estimatedCoreSeconds(_ task: TaskSpec, groupSize: Int) -> Double
    /// The solver paths that compute the same payload with other memory
    /// needs, fastest first (e.g. the dense eigensolver drivers). Never
    /// empty; the default is the configured path alone (`SolverPath.configured`).
    var solverPaths: [SolverPath] { get }
    /// True when the tasks compute eigenpairs near a target only (the
    /// planner's "full ED is the wrong tool" note does not apply).
    var isMidSpectrum: Bool { get }
    /// Collective over `context.group`: compute `task`. The group's rank 0
    /// returns the output; the others return nil.
    func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput?
}

/// One way to run a study's tasks (issue 15): a label, the config keys that
/// select it, its memory per rank and core-seconds on a group of g ranks for
/// a task, and whether the config as given already runs it on g ranks.
public struct SolverPath: Sendable {
    public var label: String
    /// `table.key=value` overrides (the form of `--set`).
    public var settings: [String]
    public var bytesPerRank: @Sendable (TaskSpec, Int) -> Int
    public var coreSeconds: @Sendable (TaskSpec, Int) -> Double
    /// True when the config runs this path on a group of g ranks (`qglass
    /// plan` says when it advises another).
    public var isConfigured: @Sendable (Int) -> Bool
    public init(label: String, settings: [String], bytesPerRank: @escaping @Sendable (TaskSpec, Int) -> Int,
                coreSeconds: @escaping @Sendable (TaskSpec, Int) -> Double, isConfigured: @escaping @Sendable (Int) -> Bool) {
        self.label = label; self.settings = settings; self.bytesPerRank = bytesPerRank; self.coreSeconds = coreSeconds
        self.isConfigured = isConfigured
    }

    /// The path the config selects, with the study's own estimates.
    public static func configured(_ study: some Study) -> SolverPath {
        SolverPath(label: "configured", settings: [], bytesPerRank: { study.peakBytesPerRank($0, groupSize: $1) },
                   coreSeconds: { study.estimatedCoreSeconds($0, groupSize: $1) }, isConfigured: { _ in true })
    }
}

/// A study whose table is parsed from its declared `parameters`: it keeps
/// the parsed values, and its canonical text is theirs.
public protocol DeclaredStudy: Study {
    /// The values of `Self.parameters` as parsed.
    var parameterValues: ParameterValues { get }
}

extension DeclaredStudy {
    public var canonical: String { parameterValues.canonical }
}

/// A declared study whose points are a `ParameterGrid` of its parameters.
public protocol GridStudy: DeclaredStudy {
    associatedtype Point: Sendable
    var grid: ParameterGrid<Point> { get }
}

extension GridStudy {
    /// The study's points (block by block).
    public var points: [Point] { grid.points }
}

extension Study {
    public var solverPaths: [SolverPath] { [.configured(self)] }
    public var isMidSpectrum: Bool { false }
    public static var supportsGroups: Bool { false }
}

/// All studies known to the CLI: `StudyRegistry.all` is generated at build
/// time (Plugins/StudyRegistryPlugin runs Sources/study-registry-gen over
/// Studies/*.swift) from one `// @RegisteredStudy(Type, order: N)` line in
/// each study's file; no list here to edit (docs/adding-a-study.md).
extension StudyRegistry {
    public static func find(_ name: String) -> (any Study.Type)? { all.first { $0.name == name } }
}
