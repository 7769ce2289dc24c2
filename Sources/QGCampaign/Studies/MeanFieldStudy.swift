import Foundation
import QGPhysics

// @RegisteredStudy(MeanFieldStudy, order: 15)
/// S8, mean-field theory of failed avalanches (seed 002 eqs. 11-14, Fig. 3):
/// the self-consistent De Roeck-Huveneers chain g_n = g_n0 exp((1/2) sum_{m != n} eta(g_m)),
/// g_n0 = g10 a^(n-1), solved per (N, a) point; no disorder (docs/avalanche-mean-field.md,
/// section 7).
///
/// Table `[meanfield]`: `parameters` (docs/study-tables.md).
/// `[campaign] realizations` must be 1 (the chain is deterministic); `seed` is unused.
///
/// Blocks (docs/hdf5-schema.md, "meanfield"): `/meanfield/N{N}` one row per delta_a
/// (config order); `/meanfield/profiles/N{N}` one row per profile delta_a;
/// `/meanfield/critical` one row per N >= 2. An unconverged chain throws
/// (`chainNotConverged`), which fails the task and the run: no row is written for it.
public struct MeanFieldStudy: GridStudy {
    public static let name = "meanfield"
    public static let summary = "S8: self-consistent mean-field chain of failed avalanches (eta_tot, n_*, [S_n] profiles, a_c(N)) vs N and a"

    public typealias Solver = ChainSolverSettings.Method
    public enum Kind: Sendable, Hashable { case chain, profile, critical }
    public struct Point: Sendable, Hashable { public var kind: Kind; public var N: Int; public var deltaA: Double }

    public static let maxN = 100_000
    public static let maxA = 4.0

    public let sizes: [Int]
    public let deltaA: [Double]
    public let g10: Double
    public let convention: ReducedCouplingConvention
    public let profileN: [Int]
    public let profileDeltaA: [Double]
    public let critical: Bool
    public let criticalTol: Double
    public let solver: Solver
    public let tol: Double
    public let maxIterations: Int
    public let probe: Double
    public let damping: Double
    /// Chain points (N x delta_a), profile points, critical points: in block order.
    public let grid: ParameterGrid<Point>
    public let campaign: CampaignSettings, parameterValues: ParameterValues

    /// The reduced-coupling distribution of eta (also S8 diamond's).
    static let convention = Parameter.choice("convention", ReducedCouplingConvention.self, default: .default,
                                             help: "reduced-coupling distribution (A3) of eta (docs/avalanche-mean-field.md)")

    public static let parameters: [Parameter] = [
        .ints("N", in: 1...maxN, example: [10], unit: "l-bits", help: "chain lengths; one block /meanfield/N{N} per value"),
        .doubles("delta_a", example: [0.1], unit: "1", help: "a - 1/sqrt(2), with a = 1/sqrt(2) + delta_a in [0, 4]; g_n0 = g10 a^(n-1)"),
        .double("g10", lower: .above(0), magnitude: PhysicalBounds.magnitude, default: 0.5, unit: "1", help: "bare coupling g_10 of the first l-bit"),
        MeanFieldStudy.convention,
        .ints("profile_N", in: 1...maxN, default: [], unit: "l-bits", help: "N values (of N) whose [S_n] and C_n profiles are stored (with profile_delta_a)"),
        .doubles("profile_delta_a", default: [], unit: "1", help: "delta_a values (of delta_a) of the profiles (with profile_N)"),
        .bool("critical", default: true, help: "a_c(N) by bisection for every N >= 2 (block /meanfield/critical)"),
        .double("critical_tol", lower: .atLeast(1e-14), upper: .atMost(1e-2), default: 1e-9, unit: "1", help: "width of the final bisection bracket"),
        .choice("solver", Solver.self, default: .reduced, help: "reduced (solveChain) or iteration (the seed's eq. 13)"),
        .double("tol", lower: .atLeast(1e-15), upper: .atMost(1e-3), default: 1e-12, unit: "1", help: "solver tolerance"),
        Parameter.int("max_iterations", in: 1...1_000_000_000, help: "solver evaluations or sweeps (unset: 2e6 reduced, 1e5 iteration)").optionalKey(),
        Parameter.double("probe", lower: .above(0), upper: .atMost(1), default: 0.05, unit: "1", help: "probe step of the reduced solver")
            .requiring("solver", .string(Solver.reduced.rawValue)),
        Parameter.double("damping", lower: .above(0), upper: .atMost(1), default: 1, unit: "1", help: "damping of the iteration")
            .requiring("solver", .string(Solver.iteration.rawValue)),
    ]

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> MeanFieldStudy {
        var v = try ParameterValues.parse(t, parameters)
        guard campaign.realizations == 1 else {
            throw ConfigError("[meanfield] the mean-field chain is deterministic: [campaign] realizations must be 1 (got \(campaign.realizations))")
        }
        let sizes = v.ints("N"), da = v.doubles("delta_a"), profileN = v.ints("profile_N"), profileDA = v.doubles("profile_delta_a")
        for x in da {
            let a = AvalancheMeanField.aCritical + x
            guard a >= 0, a <= maxA else {   // x is finite (the declaration refuses inf and nan)
                throw ConfigError("[meanfield] delta_a = \(x) gives a = 1/sqrt(2) + delta_a = \(a), outside [0, \(maxA)]")
            }
        }
        try v.requireEntries("profile_N", in: "N")
        try v.requireEntries("profile_delta_a", in: "delta_a")
        try v.requireTogether("profile_N", "profile_delta_a")
        let solver: Solver = v.choice("solver"), critical = v.bool("critical")
        let maxIt = v.intIfSet("max_iterations") ?? (solver == .reduced ? 2_000_000 : 100_000)
        v.set("max_iterations", .int(maxIt))  // the canonical text records the count used
        var points: [Point] = []
        for n in sizes { for x in da { points.append(Point(kind: .chain, N: n, deltaA: x)) } }
        for n in profileN { for x in profileDA { points.append(Point(kind: .profile, N: n, deltaA: x)) } }
        if critical { for n in sizes where n >= 2 { points.append(Point(kind: .critical, N: n, deltaA: .nan)) } }
        let keys = blockKeys(sizes: sizes, profileN: profileN, critical: critical)
        let grid = ParameterGrid(points: points, blocks: keys.count) { p in
            keys.firstIndex { $0.kind == p.kind && ($0.kind == .critical || $0.N == p.N) }!
        }
        return MeanFieldStudy(sizes: sizes, deltaA: da, g10: v.double("g10"), convention: v.choice("convention"), profileN: profileN,
                              profileDeltaA: profileDA, critical: critical, criticalTol: v.double("critical_tol"), solver: solver,
                              tol: v.double("tol"), maxIterations: maxIt, probe: v.double("probe"), damping: v.double("damping"),
                              grid: grid, campaign: campaign, parameterValues: v)
    }

    /// Block order: one chain block per N, one profile block per profile N, then the critical block.
    struct BlockKey: Hashable { var kind: Kind; var N: Int }
    static func blockKeys(sizes: [Int], profileN: [Int], critical: Bool) -> [BlockKey] {
        sizes.map { BlockKey(kind: .chain, N: $0) } + profileN.map { BlockKey(kind: .profile, N: $0) }
            + (critical && sizes.contains { $0 >= 2 } ? [BlockKey(kind: .critical, N: 0)] : [])
    }
    var blockKeys: [BlockKey] { Self.blockKeys(sizes: sizes, profileN: profileN, critical: critical) }

    public var blocks: [OutputBlock] {
        blockKeys.enumerated().map { bi, b in
            let common = [DatasetSpec.point(),
                          DatasetSpec("iterations", .int64, units: "1",
                                      description: (solver == .reduced ? "evaluations of the reduced map Phi(E) (solveChain)" : "sweeps of eq. 13 (solveChainByIteration)")
                                        + (b.kind == .critical ? ", summed over the bisection's solves" : ""))]
            switch b.kind {
            case .chain, .profile:
                var ds = common + [
                    DatasetSpec("a", .float64, units: "1", description: "coupling decay ratio, g_n0 = g10 a^(n-1)"),
                    DatasetSpec("delta_a", .float64, units: "1", description: "a - 1/sqrt(2) as configured"),
                    DatasetSpec("eta_tot", .float64, units: "nat", description: "eta_tot = sum_n eta(g_n) of the solved chain (seed eq. 14)"),
                    .nStar,
                    DatasetSpec("converged", .uint8, units: "", description: "1: the solver met its tolerance (an unconverged chain fails the task)"),
                    DatasetSpec("residual", .float64, units: "nat", description: "solver residual: |Phi(E) - E| (reduced) or the last max change of ln g_n (iteration)"),
                    DatasetSpec("site_residual", .float64, units: "1", description: "max_n |ln g_n - ln g_n0 - (eta_tot - eta(g_n))/2|"),
                    DatasetSpec("log_g", .float64, [b.N], units: "1", description: "ln g_n of the solved chain, n = 1..N (-inf where g_n0 = 0)"),
                ]
                if b.kind == .chain {
                    ds += [DatasetSpec("n_half", .int64, units: "1", description: "number of l-bits with [S_n] >= (ln 2)/2"),
                           DatasetSpec("log_g_end", .float64, units: "1", description: "ln g_N of the last l-bit"),
                           DatasetSpec("s_end", .float64, units: "nat", description: "[S_N] = [S](g_N) of the last l-bit (A13)")]
                } else {
                    ds += [DatasetSpec("s_n", .float64, [b.N], units: "nat", description: "[S_n] = [S](g_n), the mean entanglement entropy of l-bit n (A13)"),
                           DatasetSpec("memory_n", .float64, [b.N], units: "1", description: "C_n = C(g_n), the infinite-time memory of sigma^z_n (A14)")]
                }
                let path = b.kind == .chain ? "/meanfield/N\(b.N)" : "/meanfield/profiles/N\(b.N)"
                return OutputBlock(path: path, rows: grid.pointsOf(block: bi).count, datasets: ds,
                                   attributes: ["N": Double(b.N), "g10": g10, "a_c_infinity": AvalancheMeanField.aCritical])
            case .critical:
                let ds = common + [
                    DatasetSpec("N", .int64, units: "1", description: "number of l-bits"),
                    DatasetSpec("a_c", .float64, units: "1", description: "midpoint a_c(N): the a at which [S_N](a) = (ln 2)/2, by bisection"),
                    DatasetSpec("bracket", .float64, [2], units: "1", description: "final bisection bracket [a_lo, a_hi], a_hi - a_lo <= critical_tol"),
                    DatasetSpec("bisection_steps", .int64, units: "1", description: "chain solves of the bisection (bracket search included)"),
                ]
                return OutputBlock(path: "/meanfield/critical", rows: grid.pointsOf(block: bi).count, datasets: ds,
                                   attributes: ["g10": g10, "a_c_infinity": AvalancheMeanField.aCritical, "tolerance": criticalTol])
            }
        }
    }

    public var tasks: [TaskSpec] {
        var out: [TaskSpec] = []
        for bi in blockKeys.indices {
            for (j, p) in grid.pointsOf(block: bi).enumerated() {
                out.append(TaskSpec(index: out.count, block: bi, row: j, point: p, realization: 0,
                                    cost: estimatedCoreSeconds(points[p])))
            }
        }
        return out
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize g: Int) -> Int {
        // The eta table (~1e4 doubles) and about a dozen length-N arrays of the solver and the rows.
        Int(8 * 16 * Double(points[task.point].N)) + 64 << 20
    }

    /// Release build: a chain solve costs ~5 ms (0.1 s near a_c at N = 1e4); a profile needs
    /// two quadratures per l-bit (~0.1 ms each); a_c(N) ~ 40 solves. Each rank also builds
    /// the eta table once (~6 s on 2 cores), not counted here.
    func estimatedCoreSeconds(_ p: Point) -> Double {
        let n = Double(p.N)
        let solve = 0.005 + 1e-5 * n * (solver == .iteration ? 100 : 1)
        switch p.kind {
        case .chain: return solve
        case .profile: return solve + 2e-4 * n
        case .critical: return 40 * solve
        }
    }

    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize g: Int) -> Double { estimatedCoreSeconds(points[task.point]) }

    /// This study's chain solver settings.
    public var chainSolver: ChainSolverSettings {
        ChainSolverSettings(method: solver, tol: tol, maxIterations: maxIterations, probe: probe, damping: damping)
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        guard context.group.rank == 0 else { return nil }
        let p = points[task.point]
        let table = try EtaTable.shared(convention)
        let dist = table.distribution
        let tHalf = try EtaTable.sharedHalfEntropyLogCoupling(convention)
        switch p.kind {
        case .critical:
            let (ac, br, steps, its) = try AvalancheMeanField.criticalPoint(N: p.N, g10: g10, table: table, tHalf: tHalf, tol: criticalTol,
                                                                            solver: chainSolver)
            return TaskOutput(rows: ["point": .int64([Int64(task.point)]), "iterations": .int64([Int64(its)]),
                                     "N": .int64([Int64(p.N)]), "a_c": .float64([ac]), "bracket": .float64([br.0, br.1]),
                                     "bisection_steps": .int64([Int64(steps)])])
        case .chain, .profile:
            let a = AvalancheMeanField.aCritical + p.deltaA
            let sol = try chainSolver.solve(logBare: AvalancheMeanField.drhLogBare(N: p.N, a: a, g10: g10), table: table)
            var rows: [String: RowValue] = [
                "point": .int64([Int64(task.point)]), "iterations": .int64([Int64(sol.iterations)]),
                "a": .float64([a]), "delta_a": .float64([p.deltaA]), "eta_tot": .float64([sol.etaTotal]), "n_star": .float64([sol.nStar]),
                "converged": .uint8([sol.converged ? 1 : 0]), "residual": .float64([sol.residual]),
                "site_residual": .float64([sol.siteResidual]), "log_g": .float64(sol.logCouplings),
            ]
            if p.kind == .chain {
                let tEnd = sol.logCouplings[p.N - 1]
                rows["n_half"] = .int64([Int64(AvalancheMeanField.thermalizedCount(sol, tHalf: tHalf))])
                rows["log_g_end"] = .float64([tEnd])
                rows["s_end"] = .float64([try AvalancheMeanField.meanEntropy(logCoupling: tEnd, distribution: dist)])
            } else {
                rows["s_n"] = .float64(try AvalancheMeanField.entropyProfile(sol, distribution: dist))
                rows["memory_n"] = .float64(try AvalancheMeanField.memoryProfile(sol, distribution: dist))
            }
            return TaskOutput(rows: rows)
        }
    }
}
