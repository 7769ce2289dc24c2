import QGMPI
import QGPhysics
import QGED
import QGNumerics

// @RegisteredStudy(EntanglementGrowthStudy, order: 10)
/// Study S6c: growth of the half-chain entanglement after a quench of the
/// whole chain from a product state (docs/quench-entanglement.md). The chain
/// of realization r is the classical one (stream `classical|L=..`, shared with
/// S2-S6b), the initial state a random product state or the SFS state relaxed
/// from it (`classical-state|..`, as S2). H = sum_{i<j} K_ij Z_i Z_j - h_x
/// sum_i X_i on all 2^L states (no parity: the initial state breaks it), built
/// as a `ResonantCluster` of all L sites with zero static fields; all
/// eigenpairs by the dense-ED layer; psi(t) = V M(t) by two GEMMs
/// (`QuenchKernels.evolve`) and S(t) across the half-chain cut by
/// `Entanglement.stateEntropies` (serial or on the group). Config table
/// `[entgrowth]`; output groups `/entgrowth/L{L}`.
public struct EntanglementGrowthStudy: GridStudy, ChainQuenchStudy {
    public static let name = "entgrowth"
    public static var supportsGroups: Bool { true }
    public static let summary = "S6c: half-chain entanglement S(t) after a quench from a random or SFS product state, full ED"

    public struct Point: Sendable, Hashable { public var L: Int; public var hx: Double; public var state: InitialState }

    public let sizes: [Int]
    /// alpha, boundary, order and the time grid (shared with S5).
    public let setup: ChainQuenchSetup
    public let grid: ParameterGrid<Point>
    public let campaign: CampaignSettings, parameterValues: ParameterValues

    public static let maxL = 16

    public static let parameters: [Parameter] = [
        .ints("L", in: 2...maxL, example: [6], note: "for full dense ED", unit: "sites", help: "chain sizes; one output block /entgrowth/L{L} per size"),
        ChainQuenchSetup.alpha, ClassicalChainSpec.fields, ClassicalChainSpec.states(default: [.random]),
        ClassicalChainSpec.boundary, ClassicalChainSpec.order,
    ] + LogTimeGrid.parameters(tMin: 0.01, tMax: 1e6, perDecade: 8, cap: 1e12)

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> EntanglementGrowthStudy {
        let v = try ParameterValues.parse(t, parameters)
        let sizes = v.ints("L"), hx = v.doubles("hx"), states: [InitialState] = v.choices("state")
        return EntanglementGrowthStudy(sizes: sizes, setup: try ChainQuenchSetup(v, cap: 1e12),
                                       grid: ParameterGrid(sizes, hx, states) { Point(L: $0, hx: $1, state: $2) }, campaign: campaign,
                                       parameterValues: v)
    }

    public var blocks: [OutputBlock] {
        let nt = times.count
        return sizes.enumerated().map { b, L in
            let ds = [DatasetSpec("hx", .float64, units: "J", description: "transverse field"), .initialStateKind,
                      .realization(), .point(of: "(L, h_x, state)"), .classicalDisorderStream, .couplings(L: L),
                      DatasetSpec("z", .int8, [L], units: "1", description: "the initial product state (bit i set where z_i = -1)"),
                      .logTimes(nt), DatasetSpec("entropy", .float64, [nt], units: "nats", description: "half-chain von Neumann entropy S(t)"),
                      .solveSeconds(), .wallSeconds("entropy", "the evolution and the entropies")]
            return OutputBlock(path: "/entgrowth/L\(L)", rows: grid.pointsOf(block: b).count * campaign.realizations, datasets: ds,
                               attributes: ["L": Double(L), "alpha": alpha, "page": pageEntropy(halfChainOf: L)],
                               matrixDimension: 1 << L)
        }
    }

    public var tasks: [TaskSpec] {
        grid.tasks(campaign: campaign) { p in
            let d = Double(1 << points[p].L)
            return d * d * d
        }
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize g: Int) -> Int {
        let d = Double(1 << points[task.point].L), nt = Double(times.count)
        return Int(8 * (3 * d * d + 4 * d * nt) / Double(g) + 8 * 16 * d) + (64 << 20)
    }

    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize g: Int) -> Double {
        DenseEDPolicy.coreSeconds(dimension: Double(1 << points[task.point].L), overhead: 1.1, groupSize: g)
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        let p = points[task.point]
        let s = setup.prepare(L: p.L, seed: context.settings.seed, realization: task.realization, kind: p.state)
        let L = p.L
        let h = ResonantCluster(chainSites: Array(0..<L), initialFields: s.phi, z: s.z, staticFields: [Double](repeating: 0, count: L),
                                couplings: s.chain.K, hx: p.hx)
        let grid = times
        let settings = context.settings.denseED(checking: 2)
        let (entropy, tSolve, tEnt) = try DenseED.withSpectrum(h, group: context.group, settings: settings,
                                                               context: "entgrowth L=\(L) hx=\(p.hx) realization \(task.realization)") { sp in
            let t0 = MPIEnvironment.wtime()
            let c = try QuenchKernels.overlaps(sp.vectors, initialState: h.initialStateIndex, group: context.group)
            let (re, im) = try QuenchKernels.evolve(sp.vectors, energies: sp.energies, overlaps: c, times: grid)
            let S = try Entanglement.stateEntropies(real: re, imaginary: im, cut: .halfChain(sites: L), group: context.group)
            return (S, sp.seconds.solve, MPIEnvironment.wtime() - t0)
        }
        guard context.group.rank == 0 else { return nil }
        return TaskOutput(rows: StandardRows.identity(task) + [
            "hx": .float64([p.hx]), "state": .int8([p.state.code]), "disorder_stream": .int64([Int64(bitPattern: ClassicalChainSpec.disorderKey(L: L))]),
            "J": .float64(s.J), "z": .int8(s.z), "times": .float64(grid), "entropy": .float64(entropy),
            "seconds_solve": .float64([tSolve]), "seconds_entropy": .float64([tEnt]),
        ])
    }
}
