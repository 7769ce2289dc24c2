import QGPhysics

// @RegisteredStudy(TemperingStudy, order: 5)
/// Study S7: the classical spin-glass transition of the h_x = 0 model by
/// parallel tempering (docs/models.md S7; Katzgraber-Young, PRB 67, 134410).
/// Two replicas per temperature give the overlap q, its moments and the link
/// overlap q_l; every doubling stage of the run is kept, so the reducer can
/// apply the link-overlap equilibration test and compute Binder ratios from
/// the first stage that passes. Config table `[tempering]`; output groups
/// `/tempering/L{L}`.
public struct TemperingStudy: GridStudy {
    public static let name = "tempering"
    public static let summary = "S7: parallel-tempering Monte Carlo of the h_x = 0 chain: overlaps, Binder ratio, link-overlap equilibration test"

    public struct Point: Sendable, Hashable { public var L: Int; public var alpha: Double }
    /// Coupling normalization: `meanField` divides J by T_c^MF (so T_c^MF = 1,
    /// Katzgraber-Young units, in which T_c = 0.62(3) at alpha = 0.75); `none`
    /// uses the couplings of S1 as written.
    public enum Normalization: String, Sendable, CaseIterable { case meanField = "mean-field", none }

    let chain: ClassicalChainSpec
    /// The ladder and the doubling stages.
    let schedule: ParallelTempering.Schedule
    public let normalization: Normalization
    public let grid: ParameterGrid<Point>
    public let campaign: CampaignSettings, parameterValues: ParameterValues

    public static let maxL = 8192

    public static let parameters = ClassicalChainSpec.parameters(maxL: maxL) + [
        .double("T_min", lower: .atLeast(PhysicalBounds.smallestTemperature), magnitude: PhysicalBounds.magnitude, default: 0.2, unit: "J",
                help: "lowest temperature of the geometric ladder"),
        .double("T_max", lower: .above(0), magnitude: PhysicalBounds.magnitude, default: 1.4, unit: "J",
                help: "highest temperature of the ladder (> T_min)"),
        .int("temperatures", in: 2...512, default: 20, help: "temperatures of the ladder"),
        .int("sweeps", in: 2...(1 << 30), default: 256, help: "Monte Carlo sweeps of stage 0 (each stage doubles them)"),
        .int("stages", in: 1...24, default: 5, note: "(and sweeps * 2^(stages-1) <= 2^34)", help: "doubling stages kept"),
        .choice("normalize", Normalization.self, default: .meanField, help: "couplings divided by T_c^MF (mean-field) or as in S1 (none)"),
    ]

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> TemperingStudy {
        var v = try ParameterValues.parse(t, parameters)
        let (lo, hi) = try v.increasing("T_min", "T_max", need: "0 < T_min < T_max"), sweeps = v.int("sweeps"), stages = v.int("stages")
        guard (sweeps << (stages - 1)) <= 1 << 34 else {
            throw ConfigError("[tempering] stages must be in 1...24 with sweeps * 2^(stages-1) <= 2^34 (got \(stages))")
        }
        let temperatures = ParallelTempering.Schedule.geometric(lo: lo, hi: hi, count: v.int("temperatures"))
        // The canonical text writes the ladder's ends as computed (as every run before the declaration did).
        v.set("T_min", .double(temperatures.first!)); v.set("T_max", .double(temperatures.last!))
        let chain = ClassicalChainSpec(v)
        return TemperingStudy(chain: chain, schedule: .init(temperatures: temperatures, initialSweeps: sweeps, stages: stages),
                              normalization: v.choice("normalize"),
                              grid: ParameterGrid(chain.sizes, chain.alphas) { Point(L: $0, alpha: $1) }, campaign: campaign, parameterValues: v)
    }

    public var temperatures: [Double] { schedule.temperatures }
    /// The per-stage, per-temperature columns, declared once: name, units,
    /// description and the field of `ParallelTempering.Stage` they hold.
    static let stageColumns: [(name: String, units: String, description: String, field: KeyPath<ParallelTempering.Stage, [Double]> & Sendable)] = [
        ("energy", "J", "thermal average of E/L over both copies, per stage and temperature", \.energy),
        ("q2", "1", "thermal average of q^2, q = (1/L) sum_i z^a_i z^b_i, per stage and temperature", \.q2),
        ("q4", "1", "thermal average of q^4 per stage and temperature", \.q4),
        ("abs_q", "1", "thermal average of |q| per stage and temperature", \.absQ),
        ("ql", "1", "thermal average of the link overlap per stage and temperature", \.ql),
    ]
    public static let stageNames = stageColumns.map(\.name)

    public var blocks: [OutputBlock] {
        let nT = temperatures.count
        return chain.blocks(study: Self.name, grid: grid, campaign: campaign,
                            attributes: ["stages": Double(schedule.stages), "initial_sweeps": Double(schedule.initialSweeps),
                                         "normalized_mean_field": normalization == .meanField ? 1 : 0]) { _ in
            [DatasetSpec("T", .float64, [nT], units: "J", description: "the temperature ladder (ascending)"),
             DatasetSpec("tmf2", .float64, units: "J^2", description: "(T_c^MF)^2 of the couplings used (1 when normalized)"),
             DatasetSpec("sweeps", .int64, [schedule.stages], units: "", description: "total sweeps at the end of each stage")]
                + Self.stageColumns.map { DatasetSpec($0.name, .float64, [schedule.stages, nT], units: $0.units, description: $0.description) }
                + [DatasetSpec("exchange_acceptance", .float64, [schedule.stages, nT - 1], units: "1",
                               description: "accepted fraction of exchanges between temperatures t and t+1, per stage")]
        }
    }

    public var tasks: [TaskSpec] {
        grid.tasks(campaign: campaign) { p in Double(points[p].L * points[p].L) }
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize: Int) -> Int {
        let L = points[task.point].L
        return ClassicalChainSpec.chainBytes(L) + 2 * temperatures.count * 9 * L
    }

    /// Cost model (docs/classical.md), fitted to L = 32..128 on the reference
    /// machine: per sweep and temperature ~8e-10 s L^2 (field updates of both
    /// copies and the link overlap) plus ~2e-8 s L (Metropolis attempts).
    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize: Int) -> Double {
        let L = Double(points[task.point].L), nT = Double(temperatures.count)
        let sweeps = Double(schedule.initialSweeps << (schedule.stages - 1))
        return sweeps * nT * (8e-10 * L * L + 2e-8 * L) * Double(groupSize)
    }

    func mcKey(_ p: Point) -> UInt64 {
        StreamKey.make("tempering-mc|L=\(p.L)|alpha=\(p.alpha)|boundary=\(chain.boundary.rawValue)|normalize=\(normalization.rawValue)")
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        guard context.group.rank == 0 else { return nil }
        let p = points[task.point]
        let J = ClassicalChainSpec.couplings(L: p.L, alpha: p.alpha, boundary: chain.boundary, seed: context.settings.seed,
                                             realization: task.realization)
        let tmf = ClassicalChain.meanFieldTemperature(L: p.L, alpha: p.alpha, boundary: chain.boundary)
        let scale = normalization == .meanField ? 1 / tmf : 1
        let model = ClassicalChain(L: p.L, alpha: p.alpha, boundary: chain.boundary, J: J, scale: scale)
        var rng = CounterRNG(seed: context.settings.seed, stream: mcKey(p), realization: task.realization)
        let result = ParallelTempering.run(model, schedule: schedule, rng: &rng)
        var rows = chain.identityRows(task, L: p.L, alpha: p.alpha, J: J)
        rows["T"] = .float64(temperatures)
        rows["tmf2"] = .float64([(scale * tmf) * (scale * tmf)])
        rows["sweeps"] = .int64(result.map { Int64($0.sweeps) })
        for c in Self.stageColumns { rows[c.name] = .float64(result.flatMap { $0[keyPath: c.field] }) }
        rows["exchange_acceptance"] = .float64(result.flatMap(\.exchangeAcceptance))
        return TaskOutput(rows: rows)
    }
}
