import QGMPI
import QGPhysics
import QGED

// @RegisteredStudy(QuenchStudy, order: 8)
/// Study S5: quench of the resonant cluster of a large chain
/// (docs/quench-entanglement.md). Config table `[quench]`; one output group
/// `/quench/L{L}/Ls{Ls}` per (chain size, cluster size).
///
/// Per task (L, L_s, realization): the chain of realization r (the classical
/// disorder stream `classical|L=..` shared with S2-S4 and S7, so realization r
/// is the same J_ij as in `qglass fields`), relaxed to a single-flip-stable
/// state from the same random state S2 uses (stream `classical-state|..`,
/// greedy order and ring distance by default), the L_s spins with the smallest
/// |phi| as a `ResonantCluster`, all eigenpairs by the dense-ED layer (LAPACK
/// or a ScaLAPACK group), and `QuenchKernels.clusterQuench`: the
/// diagonal-ensemble remnant z_I<Z_I> and the trace z_I<Z_I(t)> on a fixed log
/// time grid. The disorder of a realization depends on (seed, L, r) only, so
/// the clusters of different L_s of one realization come from the same chain.
public struct QuenchStudy: GridStudy, ChainQuenchStudy {
    public static let name = "quench"
    public static var supportsGroups: Bool { true }
    public static let summary = "S5: quench of the L_s most resonant spins of an SFS chain (frozen rest), remnant polarization and time traces"

    public struct Point: Sendable, Hashable { public var L: Int; public var Ls: Int }

    public let sizes: [Int]
    public let clusterSizes: [Int]
    public let hx: Double
    public let storeDisorder: Bool
    public let checkEigenpairs: Int
    /// alpha, boundary, order and the time grid (shared with S6c).
    public let setup: ChainQuenchSetup
    /// (L, L_s), L outermost; one output block per point.
    public let grid: ParameterGrid<Point>
    public let campaign: CampaignSettings
    public let parameterValues: ParameterValues

    public static let maxL = 20_000
    public static let maxLs = 16

    public static let parameters: [Parameter] = [
        .ints("L", in: 2...maxL, example: [8], unit: "sites", help: "chain sizes"),
        .ints("Ls", in: 1...maxLs, example: [4], note: "for dense ED (D = 2^Ls)", unit: "spins",
              help: "cluster sizes (the L_s spins with the smallest |phi|, each <= every L); one block /quench/L{L}/Ls{Ls} per (L, L_s)"),
        ChainQuenchSetup.alpha,
        .double("hx", lower: .atLeast(0), magnitude: PhysicalBounds.magnitude, example: 0.05, unit: "J", help: "transverse field h_x"),
        ClassicalChainSpec.boundary, ClassicalChainSpec.order,
        .bool("store_disorder", default: false, help: "also store J [L, L] per task"),
    ] + LogTimeGrid.parameters(tMin: 0.1, tMax: 1e10, perDecade: 10, cap: 1e13) + [
        .checkEigenpairs,
    ]

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> QuenchStudy {
        let v = try ParameterValues.parse(t, parameters)
        let sizes = v.ints("L"), ls = v.ints("Ls")
        for n in ls { for L in sizes where n > L { throw ConfigError("[quench] Ls = \(n) exceeds L = \(L)") } }
        return QuenchStudy(sizes: sizes, clusterSizes: ls, hx: v.double("hx"), storeDisorder: v.bool("store_disorder"),
                           checkEigenpairs: v.int("check_eigenpairs"), setup: try ChainQuenchSetup(v, cap: 1e13),
                           grid: ParameterGrid(blocks: ParameterGrid(sizes, ls) { Point(L: $0, Ls: $1) }.points) { [$0] },
                           campaign: campaign, parameterValues: v)
    }

    public func blockPath(_ p: Point) -> String { "/quench/L\(p.L)/Ls\(p.Ls)" }

    public var blocks: [OutputBlock] {
        let nt = times.count
        return points.map { p in
            let L = p.L, n = p.Ls
            var ds: [DatasetSpec] = [
                .realization(), .classicalDisorderStream,
                DatasetSpec("sites", .int64, [n], units: "1", description: "chain indices of the cluster spins, ascending initial |phi| (ties: lower index)"),
                DatasetSpec("phi", .float64, [n], units: "J", description: "initial SFS fields phi_i = sum_j K_ij z_j of the cluster spins, in cluster order"),
                DatasetSpec("z", .int8, [n], units: "1", description: "initial z_i = +-1 of the cluster spins, in cluster order"),
                DatasetSpec("state", .int8, [L], units: "1", description: "the whole SFS state z of the chain (frozen spins included)"),
                DatasetSpec("remnant", .float64, [n], units: "1", description: "diagonal-ensemble remnant polarization z_I <Z_I> per cluster spin"),
                DatasetSpec("static_field", .float64, [n], units: "J", description: "h_I = sum over frozen j of K_ij z_j: the longitudinal field of the frozen spins"),
                DatasetSpec("coupling", .float64, [n, n], units: "J", description: "K_IJ = J_ij / d_ij^alpha among cluster spins (symmetric, zero diagonal)"),
                .logTimes(nt),
                DatasetSpec("trace", .float64, [n, nt], units: "1", description: "z_I <Z_I(t)> per cluster spin and time"),
                DatasetSpec("flips", .int64, units: "1", description: "spin flips of the SFS relaxation"),
                DatasetSpec("inverse_min_gap", .float64, units: "1/J", description: "1 / smallest level spacing of the cluster H (gaps < 1e-12 max|E| skipped)"),
                DatasetSpec("participation", .float64, units: "1", description: "1 / sum_n c_n^4: eigenstates the initial state overlaps with"),
                DatasetSpec("late_time_mean", .float64, [n], units: "1", description: "mean of the trace over the last decade of the grid (compare with remnant)"),
            ] + DatasetSpec.eigenpairChecks(energyUnits: "J") + [.wallSeconds("chain", "the couplings and the SFS relaxation of the chain")]
                + DatasetSpec.denseEDSeconds() + [.wallSeconds("quench", "the eigenpair checks, the time trace and the diagonal ensemble")]
            if storeDisorder { ds.append(.couplings(L: L)) }
            return OutputBlock(path: blockPath(p), rows: campaign.realizations, datasets: ds,
                               attributes: ["L": Double(L), "Ls": Double(n), "alpha": alpha, "hx": hx, "boundary_open": boundary == .open ? 1 : 0,
                                            "order": Double(order.code), "t_min": timeGrid.tMin, "t_max": timeGrid.tMax,
                                            "per_decade": Double(timeGrid.perDecade)],
                               matrixDimension: 1 << n)
        }
    }

    public var tasks: [TaskSpec] {
        grid.tasks(campaign: campaign) { p in
            let d = Double(1 << points[p].Ls)
            return d * d * d + 1e-2 * Double(points[p].L * points[p].L)
        }
    }

    /// The chain (J, K: 16 L^2 bytes, on every rank of the group) plus the
    /// dense solve (3 D^2 doubles) and the quench kernels (3 D x T blocks and
    /// the D x L_s table), the last two divided over the group.
    public func peakBytesPerRank(_ task: TaskSpec, groupSize g: Int) -> Int {
        let p = points[task.point]
        let d = Double(1 << p.Ls), nt = Double(times.count)
        return ClassicalChainSpec.chainBytes(p.L) + Int(8 * (3 * d * d + 3 * d * nt + d * Double(p.Ls)) / Double(g) + 8 * 12 * d) + (32 << 20)
    }

    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize g: Int) -> Double {
        let p = points[task.point]
        let d = Double(1 << p.Ls)
        let chain = ClassicalChainSpec.secondsPerSquaredSize * Double(p.L * p.L) * Double(g)
        return DenseEDPolicy.onGroup(DenseEDPolicy.secondsPerCubedDimension * d * d * d * 1.1 + chain, groupSize: g)
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        let p = points[task.point]
        let t0 = MPIEnvironment.wtime()
        let s = setup.prepare(L: p.L, seed: context.settings.seed, realization: task.realization, kind: .sfs)
        let h = ResonantCluster(chain: s.chain, state: s.z, fields: s.phi, size: p.Ls, hx: hx)
        let tChain = MPIEnvironment.wtime() - t0
        let settings = context.settings.denseED(checking: checkEigenpairs)
        let grid = times
        let what = "quench L=\(p.L) Ls=\(p.Ls) hx=\(hx) realization \(task.realization)"
        let (result, energies, spec) = try DenseED.withSpectrum(h, group: context.group, settings: settings, context: what) { sp in
            let e = sp.energies
            let info = (sp.residual, sp.orthogonality, sp.seconds)
            let r = try QuenchKernels.clusterQuench(&sp, cluster: h, times: grid, group: context.group)
            return (r, e, info)
        }
        guard context.group.rank == 0 else { return nil }
        let key = ClassicalChainSpec.disorderKey(L: p.L)
        var rows = StandardRows.denseED(residual: spec.0, orthogonality: spec.1, build: spec.2.build, solve: spec.2.solve) + [
            "realization": .int64([Int64(task.realization)]), "disorder_stream": .int64([Int64(bitPattern: key)]),
            "sites": .int64(h.chainSites.map(Int64.init)), "phi": .float64(h.initialFields), "z": .int8(h.z),
            "state": .int8(s.z), "remnant": .float64(result.remnant), "static_field": .float64(h.staticFields),
            "coupling": .float64(h.couplings), "times": .float64(grid), "trace": .float64(result.trace),
            "flips": .int64([Int64(s.flips)]), "inverse_min_gap": .float64([QuenchObservables.inverseMinimumGap(energies)]),
            "participation": .float64([QuenchObservables.participation(result.overlaps)]),
            "late_time_mean": .float64(QuenchObservables.lateTimeMeans(result.trace, times: grid, count: p.Ls)),
            "seconds_chain": .float64([tChain]), "seconds_quench": .float64([spec.2.check + result.seconds.trace + result.seconds.diagonal]),
        ]
        if storeDisorder { rows["J"] = .float64(s.J) }
        return TaskOutput(rows: rows)
    }
}
