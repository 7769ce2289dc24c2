import QGPhysics

// @RegisteredStudy(FieldsStudy, order: 2)
/// Study S2: effective fields in random (T = inf) and single-flip-stable
/// states (docs/models.md S2, seed 001 Fig. 1). Config table `[fields]`; output
/// groups `/fields/L{L}` holding the final state z, its fields phi and a
/// log-binned histogram of |phi| per task.
public struct FieldsStudy: GridStudy {
    public static let name = "fields"
    public static let summary = "S2: effective fields phi_i in random and single-flip-stable states, |phi| histograms on log bins"

    public struct Point: Sendable, Hashable { public var L: Int; public var alpha: Double; public var state: InitialState }

    let chain: ClassicalChainSpec
    public let order: RelaxationOrder
    /// The configured |phi| bins, empty: each task fills a copy.
    public let histogram: LogHistogram
    public let grid: ParameterGrid<Point>
    public let campaign: CampaignSettings, parameterValues: ParameterValues

    public static let maxL = 40_000

    public static let parameters = ClassicalChainSpec.parameters(maxL: maxL) + [
        ClassicalChainSpec.states(default: [.sfs]), ClassicalChainSpec.order,
        .double("phi_min", lower: .above(0), default: 1e-4, unit: "J", help: "lowest edge of the |phi| histogram"),
        .double("phi_max", lower: .above(0), default: 100, unit: "J",
                help: "upper end of the |phi| histogram (> phi_min)"),
        .int("bins_per_decade", in: 1...1000, default: 10, help: "logarithmic histogram bins per decade of |phi|"),
    ]

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> FieldsStudy {
        let v = try ParameterValues.parse(t, parameters)
        let (lo, hi) = try v.increasing("phi_min", "phi_max", need: "0 < phi_min < phi_max")
        let chain = ClassicalChainSpec(v), states: [InitialState] = v.choices("state")
        return FieldsStudy(chain: chain, order: v.choice("order"), histogram: LogHistogram(lo: lo, hi: hi, perDecade: v.int("bins_per_decade")),
                           grid: ParameterGrid(chain.sizes, chain.alphas, states) { Point(L: $0, alpha: $1, state: $2) },
                           campaign: campaign, parameterValues: v)
    }

    var bins: Int { histogram.counts.count }

    public var blocks: [OutputBlock] {
        chain.blocks(study: Self.name, grid: grid, campaign: campaign,
                     attributes: ["phi_min": histogram.lo, "phi_max": histogram.hi, "bins_per_decade": Double(histogram.perDecade), "order": Double(order.code)]) { L in
            [.initialStateKind,
             DatasetSpec("z", .int8, [L], units: "", description: "the final state, z_i = +-1"),
             DatasetSpec("phi", .float64, [L], units: "J", description: "local fields phi_i = sum_{j != i} J_ij z_j / d_ij^alpha"),
             DatasetSpec("flips", .int64, units: "", description: "flips of the SFS relaxation (0 for random states)"),
             DatasetSpec("energy_per_spin", .float64, units: "J", description: "(1/2L) sum_i z_i phi_i"),
             DatasetSpec("phi_sq_mean", .float64, units: "J^2", description: "(1/L) sum_i phi_i^2"),
             DatasetSpec("min_abs_phi", .float64, units: "J", description: "min_i |phi_i|"),
             DatasetSpec("phi_hist", .float64, [bins], units: "1", description: "counts of |phi_i| per logarithmic bin (edges phi_min 10^(k / bins_per_decade))"),
             DatasetSpec("phi_underflow", .float64, units: "1", description: "count of |phi_i| below phi_min"),
             DatasetSpec("phi_overflow", .float64, units: "1", description: "count of |phi_i| at or above phi_max")]
        }
    }

    public var tasks: [TaskSpec] {
        grid.tasks(campaign: campaign) { p in Double(points[p].L * points[p].L) }
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize: Int) -> Int { ClassicalChainSpec.chainBytes(points[task.point].L) }

    /// The chain's setup (`ClassicalChainSpec.secondsPerSquaredSize`).
    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize: Int) -> Double {
        let L = Double(points[task.point].L)
        return ClassicalChainSpec.secondsPerSquaredSize * L * L * Double(groupSize)
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        guard context.group.rank == 0 else { return nil }
        let p = points[task.point]
        let s = chain.prepare(task, L: p.L, alpha: p.alpha, kind: p.state, order: order, seed: context.settings.seed)
        var hist = histogram
        var sq = 0.0, minAbs = Double.infinity
        for x in s.phi { hist.add(x); sq += x * x; minAbs = min(minAbs, abs(x)) }
        var rows = chain.identityRows(task, L: p.L, alpha: p.alpha, J: s.J)
        rows["state"] = .int8([p.state.code])
        rows["z"] = .int8(s.z)
        rows["phi"] = .float64(s.phi)
        rows["flips"] = .int64([Int64(s.flips)])
        rows["energy_per_spin"] = .float64([ClassicalChain.energy(z: s.z, phi: s.phi) / Double(p.L)])
        rows["phi_sq_mean"] = .float64([sq / Double(p.L)])
        rows["min_abs_phi"] = .float64([minAbs])
        rows["phi_hist"] = .float64(hist.counts)
        rows["phi_underflow"] = .float64([hist.underflow])
        rows["phi_overflow"] = .float64([hist.overflow])
        return TaskOutput(rows: rows)
    }
}
