import QGMPI
import QGLinearAlgebra
import QGDistributedLinearAlgebra
import QGPhysics
import QGED

/// One parity sector's spectrum and eigenstate observables.
struct SectorResult {
    var energies: [Double]
    var mEA: [Double]
    // --- S6a entanglement (issue 12): half-chain entropies, empty when off ---
    var entropy: [Double] = []
    var residual: Double
    var orthogonality: Double
    /// Wall seconds: Hamiltonian fill, eigensolver, checks + observables.
    var seconds: (build: Double, solve: Double, observables: Double)
}

@inline(__always) func now() -> Double { MPIEnvironment.wtime() }

// @RegisteredStudy(LRSGStudy, order: 1)
/// Study S1: dense ED of the long-range quantum spin glass in its two parity
/// sectors (docs/models.md S1). Config table `[lrsg]`; output groups `/lrsg/L{L}`.
public struct LRSGStudy: GridStudy, InputCheckingStudy {
    public static let name = "lrsg"
    public static var supportsGroups: Bool { true }
    public static let summary = "S1: long-range quantum spin glass, dense ED per parity sector (r, m_EA, eps)"

    public struct Point: Sendable, Hashable {
        public var L: Int
        public var alpha: Double
        public var hx: Double
    }

    public let sizes: [Int]
    public let alphas: [Double]
    public let fields: [Double]
    public let boundary: Boundary
    public let epsBins: Int
    public let storeEigenstatesMaxL: Int
    public let checkEigenpairs: Int
    public let grid: ParameterGrid<Point>
    public private(set) var campaign: CampaignSettings
    public let parameterValues: ParameterValues
    /// Couplings from a file (`disorder_from`) instead of the stream; nil = drawn.
    public let disorderSource: DisorderSource?
    // --- S6a entanglement (issue 12) ---
    /// `entanglement = true`: half-chain von Neumann entropy of every
    /// eigenstate (`entropy`, aligned with `energy`, and `hist_sum_entropy` per
    /// eps bin). Off by default: the payload and canonical text are unchanged.
    public var entanglement = false
    // --- Mid-spectrum solver (issue 15) ---
    /// nil: dense ED of every eigenpair (`solver = "dense"`, the default);
    /// else `solver = "midspectrum"`: the k eigenpairs per sector nearest the
    /// target energy density, with SLEPc or polfed (docs/performance.md,
    /// "Mid-spectrum eigenpairs").
    public var midspectrum: MidSpectrumConfig?

    /// `[lrsg]` keys of the mid-spectrum solver.
    public struct MidSpectrumConfig: Sendable, Equatable {
        /// Eigenpairs per sector (`k`).
        public var k: Int
        /// Target energy density (`target_eps`): E_t = e_min + eps (e_max - e_min), e_min and e_max over both sectors.
        public var targetEps: Double
        /// `midspectrum_method`: "auto" (nil: chosen per L by QGED's `MidSpectrumPolicy.autoMethod`), "shift-invert", "filter" or "polfed".
        public var method: MidSpectrumMethod?
        /// `filter_degree`: polynomial degree of the filter (0 = SLEPc's choice).
        public var filterDegree: Int
        /// `tolerance`: SLEPc's convergence tolerance.
        public var tolerance: Double
        /// `max_iterations`: Krylov-Schur restarts before the solve counts as unconverged (an error).
        public var maxIterations: Int
    }

    /// The method of size L: the configured one, or QGED's solver policy for "auto".
    func method(_ L: Int) -> MidSpectrumMethod { midspectrum?.method ?? MidSpectrumPolicy.autoMethod(L: L) }

    public static let maxL = 20
    /// Largest L of the mid-spectrum solver (sector dimension 2^25).
    public static let maxMidSpectrumL = 26

    /// The `[lrsg]` keys in canonical order; the mid-spectrum keys apply to
    /// `solver = "midspectrum"` only (refused, never ignored, with the dense
    /// solver) and, like `solver` and `entanglement`, are written only when
    /// they apply or are set, so that dense configs keep their canonical text.
    public static let parameters: [Parameter] = denseParameters + midSpectrumParameters

    static let denseParameters: [Parameter] = [
        .ints("L", in: 2...maxMidSpectrumL, example: [6], unit: "sites",
              help: "chain sizes (2...\(maxL) dense, 4...\(maxMidSpectrumL) mid-spectrum); one block /lrsg/L{L} per size"),
        ClassicalChainSpec.alphas,
        .doubles("hx", lower: .atLeast(0), magnitude: PhysicalBounds.magnitude, example: [0.5], unit: "J", help: "transverse fields h_x"),
        ClassicalChainSpec.boundary,
        .int("eps_bins", in: 1...100_000, default: 20, help: "uniform energy-density bins of the per-task histograms"),
        .int("store_eigenstates_max_L", in: 0...maxL, default: 14, unit: "sites", help: "largest L whose per-eigenstate data are stored"),
        .checkEigenpairs,
        Parameter.string("disorder_from", help: "couplings from a file instead of the stream (docs/hdf5-schema.md, disorder_from)").optionalKey(),
        Parameter.string("disorder_checksum", help: "SHA-256 the disorder_from file must have").optionalKey(),
        Parameter.bool("entanglement", default: false, help: "S6a: half-chain entropy of every eigenstate (dense solver)").omittedAtDefault(),
        Parameter.choice("solver", ["dense", "midspectrum"], default: "dense",
                         help: "dense ED of every eigenpair, or the k per sector nearest target_eps (SLEPc)").omittedAtDefault(),
    ]

    static let midSpectrumParameters: [Parameter] = [Parameter]([
        .int("k", in: 3...5000, default: 100, help: "eigenpairs per sector"),
        .double("target_eps", lower: .above(0), upper: .below(1), default: 0.5, unit: "1", help: "target energy density"),
        .choice("midspectrum_method", ["auto"] + MidSpectrumMethod.allCases.map(\.rawValue), default: "auto",
                help: "auto (by L: shift-invert up to L = \(MidSpectrumPolicy.shiftInvertMaxL), polfed beyond), shift-invert, filter or polfed"),
        .int("filter_degree", in: 0...100_000, default: 0, help: "polynomial degree of the filter: 0 (SLEPc's choice) or 10...100000"),
        .double("tolerance", lower: .atLeast(1e-15), upper: .atMost(1e-6), default: 1e-12, unit: "1", help: "SLEPc's convergence tolerance"),
        .int("max_iterations", in: 1...1_000_000, default: 10_000, help: "Krylov-Schur restarts before the solve counts as unconverged"),
    ]).map { (p: Parameter) -> Parameter in p.requiring("solver", .string("midspectrum")) }

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> LRSGStudy {
        let v = try ParameterValues.parse(t, parameters)
        let sizes = v.ints("L")
        var mid: MidSpectrumConfig? = nil
        if v.string("solver") == "midspectrum" {
            let degree = v.int("filter_degree")
            guard degree == 0 || degree >= 10 else {
                throw ConfigError("[lrsg] filter_degree must be 0 (SLEPc's choice) or in 10...100000 (got \(degree))")
            }
            mid = MidSpectrumConfig(k: v.int("k"), targetEps: v.double("target_eps"),
                                    method: MidSpectrumMethod(rawValue: v.string("midspectrum_method")), filterDegree: degree,
                                    tolerance: v.double("tolerance"), maxIterations: v.int("max_iterations"))
        }
        let (range, solver) = mid == nil ? (2...maxL, "for dense ED (solver = \"midspectrum\" reaches \(maxMidSpectrumL))")
                                         : (4...maxMidSpectrumL, "for the mid-spectrum solver")
        for L in sizes where !range.contains(L) {
            throw ConfigError("[lrsg] L = \(L) out of range \(range.lowerBound)...\(range.upperBound) \(solver)")
        }
        for L in sizes where 2 * (mid?.k ?? 0) > 1 << (L - 1) {
            throw ConfigError("[lrsg] k = \(mid!.k) is more than half the sector dimension \(1 << (L - 1)) at L = \(L): use solver = \"dense\"")
        }
        let from = v.stringIfSet("disorder_from")
        let pinned = v.stringIfSet("disorder_checksum")
        guard from != nil || pinned == nil else { throw ConfigError("[lrsg] disorder_checksum needs disorder_from") }
        let source = try from.map { try DisorderSource(spec: $0, pinnedChecksum: pinned) }
        let entanglement = v.bool("entanglement")  // S6a (issue 12)
        if entanglement && mid != nil { throw ConfigError("[lrsg] entanglement = true needs solver = \"dense\"") }
        let alphas = v.doubles("alpha"), hx = v.doubles("hx")
        return LRSGStudy(sizes: sizes, alphas: alphas, fields: hx, boundary: v.choice("boundary"), epsBins: v.int("eps_bins"),
                         storeEigenstatesMaxL: v.int("store_eigenstates_max_L"), checkEigenpairs: v.int("check_eigenpairs"),
                         grid: ParameterGrid(sizes, alphas, hx) { Point(L: $0, alpha: $1, hx: $2) }, campaign: campaign,
                         parameterValues: v, disorderSource: source, entanglement: entanglement, midspectrum: mid)
    }

    /// The declared keys' canonical lines, with the disorder source's lines
    /// (its file and the checksum it has once read) in place of
    /// `disorder_from` and `disorder_checksum`.
    public var canonical: String {
        "[lrsg]\n" + parameterValues.canonicalLines(from: nil, upTo: "disorder_from") + (disorderSource?.canonicalLines ?? "")
            + parameterValues.canonicalLines(from: "entanglement", upTo: nil)
    }

    /// Collective: with `disorder_from`, rank 0 reads and validates the given
    /// couplings before anything is allocated, and every rank receives them.
    public func prepareInputs(world: Communicator, output: String) throws {
        guard let source = disorderSource else { return }
        let first = campaign.firstRealization
        try source.loadCollective(world: world, sizes: sizes, realizations: first..<(first + campaign.realizations), output: output)
    }

    func blockPath(_ L: Int) -> String { "/lrsg/L\(L)" }

    func storesEigenstates(_ L: Int) -> Bool { L <= storeEigenstatesMaxL || midspectrum != nil }
    /// Eigenstates per task: all 2^L, or 2 k with the mid-spectrum solver.
    public func statesPerTask(_ L: Int) -> Int { midspectrum.map { 2 * $0.k } ?? 1 << L }
    /// `energy`, `sector` and `eps` (one entry per eigenstate): with the
    /// eigenstate data, and whenever `entropy` is stored, so that `entropy`
    /// is always aligned with `energy` (issue 12), whatever L.
    func storesSpectrum(_ L: Int) -> Bool { storesEigenstates(L) || entanglement }

    public var blocks: [OutputBlock] {
        sizes.enumerated().map { b, L in
            let n = statesPerTask(L)
            var ds: [DatasetSpec] = [
                .interactionExponent,
                DatasetSpec("hx", .float64, units: "J", description: "transverse field h_x"),
                .realization(), .point(of: "(L, alpha, h_x)"), .couplings(L: L),
            ] + DatasetSpec.spectrumEnds(units: "J", of: "H (both parity sectors)") + DatasetSpec.eigenpairChecks(energyUnits: "J")
                + DatasetSpec.denseEDSeconds(" (both sectors)") + [.wallSeconds("observables", "checks and observables (both sectors)")]
            ds += EpsHistogram(bins: epsBins).columns.map { DatasetSpec($0.name, .float64, [epsBins], units: "1", description: $0.description) }
            var attributes = ["L": Double(L), "eps_bins": Double(epsBins)]
            if let m = midspectrum {  // issue 15
                ds += [DatasetSpec("target_energy", .float64, units: "J", description: "target E_t = e_min + target_eps (e_max - e_min); e_min, e_max from both sectors"),
                       DatasetSpec("iterations", .int64, [2], units: "", description: "Krylov-Schur restarts of the mid-spectrum solve, sector +1 then -1"),
                       DatasetSpec("method", .int8, units: "", description: "mid-spectrum method: 0 shift-invert (MUMPS), 1 polynomial filter")]
                attributes["midspectrum_k"] = Double(m.k)
                attributes["target_eps"] = m.targetEps
            }
            if storesSpectrum(L) {
                let what = midspectrum == nil ? "eigenvalues" : "the k eigenvalues of each sector nearest target_energy"
                ds += [DatasetSpec("energy", .float64, [n], units: "J", description: "\(what), each parity sector ascending, sector +1 first"),
                       DatasetSpec("sector", .int8, [n], units: "", description: "parity P = prod_i X_i of each eigenstate (+1 or -1)"),
                       .energyDensity(n)]
            }
            if storesEigenstates(L) {
                ds += DatasetSpec.gapRatioAndEdwardsAnderson(n)
                if midspectrum != nil { ds[ds.count - 2].description += " (of the k consecutive eigenvalues of the sector)" }
            }
            if entanglement {  // S6a (issue 12)
                ds += [DatasetSpec("entropy", .float64, [n], units: "nats",
                                   description: "half-chain von Neumann entropy (sites 0..L/2-1 | L/2..L-1) of each eigenstate, sector states unfolded; aligned with energy"),
                       DatasetSpec("hist_sum_entropy", .float64, [epsBins], units: "nats", description: "sum of the eigenstate entropies per eps bin")]
            }
            return OutputBlock(path: blockPath(L), rows: grid.pointsOf(block: b).count * campaign.realizations, datasets: ds,
                               attributes: attributes, matrixDimension: 1 << (L - 1))
        }
    }

    public var tasks: [TaskSpec] {
        grid.tasks(campaign: campaign) { p in
            let L = points[p].L, dim = Double(1 << (L - 1))
            return midspectrum == nil ? 2 * dim * dim * dim : midSpectrumCoreSeconds(L: L)
        }
    }

    /// Bytes per rank: matrix + eigenvectors + solver workspace, plus the
    /// pair table and GEMM result of m_EA (see docs/performance.md).
    public func peakBytesPerRank(_ task: TaskSpec, groupSize g: Int) -> Int {
        let L = points[task.point].L
        if midspectrum != nil { return midSpectrumBytesPerRank(L: L, groupSize: g) }
        let d = Double(1 << (L - 1))
        let pairs = Double(L * (L - 1) / 2)
        let matrices = DenseEDPolicy.realSolverDoubles(dimension: d, lapack: campaign.lapackDriver,
                                                       scalapack: campaign.scalapackDriver, groupSize: g)
        let observables = 2 * d * pairs / Double(g) + 12 * d
        return Int(8 * (matrices + observables)) + 64 << 20
    }

    /// Dense ED (issue 15): the divide-and-conquer drivers (dsyevd/pdsyevd,
    /// fastest), then the MRRR drivers (dsyevr/pdsyevr: 2 D^2 instead of
    /// 3 D^2 on one rank, 3 D^2/g instead of 5 D^2/g on a group), same
    /// payload up to rounding. The mid-spectrum solver has one path.
    public var isMidSpectrum: Bool { midspectrum != nil }

    public var solverPaths: [SolverPath] {
        guard midspectrum == nil else { return [.configured(self)] }
        let configured = (campaign.lapackDriver, campaign.scalapackDriver)
        return [(LAPACKDriver.dsyevd, ScaLAPACKDriver.pdsyevd), (.dsyevr, .pdsyevr)].map { l, s in
            var variant = self  // the same study under the path's drivers
            variant.campaign.lapackDriver = l
            variant.campaign.scalapackDriver = s
            return SolverPath(label: "\(l.rawValue)/\(s.rawValue)",
                              settings: ["campaign.lapack_driver=\"\(l.rawValue)\"", "campaign.scalapack_driver=\"\(s.rawValue)\""],
                              bytesPerRank: { [variant] in variant.peakBytesPerRank($0, groupSize: $1) },
                              coreSeconds: { [variant] in variant.estimatedCoreSeconds($0, groupSize: $1) * (l == .dsyevr ? DenseEDPolicy.mrrrRelativeCost : 1) },
                              isConfigured: { g in g == 1 ? configured.0 == l : configured.1 == s })
        }
    }

    /// The dense-ED cost model: QGED's `DenseEDPolicy`.
    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize g: Int) -> Double {
        if midspectrum != nil { return DenseEDPolicy.onGroup(midSpectrumCoreSeconds(L: points[task.point].L), groupSize: g) }
        let d = Double(1 << (points[task.point].L - 1))
        return 2 * DenseEDPolicy.coreSeconds(dimension: d, overhead: 1.05, groupSize: g)   // two sectors
    }

    /// The disorder stream of size L (schema 2). J of realization r is a pure
    /// function of (seed, study, L, r): alpha enters the model through the
    /// distances d_ij^alpha and h_x through the transverse term, so one
    /// realization keeps its J_ij over the whole alpha x h_x grid (correlated
    /// sampling; docs/models.md, "Disorder"). The boundary is not in the key
    /// either: periodic and open runs of realization r share J_ij.
    /// (Schema 1 keyed the stream by "lrsg|L=..|alpha=..|hx=..".)
    public static func streamKey(L: Int) -> String { "lrsg|L=\(L)" }

    /// Local: the couplings of realization `realization` at size `L`, drawn
    /// from the counter-based stream (a pure function of seed, L, realization).
    public static func drawnCouplings(L: Int, realization: Int, seed: UInt64) -> [Double] {
        var rng = CounterRNG(seed: seed, stream: StreamKey.make(streamKey(L: L)), realization: realization)
        return LongRangeSpinGlass.drawCouplings(L: L, rng: &rng)
    }

    /// Local: the couplings of a task: from `disorder_from` when set (loaded
    /// and validated by `prepareInputs` before the run), else drawn.
    public func couplings(point p: Point, realization: Int, seed: UInt64) throws -> [Double] {
        if let source = disorderSource { return try source.couplings(L: p.L, realization: realization) }
        return Self.drawnCouplings(L: p.L, realization: realization, seed: seed)
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        let p = points[task.point]
        let J = try couplings(point: p, realization: task.realization, seed: context.settings.seed)
        let model = LongRangeSpinGlass(L: p.L, alpha: p.alpha, hx: p.hx, boundary: boundary, J: J)
        if midspectrum != nil { return try runMidSpectrum(task, context: context, model: model, J: J) }
        let settings = context.settings.denseED(checking: checkEigenpairs)
        var sectors: [SectorResult] = []
        for h in LRSGParitySector.bothSectors(of: model) {
            let what = "L=\(model.L) alpha=\(model.alpha) hx=\(model.hx) sector \(h.parity)"
            sectors.append(try DenseED.withSpectrum(h, group: context.group, settings: settings, context: what) { s in
                let t0 = now()
                // S6a (issue 12): entropies first (m_EA may overwrite the eigenvectors).
                let entropy = entanglement ? try Entanglement.eigenstateEntropies(s.vectors, hamiltonian: h, cut: .halfChain(sites: model.L),
                                                                                  group: context.group) : []
                let m = try EigenstateKernels.edwardsAnderson(&s.vectors, hamiltonian: h, group: context.group)
                return SectorResult(energies: s.energies, mEA: m, entropy: entropy, residual: s.residual, orthogonality: s.orthogonality,
                                    seconds: (s.seconds.build, s.seconds.solve, s.seconds.check + now() - t0))
            })
        }
        guard context.group.rank == 0 else { return nil }

        var (rows, eps) = taskRows(task, J: J, sectors: sectors, since: now())
        if entanglement {  // S6a (issue 12)
            let entropy = sectors[0].entropy + sectors[1].entropy
            rows["entropy"] = .float64(entropy)
            rows["hist_sum_entropy"] = .float64(EpsHistogram.sums(of: entropy, eps: eps, bins: epsBins))
        }
        if !storesSpectrum(p.L) { for name in ["energy", "sector", "eps"] { rows[name] = nil } }
        if !storesEigenstates(p.L) { for name in ["r", "m_ea"] { rows[name] = nil } }
        return TaskOutput(rows: rows)
    }

    /// Local: the rows every S1 task writes (dense or mid-spectrum), from its
    /// sectors (sector +1 first, ascending energies and their m_EA): eps
    /// between `ends` (nil: the sectors' lowest and highest energy), r within
    /// each sector, the eps histograms, the checks (the worse sector's) and
    /// timings (the sectors' sums after `before`; observables time counted up
    /// to now from `since`). Also returns eps.
    func taskRows(_ task: TaskSpec, J: [Double], sectors: [SectorResult], ends: (min: Double, max: Double)? = nil,
                  before: (build: Double, solve: Double) = (0, 0), since: Double) -> (rows: [String: RowValue], eps: [Double]) {
        let p = points[task.point]
        let energies = sectors[0].energies + sectors[1].energies
        let eMin = ends?.min ?? energies.min()!, eMax = ends?.max ?? energies.max()!
        let eps = EigenstateObservables.energyDensity(energies, min: eMin, max: eMax)
        let r = EigenstateObservables.gapRatios(sectors[0].energies) + EigenstateObservables.gapRatios(sectors[1].energies)
        let m = sectors[0].mEA + sectors[1].mEA
        let sector = [Int8](repeating: 1, count: sectors[0].energies.count) + [Int8](repeating: -1, count: sectors[1].energies.count)
        let seconds = sectors.map(\.seconds).reduce((build: before.build, solve: before.solve, observables: 0.0)) {
            ($0.build + $1.build, $0.solve + $1.solve, $0.observables + $1.observables)
        }
        var hist = EpsHistogram(bins: epsBins)
        for n in energies.indices { hist.add(eps: eps[n], r: r[n], m: m[n]) }
        let rows = StandardRows.identity(task)
            + StandardRows.denseED(residual: sectors.map(\.residual).max()!, orthogonality: sectors.map(\.orthogonality).max()!,
                                   build: seconds.build, solve: seconds.solve) + [
            "alpha": .float64([p.alpha]), "hx": .float64([p.hx]), "J": .float64(J), "e_min": .float64([eMin]), "e_max": .float64([eMax]),
            "seconds_observables": .float64([seconds.observables + (now() - since)]),
            "energy": .float64(energies), "sector": .int8(sector), "eps": .float64(eps), "r": .float64(r), "m_ea": .float64(m),
        ] + Dictionary(uniqueKeysWithValues: hist.columns.map { ($0.name, RowValue.float64($0.values)) })
        return (rows, eps)
    }
}
