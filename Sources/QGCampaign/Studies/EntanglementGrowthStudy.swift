import QGMPI
import QGHDF5
import QGLinearAlgebra
import QGPhysics
import QGED
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
public struct EntanglementGrowthStudy: Study {
    public static let name = "entgrowth"
    public static var supportsGroups: Bool { true }
    public static let summary = "S6c: half-chain entanglement S(t) after a quench from a random or SFS product state, full ED"

    public struct Point: Sendable, Hashable { public var L: Int; public var hx: Double; public var state: InitialState }

    public let sizes: [Int]
    public let alpha: Double
    public let fields: [Double]
    public let states: [InitialState]
    public let boundary: Boundary
    public let order: RelaxationOrder
    public let tMin: Double, tMax: Double
    public let perDecade: Int
    public let points: [Point]
    public let campaign: CampaignSettings

    public static let maxL = 16

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> EntanglementGrowthStudy {
        try t.declare(["L", "alpha", "hx", "state", "boundary", "order", "t_min", "t_max", "per_decade"])
        let sizes = try t.ints("L")
        guard !sizes.isEmpty, Set(sizes).count == sizes.count else { throw ConfigError("[entgrowth] L must list distinct sizes") }
        for L in sizes where L < 2 || L > maxL { throw ConfigError("[entgrowth] L = \(L) out of range 2...\(maxL) for full dense ED") }
        let alpha = try t.double("alpha")
        guard alpha > 0, alpha.isFinite else { throw ConfigError("[entgrowth] alpha must be > 0 (got \(alpha))") }
        try t.checkMagnitude("alpha", [alpha], bound: PhysicalBounds.alpha)
        let hx = try t.positiveList("hx", study: name, max: PhysicalBounds.magnitude)
        let states = try t.states("state", study: name, default: ["random"])
        let b = try t.string("boundary", default: "periodic")
        guard let boundary = Boundary(rawValue: b) else { throw ConfigError("[entgrowth] boundary must be 'periodic' or 'open' (got '\(b)')") }
        let order = try t.order(study: name)
        let tMin = try t.double("t_min", default: 0.01), tMax = try t.double("t_max", default: 1e6)
        guard tMin > 0, tMax > tMin, tMax <= 1e12 else { throw ConfigError("[entgrowth] need 0 < t_min < t_max <= 1e12 (got \(tMin), \(tMax))") }
        let perDecade = try t.int("per_decade", default: 8)
        guard perDecade >= 1 && perDecade <= 100 else { throw ConfigError("[entgrowth] per_decade must be in 1...100 (got \(perDecade))") }
        try t.finish()
        var points: [Point] = []
        for L in sizes { for h in hx { for s in states { points.append(Point(L: L, hx: h, state: s)) } } }
        return EntanglementGrowthStudy(sizes: sizes, alpha: alpha, fields: hx, states: states, boundary: boundary, order: order,
                                       tMin: tMin, tMax: tMax, perDecade: perDecade, points: points, campaign: campaign)
    }

    public var canonical: String {
        "[entgrowth]\nL = \(tomlList(sizes))\nalpha = \(alpha)\nhx = \(tomlList(fields))\nstate = \(tomlList(states))\n"
            + "boundary = \"\(boundary.rawValue)\"\norder = \"\(order.rawValue)\"\nt_min = \(tMin)\nt_max = \(tMax)\nper_decade = \(perDecade)\n"
    }

    public var times: [Double] {
        let decades = log10(tMax / tMin)
        let steps = max(1, Int((decades * Double(perDecade) - 1e-9).rounded(.up)))
        return (0...steps).map { k in k == steps ? tMax : tMin * pow(10, decades * Double(k) / Double(steps)) }
    }

    func pointsOf(_ L: Int) -> [Int] { points.indices.filter { points[$0].L == L } }

    public var blocks: [OutputBlock] {
        let nt = times.count
        return sizes.map { L in
            let ds = [DatasetSpec("hx", .float64, units: "energy (J units)", description: "transverse field"),
                      DatasetSpec("state", .int8, units: "1", description: "initial state kind: 0 random, 1 SFS"),
                      DatasetSpec("realization", .int64, units: "1", description: "disorder realization (classical chain stream)"),
                      DatasetSpec("point", .int64, units: "1", description: "parameter point index"),
                      DatasetSpec("disorder_stream", .int64, units: "1", description: "counter-RNG stream key of J (classical|L=..)"),
                      DatasetSpec("J", .float64, [L, L], units: "energy (J units)", description: "couplings J_ij of the chain (K_ij = J_ij / d_ij^alpha)"),
                      DatasetSpec("z", .int8, [L], units: "1", description: "the initial product state (bit i set where z_i = -1)"),
                      DatasetSpec("times", .float64, [nt], units: "1/J", description: "log time grid"),
                      DatasetSpec("entropy", .float64, [nt], units: "nats", description: "half-chain von Neumann entropy S(t)"),
                      DatasetSpec("seconds_solve", .float64, units: "s", description: "dense eigensolver"),
                      DatasetSpec("seconds_entropy", .float64, units: "s", description: "evolution and entropies")]
            return OutputBlock(path: "/entgrowth/L\(L)", rows: pointsOf(L).count * campaign.realizations, datasets: ds,
                               attributes: ["L": Double(L), "alpha": alpha, "page": pageEntropy(dimA: 1 << (L / 2), dimB: 1 << (L - L / 2))],
                               matrixDimension: 1 << L)
        }
    }

    public var tasks: [TaskSpec] {
        var out: [TaskSpec] = []
        for (b, L) in sizes.enumerated() {
            let d = Double(1 << L)
            for (j, p) in pointsOf(L).enumerated() {
                for r in 0..<campaign.realizations {
                    out.append(TaskSpec(index: out.count, block: b, row: j * campaign.realizations + r, point: p,
                                        realization: campaign.firstRealization + r, cost: d * d * d))
                }
            }
        }
        return out
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize g: Int) -> Int {
        let d = Double(1 << points[task.point].L), nt = Double(times.count)
        return Int(8 * (3 * d * d + 4 * d * nt) / Double(g) + 8 * 16 * d) + (64 << 20)
    }

    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize g: Int) -> Double {
        let d = Double(1 << points[task.point].L)
        let serial = LRSGStudy.secondsPerCubedDimension * d * d * d * 1.1
        return g == 1 ? serial : serial / LRSGStudy.scalapackEfficiency
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        let p = points[task.point]
        let s = ClassicalChainSpec.prepare(L: p.L, alpha: alpha, boundary: boundary, seed: context.settings.seed,
                                           realization: task.realization, kind: p.state, order: order)
        let L = p.L
        let h = ResonantCluster(chainSites: Array(0..<L), initialFields: s.phi, z: s.z, staticFields: [Double](repeating: 0, count: L),
                                couplings: s.chain.K, hx: p.hx)
        let grid = times
        var settings = context.settings.denseED
        settings.checkEigenpairs = 2
        let (entropy, tSolve, tEnt) = try DenseED.withSpectrum(h, group: context.group, settings: settings,
                                                               context: "entgrowth L=\(L) hx=\(p.hx) realization \(task.realization)") { sp in
            let t0 = MPIEnvironment.wtime()
            let c = try QuenchKernels.overlaps(sp.vectors, initialState: h.initialStateIndex, group: context.group)
            let (re, im) = try QuenchKernels.evolve(sp.vectors, energies: sp.energies, overlaps: c, times: grid)
            let S = try Entanglement.stateEntropies(real: re, imaginary: im, cut: .halfChain(sites: L), group: context.group)
            return (S, sp.seconds.solve, MPIEnvironment.wtime() - t0)
        }
        guard context.group.rank == 0 else { return nil }
        return TaskOutput(rows: [
            "hx": .float64([p.hx]), "state": .int8([p.state.code]), "realization": .int64([Int64(task.realization)]),
            "point": .int64([Int64(task.point)]), "disorder_stream": .int64([Int64(bitPattern: ClassicalChainSpec.disorderKey(L: L))]),
            "J": .float64(s.J), "z": .int8(s.z), "times": .float64(grid), "entropy": .float64(entropy),
            "seconds_solve": .float64([tSolve]), "seconds_entropy": .float64([tEnt]),
        ])
    }
}
