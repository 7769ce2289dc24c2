import QGPhysics

// @RegisteredStudy(AvalancheStudy, order: 3)
/// Study S3: the classical resonance avalanche (docs/models.md S3, seed 001
/// Fig. 2 left). From a random or single-flip-stable state, each step flips
/// one currently resonant spin (|phi_i| < h_x) chosen at random; the output is
/// the number of spins ever resonant after each step. Config table
/// `[avalanche]`; output groups `/avalanche/L{L}`.
public struct AvalancheStudy: GridStudy {
    public static let name = "avalanche"
    public static let summary = "S3: classical resonance avalanche, ever-resonant spin count per step from random or SFS states"

    public struct Point: Sendable, Hashable {
        public var L: Int; public var alpha: Double; public var hx: Double; public var state: InitialState
    }

    let chain: ClassicalChainSpec
    public let order: RelaxationOrder
    public let steps: Int
    public let grid: ParameterGrid<Point>
    public let campaign: CampaignSettings, parameterValues: ParameterValues

    public static let maxL = 40_000

    public static let parameters = ClassicalChainSpec.parameters(maxL: maxL) + [
        ClassicalChainSpec.fields, ClassicalChainSpec.states(default: [.random, .sfs]), ClassicalChainSpec.order,
        .int("steps", in: 1...100_000_000, default: 1000, help: "avalanche steps (flips of a resonant spin) per task"),
    ]

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> AvalancheStudy {
        let v = try ParameterValues.parse(t, parameters)
        let chain = ClassicalChainSpec(v), hx = v.doubles("hx"), states: [InitialState] = v.choices("state")
        return AvalancheStudy(chain: chain, order: v.choice("order"), steps: v.int("steps"),
                              grid: ParameterGrid(chain.sizes, chain.alphas, hx, states) { Point(L: $0, alpha: $1, hx: $2, state: $3) },
                              campaign: campaign, parameterValues: v)
    }

    public var blocks: [OutputBlock] {
        chain.blocks(study: Self.name, grid: grid, campaign: campaign, attributes: ["steps": Double(steps), "order": Double(order.code)]) { L in
            [DatasetSpec("hx", .float64, units: "J", description: "resonance threshold h_x"), .initialStateKind,
             DatasetSpec("z0", .int8, [L], units: "", description: "the initial state of the avalanche, z_i = +-1"),
             DatasetSpec("ever", .int64, [steps + 1], units: "", description: "spins ever resonant after each step (entry 0: before the first flip)"),
             DatasetSpec("steps_taken", .int64, units: "", description: "flips made (< steps when no spin was resonant any more)")]
        }
    }

    public var tasks: [TaskSpec] {
        grid.tasks(campaign: campaign) { p in Double(points[p].L * (points[p].L + steps)) }
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize: Int) -> Int {
        ClassicalChainSpec.chainBytes(points[task.point].L) + 8 * (steps + 1)
    }

    /// ~2.2e-8 s per L^2 (chain + SFS) plus ~1e-9 s per spin per step.
    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize: Int) -> Double {
        let L = Double(points[task.point].L)
        return (ClassicalChainSpec.secondsPerSquaredSize * L * L + 1e-9 * L * Double(steps)) * Double(groupSize)
    }

    static func flipKey(_ p: Point, boundary: Boundary) -> UInt64 {
        StreamKey.make("avalanche-flips|L=\(p.L)|alpha=\(p.alpha)|hx=\(p.hx)|state=\(p.state.rawValue)|boundary=\(boundary.rawValue)")
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        guard context.group.rank == 0 else { return nil }
        let p = points[task.point]
        var s = chain.prepare(task, L: p.L, alpha: p.alpha, kind: p.state, order: order, seed: context.settings.seed)
        let z0 = s.z
        var rng = CounterRNG(seed: context.settings.seed, stream: Self.flipKey(p, boundary: chain.boundary), realization: task.realization)
        let a = ResonanceAvalanche.run(s.chain, z: &s.z, phi: &s.phi, hx: p.hx, steps: steps, rng: &rng)
        var rows = chain.identityRows(task, L: p.L, alpha: p.alpha, J: s.J)
        rows["hx"] = .float64([p.hx])
        rows["state"] = .int8([p.state.code])
        rows["z0"] = .int8(z0)
        rows["ever"] = .int64(a.ever)
        rows["steps_taken"] = .int64([Int64(a.taken)])
        return TaskOutput(rows: rows)
    }
}
