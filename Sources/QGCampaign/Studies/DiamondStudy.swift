import Foundation
import QGMPI
import QGPhysics
import QGED

// @RegisteredStudy(DiamondStudy, order: 13)
/// S8, avalanches in 2D (seed 002 Figs. 4, 5): a grain coupled to the origin
/// of the diamond lattice |n1| + |n2| <= R of free fermions with a
/// quasiperiodic or random potential; per sample, the bare couplings
/// g_n0 = g0 |phi_{n,0}| of every orbital and the self-consistent mean field
/// (AvalancheMeanField.solveChain), giving eta_tot and n_*.
///
/// Table `[diamond]`: `parameters` (docs/study-tables.md); `map_R`, `map_W`
/// and `map_theta0` ask for the per-orbital [S_n] maps of realization 0.
///
/// Blocks: `/diamond/{kind}/R{R}` one row per (W, realization): theta (qp:
/// [1] = theta_0; random: [N] = theta_n in site order), eta_tot, n_star,
/// iterations. `/diamond/{kind}/maps` one row per map W: the orbitals'
/// sites from the assignment, [S_n] and g_n0 per site. Disorder (theta_0 or
/// theta_n) is keyed by (seed, study, kind, R, realization): the same at every W.
public struct DiamondStudy: GridStudy {
    public static let name = "diamond"
    public static let summary = "S8: grain on a 2D diamond lattice of free fermions (qp or random potential), mean-field eta_tot per sample vs W"

    public enum Kind: String, Sendable, CaseIterable { case qp, random }
    public struct Point: Sendable, Hashable { public var kind: Kind; public var R: Int; public var W: Double; public var map: Bool }

    public let radii: [Int]
    public let strengths: [Double]
    public let kinds: [Kind]
    public let g0: Double
    /// Nearest-neighbour hopping t (seed's text: 1). H(t, W) = t H(1, W/t): the orbitals,
    /// hence every stored quantity, are those of hopping 1 at W/t (docs/avalanche-ed-2d.md).
    public let hopping: Double
    public let thetaW: [Double]
    public let mapR: Int?
    public let mapW: [Double]
    public let mapTheta0: Double?
    /// Convention of the reduced-coupling distribution (A3) for eta (docs/avalanche-mean-field.md).
    public let convention: ReducedCouplingConvention
    /// The (kind, R, W) points, then the map points (kind, map_R, map W); blocks per `blockKeys`.
    public let grid: ParameterGrid<Point>
    public let campaign: CampaignSettings, parameterValues: ParameterValues

    public static let maxR = 60
    /// The accepted hopping amplitudes (the `hopping` key).
    public static let hoppingRange: ClosedRange<Double> = 1e-3...1e3

    public static let parameters: [Parameter] = [
        .ints("R", in: 1...maxR, example: [2], unit: "sites", help: "radii of the diamond |n1| + |n2| <= R; one block /diamond/{kind}/R{R} each"),
        .doubles("W", lower: .atLeast(0), upper: .atMost(1e4), example: [1], unit: "hopping", help: "potential amplitudes W"),
        .choices("potential", Kind.allCases.map(\.rawValue), default: ["qp", "random"],
                 help: "quasiperiodic (theta_n = q.n + theta_0) and/or random theta_n"),
        .double("g0", lower: .above(0), magnitude: PhysicalBounds.magnitude, default: 1, unit: "1", help: "grain coupling g0 of g_n0 = g0 |phi_{n,0}|"),
        MeanFieldStudy.convention,
        .doubles("theta_W", default: [], distinct: false, unit: "hopping",
                 help: "W values (of W) at which the reducer keeps eta_tot vs theta_0 of every qp sample"),
        // hopping only when not the default, so the canonical text of existing configs is unchanged.
        Parameter.double("hopping", lower: .atLeast(hoppingRange.lowerBound), upper: .atMost(hoppingRange.upperBound), default: 1, unit: "t",
                         help: "nearest-neighbour hopping t (H(t, W) = t H(1, W/t))").omittedAtDefault(),
        Parameter.int("map_R", in: 1...maxR, unit: "sites", help: "radius of the per-orbital [S_n] maps of realization 0 (with map_W)").optionalKey(),
        Parameter.doubles("map_W", lower: .atLeast(0), upper: .atMost(1e4), default: [], unit: "hopping",
                          help: "W values of the maps (with map_R)").omittedAtDefault(),
        Parameter.double("map_theta0", magnitude: PhysicalBounds.magnitude, unit: "rad", help: "theta_0 of the qp maps (unset: drawn)").optionalKey(),
    ]

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> DiamondStudy {
        let v = try ParameterValues.parse(t, parameters)
        let radii = v.ints("R"), W = v.doubles("W"), kinds: [Kind] = v.choices("potential"), thetaW = v.doubles("theta_W")
        try v.requireEntries("theta_W", in: "W")
        try v.requireTogether("map_R", "map_W")
        let mapR = v.intIfSet("map_R"), mapW = v.doubles("map_W"), mapTheta0 = v.doubleIfSet("map_theta0")
        var points: [Point] = []
        for k in kinds { for r in radii { for w in W { points.append(Point(kind: k, R: r, W: w, map: false)) } } }
        if let r = mapR { for k in kinds { for w in mapW { points.append(Point(kind: k, R: r, W: w, map: true)) } } }
        let keys = blockKeys(kinds: kinds, radii: radii, mapR: mapR)
        let grid = ParameterGrid(points: points, blocks: keys.count) { p in keys.firstIndex(of: BlockKey(kind: p.kind, R: p.R, map: p.map))! }
        return DiamondStudy(radii: radii, strengths: W, kinds: kinds, g0: v.double("g0"), hopping: v.double("hopping"), thetaW: thetaW,
                            mapR: mapR, mapW: mapW, mapTheta0: mapTheta0, convention: v.choice("convention"), grid: grid,
                            campaign: campaign, parameterValues: v)
    }

    /// Block order: per kind, the radii, then the kind's map block.
    struct BlockKey: Hashable { var kind: Kind; var R: Int; var map: Bool }
    static func blockKeys(kinds: [Kind], radii: [Int], mapR: Int?) -> [BlockKey] {
        var out: [BlockKey] = []
        for k in kinds {
            for r in radii { out.append(BlockKey(kind: k, R: r, map: false)) }
            if let r = mapR { out.append(BlockKey(kind: k, R: r, map: true)) }
        }
        return out
    }
    var blockKeys: [BlockKey] { Self.blockKeys(kinds: kinds, radii: radii, mapR: mapR) }
    func rowsPerPoint(_ b: BlockKey) -> Int { b.map ? 1 : campaign.realizations }

    public var blocks: [OutputBlock] {
        blockKeys.enumerated().map { bi, b in
            let n = DiamondLattice.siteCount(R: b.R)
            var ds = [DatasetSpec("W", .float64, units: "hopping", description: "potential amplitude W"),
                      .realization(draws: "theta_0 or theta_n"), .point(of: "(potential, R, W)"),
                      DatasetSpec("theta", .float64, [b.kind == .qp ? 1 : n], units: "rad",
                                  description: b.kind == .qp ? "theta_0 of theta_n = q.n + theta_0" : "theta_n per site (site order: n1 then n2 ascending)"),
                      DatasetSpec("eta_tot", .float64, units: "nat", description: "eta_tot = sum_n eta(g_n) of the solved mean field"),
                      .nStar,
                      DatasetSpec("iterations", .int64, units: "1", description: "evaluations of the chain solver's reduced map"),
                      DatasetSpec("seconds", .float64, units: "s", description: "wall time: diagonalization, assignment (maps), mean field")]
            if b.map {
                ds += [DatasetSpec("site_of_orbital", .int64, [n], units: "1", description: "site index of orbital k (maximizes prod_k |phi_{k,site}|)"),
                       DatasetSpec("log_product", .float64, units: "1", description: "sum_k ln |phi_{k, site(k)}| at the optimum"),
                       DatasetSpec("s_site", .float64, [n], units: "nat", description: "[S_n] of the orbital labelled by each site"),
                       DatasetSpec("g0_site", .float64, [n], units: "1", description: "bare coupling g_n0 = g0 |phi_{n,0}| of the orbital labelled by each site"),
                       DatasetSpec("n1", .int64, [n], units: "1", description: "site coordinate n1"),
                       DatasetSpec("n2", .int64, [n], units: "1", description: "site coordinate n2")]
            }
            let path = b.map ? "/diamond/\(b.kind.rawValue)/maps" : "/diamond/\(b.kind.rawValue)/R\(b.R)"
            return OutputBlock(path: path, rows: grid.pointsOf(block: bi).count * rowsPerPoint(b), datasets: ds,
                               attributes: ["R": Double(b.R), "N": Double(n), "g0": g0, "hopping": hopping], matrixDimension: n)
        }
    }

    public var tasks: [TaskSpec] {
        var out: [TaskSpec] = []
        for (bi, b) in blockKeys.enumerated() {
            let n = Double(DiamondLattice.siteCount(R: b.R))
            let per = rowsPerPoint(b)
            for (j, p) in grid.pointsOf(block: bi).enumerated() {
                for r in 0..<per {
                    out.append(TaskSpec(index: out.count, block: bi, row: j * per + r, point: p,
                                        realization: b.map ? 0 : campaign.firstRealization + r, cost: n * n * n * (b.map ? 2 : 1)))
                }
            }
        }
        return out
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize g: Int) -> Int {
        let n = Double(DiamondLattice.siteCount(R: points[task.point].R))
        return Int(8 * (4 * n * n + 40 * n)) + 64 << 20
    }

    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize g: Int) -> Double {
        let n = Double(DiamondLattice.siteCount(R: points[task.point].R))
        return DenseEDPolicy.secondsPerCubedDimension * n * n * n * (points[task.point].map ? 3 : 1) + 0.01
    }

    /// Disorder stream: (seed, study, kind, R, realization); W does not enter.
    static func streamKey(kind: Kind, R: Int) -> String { "diamond|\(kind.rawValue)|R=\(R)" }

    /// The angles of a realization and what is stored for them.
    public func angles(kind: Kind, lattice: DiamondLattice, seed: UInt64, realization: Int, theta0: Double? = nil) -> (angles: [Double], stored: [Double]) {
        var rng = CounterRNG(seed: seed, stream: StreamKey.make(Self.streamKey(kind: kind, R: lattice.R)), realization: realization)
        switch kind {
        case .qp:
            let t0 = theta0 ?? 2 * Double.pi * rng.uniform()
            return (lattice.quasiperiodicAngles(theta0: t0), [t0])
        case .random:
            let t = (0..<lattice.count).map { _ in 2 * Double.pi * rng.uniform() }
            return (t, t)
        }
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        guard context.group.rank == 0 else { return nil }
        let p = points[task.point]
        let t0 = MPIEnvironment.wtime()
        let lattice = DiamondLattice(R: p.R)
        let (th, stored) = angles(kind: p.kind, lattice: lattice, seed: context.settings.seed, realization: task.realization,
                                  theta0: p.map && p.kind == .qp ? mapTheta0 : nil)
        let n = lattice.count
        let (_, z) = try lattice.diagonalize(angles: th, W: p.W, hopping: hopping)
        let logBare = lattice.logBareCouplings(vectors: z, g0: g0)
        let table = try EtaTable.shared(convention)
        let sol = try AvalancheMeanField.solveChain(logBare: logBare, table: table)
        var rows = StandardRows.identity(task) + [
            "W": .float64([p.W]), "theta": .float64(stored), "eta_tot": .float64([sol.etaTotal]), "n_star": .float64([sol.nStar]),
            "iterations": .int64([Int64(sol.iterations)]),
        ]
        if p.map {
            let (site, logProd) = DiamondLattice.orbitalSites(vectors: z, count: n)
            let s = try AvalancheMeanField.entropyProfile(sol, distribution: table.distribution)
            var sSite = [Double](repeating: 0, count: n), gSite = [Double](repeating: 0, count: n)
            for k in 0..<n { sSite[site[k]] = s[k]; gSite[site[k]] = exp(logBare[k]) }
            rows["site_of_orbital"] = .int64(site.map { Int64($0) })
            rows["log_product"] = .float64([logProd])
            rows["s_site"] = .float64(sSite)
            rows["g0_site"] = .float64(gSite)
            rows["n1"] = .int64(lattice.n1.map { Int64($0) })
            rows["n2"] = .int64(lattice.n2.map { Int64($0) })
        }
        rows["seconds"] = .float64([MPIEnvironment.wtime() - t0])
        return TaskOutput(rows: rows)
    }
}
