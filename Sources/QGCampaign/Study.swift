import QGMPI
import QGHDF5
import QGLinearAlgebra
import QGDistributedLinearAlgebra
import QGPhysics

/// Campaign-wide settings, from the `[campaign]` table (docs/models.md, "Common conventions").
public struct CampaignSettings: Sendable {
    public var seed: UInt64
    public var realizations: Int
    /// Index of the first realization (realizations first ..< first + count);
    /// lets separate jobs cover disjoint realization ranges of one study.
    public var firstRealization: Int
    public var groupSize: Int
    public var output: String?
    /// OpenBLAS threads per rank. Default 1: payload bits depend on the BLAS
    /// thread count, so one thread per rank keeps results bit-identical for any
    /// rank count. 0 = cores on the node / ranks on the node (faster with few
    /// ranks; the count is recorded in the file).
    public var blasThreads: Int
    public var lapackDriver: LAPACKDriver
    public var scalapackDriver: ScaLAPACKDriver
    public var blockSize: Int
    /// The complex Hermitian (S10b O(3)) path's drivers on one rank and on a
    /// group (`complex_lapack_driver`, `complex_scalapack_driver`).
    public var complexLapackDriver: HermitianLAPACKDriver = .measuredDefault
    public var complexScalapackDriver: HermitianScaLAPACKDriver = .measuredDefault

    public static func parse(_ t: ConfigTable) throws -> CampaignSettings {
        try t.declare(["seed", "realizations", "first_realization", "group_size", "blas_threads", "lapack_driver", "scalapack_driver",
                       "complex_lapack_driver", "complex_scalapack_driver", "block_size", "output"])
        let seed = try t.int("seed")
        guard seed >= 0 else { throw ConfigError("[campaign] seed must be >= 0 (got \(seed))") }
        let n = try t.int("realizations")
        guard n >= 1 && n < (1 << 31) else {
            throw ConfigError("[campaign] realizations must be in 1..2^31 (got \(n)); a run holds at most \(CampaignLimits.maxTasks) tasks (points x realizations)")
        }
        let first = try t.int("first_realization", default: 0)
        guard first >= 0 && first + n < (1 << 31) else { throw ConfigError("[campaign] first_realization must be >= 0 (got \(first))") }
        let g = try t.int("group_size", default: 1)
        guard g >= 1 && g <= 4096 else { throw ConfigError("[campaign] group_size must be in 1..4096 (got \(g))") }
        let threads = try t.int("blas_threads", default: 1)
        guard threads >= 0 && threads <= 1024 else { throw ConfigError("[campaign] blas_threads must be >= 0 (got \(threads))") }
        let lapack = try Self.driver(t, "lapack_driver", default: LAPACKDriver.dsyevd)
        let scalapack = try Self.driver(t, "scalapack_driver", default: ScaLAPACKDriver.pdsyevd)
        let complexLapack = try Self.driver(t, "complex_lapack_driver", default: HermitianLAPACKDriver.measuredDefault)
        let complexScalapack = try Self.driver(t, "complex_scalapack_driver", default: HermitianScaLAPACKDriver.measuredDefault)
        let nb = try t.int("block_size", default: 64)
        guard nb >= 2 && nb <= 1024 else { throw ConfigError("[campaign] block_size must be in 2..1024 (got \(nb))") }
        let out = try t.optionalString("output")
        try t.finish()
        return CampaignSettings(seed: UInt64(seed), realizations: n, firstRealization: first, groupSize: g, output: out, blasThreads: threads,
                                lapackDriver: lapack, scalapackDriver: scalapack, blockSize: nb,
                                complexLapackDriver: complexLapack, complexScalapackDriver: complexScalapack)
    }

    /// The driver named by `key` (default `d`), refused unless it is one of `D`'s cases.
    private static func driver<D: RawRepresentable & CaseIterable>(_ t: ConfigTable, _ key: String, default d: D) throws -> D
        where D.RawValue == String {
        let name = try t.string(key, default: d.rawValue)
        guard let driver = D(rawValue: name) else {
            throw ConfigError("[campaign] \(key) must be one of \(D.allCases.map(\.rawValue)) (got '\(name)')")
        }
        return driver
    }

    /// Canonical TOML of the settings that determine the payload: the
    /// disorder (seed, realizations) and the solver setup (group size,
    /// drivers, block size, BLAS threads), whose changes alter payload bits.
    /// The output path is excluded. `blas_threads = 0` (auto) is compared as
    /// written; the driver also compares its resolved count on --resume.
    /// The complex drivers are written only where they differ from their
    /// defaults, so that the canonical text of files that never use them
    /// (every real-model study) is the one it was before the keys existed.
    public var canonical: String {
        "[campaign]\nseed = \(seed)\nrealizations = \(realizations)\nfirst_realization = \(firstRealization)\n"
            + "group_size = \(groupSize)\nblas_threads = \(blasThreads)\nlapack_driver = \"\(lapackDriver.rawValue)\"\n"
            + "scalapack_driver = \"\(scalapackDriver.rawValue)\"\nblock_size = \(blockSize)\n"
            + (complexLapackDriver == .measuredDefault ? "" : "complex_lapack_driver = \"\(complexLapackDriver.rawValue)\"\n")
            + (complexScalapackDriver == .measuredDefault ? "" : "complex_scalapack_driver = \"\(complexScalapackDriver.rawValue)\"\n")
    }
}

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
    /// Local, rank 0, after the campaign: a short human summary read back
    /// from the finished file.
    func summary(file: HDF5File) throws -> String
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
    public func summary(file: HDF5File) throws -> String { "" }
    public static var supportsGroups: Bool { false }
}

/// All studies known to the CLI: `StudyRegistry.all` is generated at build
/// time (Plugins/StudyRegistryPlugin runs Sources/study-registry-gen over
/// Studies/*.swift) from one `// @RegisteredStudy(Type, order: N)` line in
/// each study's file; no list here to edit (docs/adding-a-study.md).
extension StudyRegistry {
    public static func find(_ name: String) -> (any Study.Type)? { all.first { $0.name == name } }
}
