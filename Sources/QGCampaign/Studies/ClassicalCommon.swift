import QGPhysics

/// What the classical studies (S2 fields, S3 avalanche, S4 two-flip, S7
/// tempering) share: the chain's sizes and exponents, the disorder of a
/// realization, and the initial-state options.
///
/// Disorder (schema 2): J of realization r at size L is drawn by
/// `LongRangeSpinGlass.drawCouplings` from the counter-based stream
/// `disorderKey` = FNV-1a("classical|L=..") with the campaign seed and
/// realization r. It does not depend on the study, alpha, the boundary, the
/// state kind, h_x or the temperatures (alpha and the boundary enter through
/// the distances d_ij^alpha only), so realization r of size L is the same
/// J_ij in every classical study and at every alpha (paired comparisons, e.g.
/// random vs SFS, or alpha = 0.6 vs 0.8). The key is stored per task
/// (`disorder_stream`), so J can be regenerated from the file alone;
/// `store_disorder = true` also stores J itself. (Schema 1 keyed J by (L,
/// alpha, boundary).) The random initial state is other randomness of the
/// task and stays keyed by (L, alpha, boundary) (`stateKey`).
struct ClassicalChainSpec: Sendable {
    var sizes: [Int]
    var alphas: [Double]
    var boundary: Boundary
    var storeDisorder: Bool

    /// The parameters every classical study's table starts with, in canonical order.
    static func parameters(maxL: Int) -> [Parameter] {
        [.ints("L", in: 2...maxL, example: [8], unit: "sites", help: "chain sizes; one output block /{study}/L{L} per size"),
         alphas,
         boundary,
         .bool("store_disorder", default: false, help: "also store J [L, L] per task (the seed and disorder_stream regenerate it)")]
    }

    /// The interaction exponents (a list; S1's too).
    static let alphas = Parameter.doubles("alpha", lower: .above(0), magnitude: PhysicalBounds.alpha, example: [0.7], unit: "1",
                                          help: "interaction exponents alpha of J_ij / d_ij^alpha")
    /// The boundary of the distances d_ij (every chain study's, S1 included).
    static let boundary = Parameter.choice("boundary", Boundary.self, default: .periodic, help: "distance d_ij: periodic (ring) or open")
    /// The relaxation order of the single-flip-stable states.
    static let order = Parameter.choice("order", RelaxationOrder.self, default: .greedy, help: "order of the SFS relaxation's flips")
    /// The transverse fields h_x (a list).
    static let fields = Parameter.doubles("hx", lower: .above(0), magnitude: PhysicalBounds.magnitude, example: [0.5], unit: "J",
                                          help: "transverse fields h_x")
    /// The initial-state kinds (a list of "random", "sfs").
    static func states(default d: [InitialState]) -> Parameter {
        .choices("state", InitialState.allCases.map(\.rawValue), default: d.map(\.rawValue),
                 help: "initial states: random (T = inf) or sfs (single-flip stable)")
    }

    init(_ v: ParameterValues) {
        sizes = v.ints("L"); alphas = v.doubles("alpha"); boundary = v.choice("boundary"); storeDisorder = v.bool("store_disorder")
    }

    static func disorderKey(L: Int) -> UInt64 {
        StreamKey.make("classical|L=\(L)")
    }

    /// Stream of the random initial state of realization r: other randomness
    /// of a task, so keyed by the parameter point (L, alpha, boundary) as in
    /// schema 1 (unchanged); independent of the state kind, so an SFS state is
    /// relaxed from exactly the random state that the `random` kind uses.
    static func stateKey(L: Int, alpha: Double, boundary: Boundary) -> UInt64 {
        StreamKey.make("classical-state|L=\(L)|alpha=\(alpha)|boundary=\(boundary.rawValue)")
    }

    /// Local: the chain and initial state of realization r.
    static func prepare(L: Int, alpha: Double, boundary: Boundary, seed: UInt64, realization: Int,
                        kind: InitialState, order: RelaxationOrder)
        -> (J: [Double], chain: ClassicalChain, z: [Int8], phi: [Double], flips: Int) {
        let J = couplings(L: L, alpha: alpha, boundary: boundary, seed: seed, realization: realization)
        let chain = ClassicalChain(L: L, alpha: alpha, boundary: boundary, J: J)
        var rng = CounterRNG(seed: seed, stream: stateKey(L: L, alpha: alpha, boundary: boundary), realization: realization)
        let s = SingleFlipStable.prepare(chain, kind: kind, order: order, rng: &rng)
        return (J, chain, s.z, s.phi, s.flips)
    }

    /// Local: J of realization r (symmetric L x L).
    static func couplings(L: Int, alpha: Double, boundary: Boundary, seed: UInt64, realization: Int) -> [Double] {
        var rng = CounterRNG(seed: seed, stream: disorderKey(L: L), realization: realization)
        return LongRangeSpinGlass.drawCouplings(L: L, rng: &rng)
    }

    /// Measured: ~2.2e-8 s per L^2 for J + K + an SFS relaxation (docs/classical.md),
    /// the setup every classical task's cost starts with (S2-S5, S6b).
    static let secondsPerSquaredSize = 2.2e-8

    /// Bytes of J and K of an L-chain (the dominant memory of every classical task).
    static func chainBytes(_ L: Int) -> Int { 16 * L * L + (32 << 20) }

    /// One block `/{study}/L{L}` per size, block b holding the points of
    /// `grid`'s block b x realizations: the identity datasets every
    /// classical block has (alpha, realization, point, disorder_stream, J if
    /// stored) followed by `datasets(L)`, and the attributes L and
    /// boundary_open plus `attributes`.
    func blocks<P>(study: String, grid: ParameterGrid<P>, campaign: CampaignSettings, attributes: [String: Double],
                   _ datasets: (Int) -> [DatasetSpec]) -> [OutputBlock] {
        sizes.enumerated().map { b, L in
            var ds: [DatasetSpec] = [.interactionExponent,
                                     .realization(), .point(), .classicalDisorderStream]
            if storeDisorder { ds.append(.couplings(L: L)) }
            let attrs = attributes.merging(["L": Double(L), "boundary_open": boundary == .open ? 1 : 0]) { a, _ in a }
            return OutputBlock(path: "/\(study)/L\(L)", rows: grid.pointsOf(block: b).count * campaign.realizations, datasets: ds + datasets(L),
                               attributes: attrs)
        }
    }

    /// Local: the chain of a task at (L, alpha) and its initial state of `kind` (`prepare`).
    func prepare(_ task: TaskSpec, L: Int, alpha: Double, kind: InitialState, order: RelaxationOrder, seed: UInt64)
        -> (J: [Double], chain: ClassicalChain, z: [Int8], phi: [Double], flips: Int) {
        Self.prepare(L: L, alpha: alpha, boundary: boundary, seed: seed, realization: task.realization, kind: kind, order: order)
    }

    /// The identity rows of a task whose chain has couplings J.
    func identityRows(_ task: TaskSpec, L: Int, alpha: Double, J: [Double]) -> [String: RowValue] {
        var rows = StandardRows.identity(task) + ["alpha": .float64([alpha]), "disorder_stream": .int64([Int64(bitPattern: Self.disorderKey(L: L))])]
        if storeDisorder { rows["J"] = .float64(J) }
        return rows
    }
}

/// What S4 (twoflip) and S6b (twospin) share: per (L, alpha, state) point a
/// random or single-flip-stable state of the classical chain, on which every
/// h_x of a list is evaluated; blocks `/{study}/L{L}`.
public struct ChainFieldList: Sendable {
    public struct Point: Sendable, Hashable { public var L: Int; public var alpha: Double; public var state: InitialState }

    let chain: ClassicalChainSpec
    public let fields: [Double]
    public let states: [InitialState]
    public let order: RelaxationOrder
    public let grid: ParameterGrid<Point>

    /// The study's parameters: the chain's, then `hx`, `state`, `order`.
    static func parameters(maxL: Int, states: [InitialState]) -> [Parameter] {
        ClassicalChainSpec.parameters(maxL: maxL) + [ClassicalChainSpec.fields, ClassicalChainSpec.states(default: states), ClassicalChainSpec.order]
    }

    init(_ v: ParameterValues) {
        chain = ClassicalChainSpec(v); fields = v.doubles("hx"); states = v.choices("state"); order = v.choice("order")
        grid = ParameterGrid(chain.sizes, chain.alphas, states) { Point(L: $0, alpha: $1, state: $2) }
    }

    /// One block per L: the chain's identity columns, `state`, `z`, `hx`, then `datasets(L)`.
    func blocks(study: String, campaign: CampaignSettings, attributes: [String: Double], _ datasets: (Int) -> [DatasetSpec]) -> [OutputBlock] {
        chain.blocks(study: study, grid: grid, campaign: campaign, attributes: ["order": Double(order.code)].merging(attributes) { a, _ in a }) { L in
            [.initialStateKind, DatasetSpec("z", .int8, [L], units: "", description: "the state on which every h_x is evaluated, z_i = +-1"),
             DatasetSpec("hx", .float64, [fields.count], units: "J", description: "the h_x list, each evaluated on the same state")] + datasets(L)
        }
    }

    /// The tasks, costed L^2 (1 + number of h_x).
    func tasks(campaign: CampaignSettings) -> [TaskSpec] {
        grid.tasks(campaign: campaign) { p in Double(grid.points[p].L * grid.points[p].L * (1 + fields.count)) }
    }

    /// Bytes of the task's chain.
    func peakBytes(_ task: TaskSpec) -> Int { ClassicalChainSpec.chainBytes(grid.points[task.point].L) }

    /// ~2.2e-8 s per L^2 (chain + SFS) plus `perField(L)` per h_x.
    func coreSeconds(_ task: TaskSpec, groupSize: Int, perField: (Double) -> Double) -> Double {
        let L = Double(grid.points[task.point].L)
        return (ClassicalChainSpec.secondsPerSquaredSize * L * L + perField(L) * Double(fields.count)) * Double(groupSize)
    }

    /// Local, group rank 0 only (nil elsewhere): the task's chain and state,
    /// its rows (identity, `state`, `z`, `hx`) and those of `evaluate(chain, z, phi)`.
    func run(_ task: TaskSpec, context: TaskContext,
             _ evaluate: (ClassicalChain, [Int8], [Double]) -> [String: RowValue]) -> TaskOutput? {
        guard context.group.rank == 0 else { return nil }
        let p = grid.points[task.point]
        let s = chain.prepare(task, L: p.L, alpha: p.alpha, kind: p.state, order: order, seed: context.settings.seed)
        return TaskOutput(rows: chain.identityRows(task, L: p.L, alpha: p.alpha, J: s.J)
                          + ["state": .int8([p.state.code]), "z": .int8(s.z), "hx": .float64(fields)] + evaluate(s.chain, s.z, s.phi))
    }
}

/// A study over a `ChainFieldList` (S4 twoflip, S6b twospin): its grid,
/// parameters, parse, tasks and memory come from the list; the study gives
/// its size limit, its `state` default and its columns. Internal: the
/// memberwise init is the study's init; the defaults are public witnesses.
protocol ChainFieldListStudy: GridStudy where Point == ChainFieldList.Point {
    var setup: ChainFieldList { get }
    var campaign: CampaignSettings { get }
    static var maxL: Int { get }
    /// The default of the `state` parameter.
    static var defaultStates: [InitialState] { get }
    init(setup: ChainFieldList, campaign: CampaignSettings, parameterValues: ParameterValues)
}

extension ChainFieldListStudy {
    public var grid: ParameterGrid<Point> { setup.grid }
    public static var parameters: [Parameter] { ChainFieldList.parameters(maxL: maxL, states: defaultStates) }
    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> Self {
        let v = try ParameterValues.parse(t, parameters)
        return Self(setup: ChainFieldList(v), campaign: campaign, parameterValues: v)
    }
    public var tasks: [TaskSpec] { setup.tasks(campaign: campaign) }
    public func peakBytesPerRank(_ task: TaskSpec, groupSize: Int) -> Int { setup.peakBytes(task) }
}

/// What S5 (quench) and S6c (entgrowth) share: the classical chain at one
/// exponent alpha, its boundary and SFS relaxation order, and a fixed log
/// time grid (`LogTimeGrid`); the studies differ in the grid's defaults and cap.
public struct ChainQuenchSetup: Sendable {
    public let alpha: Double
    public let boundary: Boundary
    public let order: RelaxationOrder
    public let timeGrid: LogTimeGrid

    /// The one interaction exponent of a quench study.
    static let alpha = Parameter.double("alpha", lower: .above(0), magnitude: PhysicalBounds.alpha, example: 0.7, unit: "1",
                                        help: "interaction exponent alpha")

    /// The parsed values `v`; refuses a time grid with t_max <= t_min.
    init(_ v: ParameterValues, cap: Double) throws {
        alpha = v.double("alpha")
        boundary = v.choice("boundary")
        order = v.choice("order")
        timeGrid = try LogTimeGrid(v, cap: cap)
    }

    /// Local: the chain of realization r at size L and its initial state of `kind` (`ClassicalChainSpec.prepare`).
    func prepare(L: Int, seed: UInt64, realization: Int, kind: InitialState)
        -> (J: [Double], chain: ClassicalChain, z: [Int8], phi: [Double], flips: Int) {
        ClassicalChainSpec.prepare(L: L, alpha: alpha, boundary: boundary, seed: seed, realization: realization, kind: kind, order: order)
    }
}

/// A quench study over a `ChainQuenchSetup` (S5, S6c): its chain settings and time grid.
public protocol ChainQuenchStudy: DeclaredStudy {
    var setup: ChainQuenchSetup { get }
}

extension ChainQuenchStudy {
    public var alpha: Double { setup.alpha }
    public var boundary: Boundary { setup.boundary }
    public var order: RelaxationOrder { setup.order }
    public var timeGrid: LogTimeGrid { setup.timeGrid }
    /// The fixed log time grid (`LogTimeGrid`).
    public var times: [Double] { setup.timeGrid.times }
}
