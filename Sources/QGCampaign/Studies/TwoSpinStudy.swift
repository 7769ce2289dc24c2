import QGHDF5
import QGPhysics

// @RegisteredStudy(TwoSpinStudy, order: 9)
/// Study S6b: the talk's estimate of the bipartite entanglement of a large
/// chain in a single-flip-stable state as the sum, over pairs (i in A, j in B)
/// across the half-chain cut, of the closed-form two-spin entropy
/// (`TwoSpinEntanglement.pairSumAcrossCut`, docs/quench-entanglement.md).
/// The chain of realization r is the classical one (stream `classical|L=..`,
/// shared with S2-S5 and S7); all h_x of the list are evaluated on the same
/// state. Config table `[twospin]`; output groups `/twospin/L{L}`.
public struct TwoSpinStudy: GridStudy {
    public static let name = "twospin"
    public static let summary = "S6b: sum of closed-form two-spin entanglements across the half-chain cut of SFS chains vs L"

    public struct Point: Sendable, Hashable { public var L: Int; public var alpha: Double; public var state: InitialState }

    let chain: ClassicalChainSpec
    public let fields: [Double]
    public let states: [InitialState]
    public let order: RelaxationOrder
    public let grid: ParameterGrid<Point>
    public let campaign: CampaignSettings, parameterValues: ParameterValues

    public static let maxL = 20_000

    public static let parameters = ClassicalChainSpec.parameters(maxL: maxL)
        + [ClassicalChainSpec.fields, ClassicalChainSpec.states(default: [.sfs]), ClassicalChainSpec.order]

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> TwoSpinStudy {
        let v = try ParameterValues.parse(t, parameters)
        let chain = ClassicalChainSpec(v), states: [InitialState] = v.choices("state")
        return TwoSpinStudy(chain: chain, fields: v.doubles("hx"), states: states, order: v.choice("order"),
                            grid: ParameterGrid(chain.sizes, chain.alphas, states) { Point(L: $0, alpha: $1, state: $2) },
                            campaign: campaign, parameterValues: v)
    }

    public var sizes: [Int] { chain.sizes }

    public var blocks: [OutputBlock] {
        chain.sizes.enumerated().map { b, L in
            chain.block(study: Self.name, L: L, points: grid.pointsOf(block: b).count, campaign: campaign,
                        datasets: [DatasetSpec("state", .int8, units: "1", description: "initial state kind: 0 random, 1 SFS"),
                                   DatasetSpec("z", .int8, [L], units: "1", description: "the chain state"),
                                   DatasetSpec("hx", .float64, [fields.count], units: "energy (J units)", description: "transverse fields evaluated"),
                                   DatasetSpec("entropy_sum", .float64, [fields.count], units: "nats",
                                               description: "sum over pairs across the half-chain cut of the two-spin entropy of the eigenstate connected to |z_i z_j>")],
                        attributes: ["order": Double(order.code), "maximum_pair_entropy": TwoSpinEntanglement.maximumEntropy])
        }
    }

    public var tasks: [TaskSpec] {
        grid.tasks(campaign: campaign) { p in Double(points[p].L * points[p].L * (1 + fields.count)) }
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize: Int) -> Int { ClassicalChainSpec.chainBytes(points[task.point].L) }

    /// ~2.2e-8 s per L^2 (chain + SFS) plus ~1e-6 s per pair and field (a quartic and four eigenvectors).
    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize: Int) -> Double {
        let L = Double(points[task.point].L)
        return (2.2e-8 * L * L + 1e-6 * L * L / 4 * Double(fields.count)) * Double(groupSize)
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        guard context.group.rank == 0 else { return nil }
        let p = points[task.point]
        let s = ClassicalChainSpec.prepare(L: p.L, alpha: p.alpha, boundary: chain.boundary, seed: context.settings.seed,
                                           realization: task.realization, kind: p.state, order: order)
        let sums = fields.map { TwoSpinEntanglement.pairSumAcrossCut(chain: s.chain, state: s.z, fields: s.phi, hx: $0) }
        var rows = ClassicalChainSpec.identityRows(alpha: p.alpha, realization: task.realization, point: task.point,
                                                   key: ClassicalChainSpec.disorderKey(L: p.L), J: chain.storeDisorder ? s.J : nil)
        rows["state"] = .int8([p.state.code])
        rows["z"] = .int8(s.z)
        rows["hx"] = .float64(fields)
        rows["entropy_sum"] = .float64(sums)
        return TaskOutput(rows: rows)
    }
}
