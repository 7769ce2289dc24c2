import QGMPI
import QGPhysics
#if canImport(Glibc)
import Glibc
#endif

// @RegisteredStudy(EmchRadinStudy, order: 11)
/// Study S9: glassy Emch-Radin dynamics of disordered Ising spins
/// (docs/emch-radin.md). Config table `[emch_radin]`: its keys, defaults and
/// ranges are `parameters` (`qglass schema emch_radin`, docs/study-tables.md).
///
/// One task is one sample (realization) of one (d, N, x): the positions are
/// drawn once (stream `EmchRadin.streamText(d:N:packing:)`, alpha left out) and
/// every alpha of the block runs on them. Output block `/emch_radin/L_d{d}_N{N}`
/// (the `L` prefix: campaign blocks are `/{study}/L*`), one row per (x, sample):
/// the per-task curves averaged over all spins and over the interior spins, on
/// the per-alpha time grid `tau` (docs/hdf5-schema.md, "Emch-Radin").
public struct EmchRadinStudy: GridStudy {
    public static let name = "emch_radin"
    public static let summary = "S9: exact Emch-Radin dynamics of Ising spins at RSA positions in a d-ball (magnetization, purity; all and interior spins)"

    /// One geometry point: (d, N, x). The alphas of d are `alphas(d)`.
    public struct Point: Sendable, Hashable { public var d: Int; public var N: Int; public var x: Double }

    public let dims: [Int]
    public let alphaList: [Double]
    public let sizes: [Int]
    public let packings: [Double]
    public let decayMin: Double
    public let decayMax: Double
    public let tauPoints: Int
    public let interiorDepth: Double
    public let storePositions: Bool
    public let grid: ParameterGrid<Point>
    public let campaign: CampaignSettings, parameterValues: ParameterValues

    /// Ball radius (length unit).
    public static let r0 = 1.0
    public static let maxN = 1_000_000
    public static let maxTauPoints = 4096
    /// RSA candidate budget per spin.
    public static let attemptsPerSpin = 10_000

    public static let parameters: [Parameter] = [
        .ints("d", in: 1...3, example: [1], unit: "1", help: "dimensions of the ball"),
        .doubles("alpha", lower: .above(0), magnitude: PhysicalBounds.alpha, example: [2], unit: "1",
                 help: "interaction exponents of J_ik = r_ik^(-alpha); those below d are skipped (each d needs one alpha >= d)"),
        .ints("N", in: 2...maxN, example: [10], unit: "spins", help: "spins per sample; one block /emch_radin/L_d{d}_N{N} per (d, N)"),
        .doubles("x", lower: .atLeast(0), default: [0.001], unit: "1",
                 help: "packings x = N r_b^d / r_0^d of the RSA hard balls (below jamming: 1.49, 2.19, 3.07 in d = 1, 2, 3)"),
        .double("decay_min", lower: .above(0), upper: .atMost(100), default: 0.01, unit: "1",
                help: "first point u of the grid u = (gamma_m tau)^(d/alpha)"),
        .double("decay_max", lower: .above(0), upper: .atMost(100), default: 8, unit: "1", help: "last point u of the grid (> decay_min)"),
        .int("tau_points", in: 8...maxTauPoints, default: 96, help: "points of the log time grid per alpha"),
        .double("interior_depth", lower: .atLeast(0), default: 2, unit: "r_0 N^(-1/d)",
                help: "interior spins: r_0 - |r_i| >= interior_depth r_0 N^(-1/d)"),
        .bool("store_positions", default: true, help: "store the spin positions [N, d] per task"),
    ]

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> EmchRadinStudy {
        let v = try ParameterValues.parse(t, parameters)
        let dims = v.ints("d"), alphas = v.doubles("alpha"), sizes = v.ints("N"), xs = v.doubles("x")
        for d in dims where !alphas.contains(where: { $0 >= Double(d) }) {
            throw ConfigError("[emch_radin] no alpha >= d = \(d) (the thermodynamic-limit result needs alpha >= d; alphas below d are skipped)")
        }
        for x in xs {
            for d in dims where x >= EmchRadin.jammingPacking[d]! {
                throw ConfigError("[emch_radin] x = \(x) is at or above RSA jamming in d = \(d) (about \(EmchRadin.jammingPacking[d]!)); positions cannot be placed")
            }
        }
        let (lo, hi) = try v.increasing("decay_min", "decay_max", need: "0 < decay_min < decay_max <= 100")
        let blocks = blockKeys(dims: dims, sizes: sizes)
        return EmchRadinStudy(dims: dims, alphaList: alphas, sizes: sizes, packings: xs, decayMin: lo, decayMax: hi, tauPoints: v.int("tau_points"),
                              interiorDepth: v.double("interior_depth"), storePositions: v.bool("store_positions"),
                              grid: ParameterGrid(blocks: blocks) { key in xs.map { Point(d: key.d, N: key.N, x: $0) } },
                              campaign: campaign, parameterValues: v)
    }

    /// The alphas run in dimension d (those >= d, in config order).
    public func alphas(_ d: Int) -> [Double] { alphaList.filter { $0 >= Double(d) } }

    /// Blocks: one per (d, N), in config order (d outer).
    static func blockKeys(dims: [Int], sizes: [Int]) -> [(d: Int, N: Int)] { dims.flatMap { d in sizes.map { (d, $0) } } }
    public static func blockPath(d: Int, N: Int) -> String { "/emch_radin/L_d\(d)_N\(N)" }

    /// The dimensionless grid u_t = (gamma_m tau_t)^(d/alpha), log-spaced.
    public var decayGrid: [Double] { (try? EmchRadin.logGrid(from: decayMin, to: decayMax, count: tauPoints)) ?? [] }

    /// Number density n = N / (V_d r_0^d).
    public static func density(d: Int, N: Int) -> Double { EmchRadinTheory.density(d: d, N: N, r0: r0) }

    public var blocks: [OutputBlock] {
        Self.blockKeys(dims: dims, sizes: sizes).enumerated().map { b, key in
            let nA = alphas(key.d).count, T = tauPoints
            var ds = [DatasetSpec("x", .float64, units: "1", description: "packing x = N r_b^d / r_0^d of the task"),
                      .realization(draws: "the RSA positions"), .point(of: "(d, N, x)"),
                      DatasetSpec("disorder_stream", .int64, units: "1",
                                  description: "CounterRNG stream of the positions, StreamKey.make(\"emch-radin|d=..|N=..|x=..\") as int64 bits; with the campaign seed and realization it regenerates the positions bit for bit"),
                      DatasetSpec("rsa_attempts", .int64, units: "1", description: "RSA candidates drawn (accepted + rejected)"),
                      DatasetSpec("n_interior", .int64, units: "spins", description: "number of interior spins (r_0 - |r_i| >= interior_depth * r_0 N^(-1/d))"),
                      DatasetSpec("alpha", .float64, [nA], units: "1", description: "interaction exponents of the block (alpha >= d)"),
                      DatasetSpec("tau", .float64, [nA, T], units: "1/C (hbar = 1, C = 1)",
                                  description: "time grid per alpha: tau_t = u_t^(alpha/d)/gamma_m, u_t log-spaced in [decay_min, decay_max]"),
                      DatasetSpec("gamma_m_theory", .float64, [nA], units: "C", description: "analytic magnetization rate at density n = N/(V_d r_0^d)"),
                      DatasetSpec("j_nn_median", .float64, [nA], units: "C", description: "median nearest-neighbour coupling r_nn^(-alpha) of the sample (time unit of the seed's Fig. 1)")]
            for (avg, what) in [("all", "all N spins"), ("interior", "the interior spins (NaN when there is none)")] {
                ds.append(DatasetSpec("magnetization_\(avg)", .float64, [nA, T], units: "1",
                                      description: "<s_x(tau)> = (1/2|S|) sum_{i in S} prod_{k != i} cos(2 J_ik tau), S = \(what)"))
                ds.append(DatasetSpec("purity_\(avg)", .float64, [nA, T], units: "1",
                                      description: "(1/2)(1 + (1/|S|) sum_{i in S} prod_{k != i} cos^2(2 J_ik tau)), S = \(what)"))
            }
            if storePositions {
                ds.append(DatasetSpec("positions", .float64, [key.N, key.d], units: "r_0", description: "spin positions in the ball of radius r_0 = 1, RSA order"))
            }
            ds.append(DatasetSpec("seconds_dynamics", .float64, units: "s", description: "wall time of the exact products (all alpha)"))
            return OutputBlock(path: Self.blockPath(d: key.d, N: key.N), rows: grid.pointsOf(block: b).count * campaign.realizations,
                               datasets: ds, attributes: ["d": Double(key.d), "N": Double(key.N), "r0": Self.r0, "interior_depth": interiorDepth,
                                                          "decay_min": decayMin, "decay_max": decayMax, "n_alpha": Double(nA)])
        }
    }

    public var tasks: [TaskSpec] {
        grid.tasks(campaign: campaign) { p in
            let q = points[p]
            return Double(alphas(q.d).count) * Double(q.N) * Double(q.N) * Double(tauPoints)
        }
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize: Int) -> Int {
        let p = points[task.point]
        return 9 * p.N * tauPoints + 16 * p.N * p.d + 8 * 6 * alphas(p.d).count * tauPoints + (32 << 20)
    }

    /// 3.4e-9 s per factor evaluation (release, measured at N = 10^4, T = 100),
    /// N(N-1)/2 T per alpha, plus the nearest-neighbour scan (N^2/2 per alpha).
    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize: Int) -> Double {
        let p = points[task.point]
        let pairs = Double(p.N) * Double(p.N - 1) / 2
        return Double(alphas(p.d).count) * pairs * (3.4e-9 * Double(tauPoints) + 2e-8) * Double(groupSize)
    }

    public static func streamKey(d: Int, N: Int, x: Double) -> UInt64 { StreamKey.make(EmchRadin.streamText(d: d, N: N, packing: x)) }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        guard context.group.rank == 0 else { return nil }
        let p = points[task.point]
        let key = Self.streamKey(d: p.d, N: p.N, x: p.x)
        let sample = try EmchRadin.sample(d: p.d, N: p.N, packing: p.x, r0: Self.r0, seed: context.settings.seed, stream: key,
                                          realization: task.realization, attemptsPerSpin: Self.attemptsPerSpin)
        let mask = sample.interiorMask(depth: interiorDepth)
        let nInterior = mask.filter { $0 }.count
        let t0 = MPIEnvironment.wtime()
        let curves = try EmchRadin.curves(sample, alphas: alphas(p.d), decay: decayGrid, interior: mask)
        let seconds = MPIEnvironment.wtime() - t0
        var rows = StandardRows.identity(task) + curves.mapValues(RowValue.float64) + [
            "x": .float64([p.x]), "disorder_stream": .int64([Int64(bitPattern: key)]), "rsa_attempts": .int64([Int64(sample.attempts)]),
            "n_interior": .int64([Int64(nInterior)]), "alpha": .float64(alphas(p.d)), "seconds_dynamics": .float64([seconds]),
        ]
        if storePositions { rows["positions"] = .float64(sample.positions) }
        return TaskOutput(rows: rows)
    }
}
