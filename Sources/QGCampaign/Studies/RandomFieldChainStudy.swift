import QGMPI
import QGPhysics
import QGED

/// A random-field spin chain as a campaign model: how to draw one
/// realization's disorder (independent of W, so that a realization keeps its
/// disorder across the W scan) and how to build its sector Hamiltonian.
public protocol RandomFieldChainModel: Sendable {
    associatedtype Hamiltonian: SectorHamiltonian
    /// Config table, HDF5 top group and CLI model name.
    static var name: String { get }
    static var summary: String { get }
    /// Name of the stored disorder dataset.
    static var disorderName: String { get }
    /// The stored disorder dataset of size L (named `disorderName`): row shape, units and meaning.
    static func disorderColumn(L: Int) -> DatasetSpec
    /// Disorder of one realization at unit disorder strength (W = 1).
    static func drawUnitDisorder(L: Int, rng: inout CounterRNG) -> [Double]
    /// The Hamiltonian at disorder strength W from the unit disorder; also
    /// returns the disorder as stored (e.g. the actual fields h_i = W u_i).
    static func hamiltonian(L: Int, W: Double, unitDisorder: [Double], study: RandomFieldChainStudy<Self>) -> (Hamiltonian, stored: [Double])
    /// Sector dimension for `study`'s settings.
    static func dimension(L: Int, study: RandomFieldChainStudy<Self>) -> Int
    /// The local operator V of the S10b matrix elements on one site, diagonal
    /// in the basis: V = operatorScale * sigma^z_site (XXZ: S^z = sigma^z / 2;
    /// O(3): sigma^z), and its name for the docs and attributes.
    static var operatorScale: Double { get }
    static var operatorName: String { get }
    /// Sector keys of the config table beyond L, W, declared (canonical order).
    static var sectorParameters: [Parameter] { get }
    /// The sector of the parsed values.
    static func sector(_ v: ParameterValues) -> (delta: Double, sz: Int?)
}

/// Random-field XXZ chain in a fixed-S^z sector (docs/models.md).
public enum XXZModel: RandomFieldChainModel {
    public static let name = "xxz"
    public static let summary = "S10b: random-field XXZ chain (S = 1/2, periodic) in a fixed-S^z sector, dense ED (r, m_EA, eps)"
    public static let disorderName = "h"
    public static let operatorScale = 0.5
    public static let operatorName = "S^z_i"
    public static func disorderColumn(L: Int) -> DatasetSpec {
        DatasetSpec(disorderName, .float64, [L], units: "J",
                    description: "random fields h_i = W u_i, u_i uniform in [-1, 1] (H = sum S.S_Delta + sum_i h_i S^z_i, S = sigma/2)")
    }
    public static func drawUnitDisorder(L: Int, rng: inout CounterRNG) -> [Double] { XXZChain.drawFields(L: L, W: 1, rng: &rng) }
    public static func hamiltonian(L: Int, W: Double, unitDisorder u: [Double], study: RandomFieldChainStudy<XXZModel>) -> (XXZChain, stored: [Double]) {
        let h = u.map { W * $0 }
        return (XXZChain(L: L, delta: study.delta, fields: h, downSpins: XXZChain.downSpins(L: L, sz: study.sz)), h)
    }
    public static func dimension(L: Int, study: RandomFieldChainStudy<XXZModel>) -> Int {
        FixedWeightBasis(sites: L, weight: XXZChain.downSpins(L: L, sz: study.sz)).count
    }
    public static let sectorParameters: [Parameter] = [
        .double("delta", magnitude: PhysicalBounds.magnitude, default: 1, unit: "1", help: "anisotropy Delta of S^z_i S^z_i+1"),
        Parameter.int("sz", in: -RandomFieldChainStudy<XXZModel>.maxL...RandomFieldChainStudy<XXZModel>.maxL,
                      help: "sector 2 S^z_total (|sz| <= L, L - sz even); unset: the lowest |S^z|").optionalKey(),
    ]
    public static func sector(_ v: ParameterValues) -> (delta: Double, sz: Int?) {
        (v.double("delta"), v.intIfSet("sz"))
    }
}

/// Heisenberg chain with O(3) random fields, complex Hermitian, no sector (docs/models.md).
public enum HeisenbergO3Model: RandomFieldChainModel {
    public static let name = "heisenberg_o3"
    public static let summary = "S10b: Heisenberg chain with O(3) random fields (seed 004 eq. 61), complex Hermitian dense ED (r, m_EA, eps)"
    public static let disorderName = "v"
    public static let operatorScale = 1.0
    public static let operatorName = "sigma^z_i"
    public static func disorderColumn(L: Int) -> DatasetSpec {
        DatasetSpec(disorderName, .float64, [L, 3], units: "1",
                    description: "field vectors v_n (x, y, z), components iid normal(0, 1/3); H = (J/2) sum sigma_n.sigma_n+1 + (W/2) sum v_n.sigma_n")
    }
    public static func drawUnitDisorder(L: Int, rng: inout CounterRNG) -> [Double] { HeisenbergO3Chain.drawFields(L: L, rng: &rng) }
    public static func hamiltonian(L: Int, W: Double, unitDisorder v: [Double], study: RandomFieldChainStudy<HeisenbergO3Model>) -> (HeisenbergO3Chain, stored: [Double]) {
        (HeisenbergO3Chain(L: L, J: 1, W: W, v: v), v)
    }
    public static func dimension(L: Int, study: RandomFieldChainStudy<HeisenbergO3Model>) -> Int { 1 << L }
    public static let sectorParameters: [Parameter] = []
    public static func sector(_ v: ParameterValues) -> (delta: Double, sz: Int?) { (1, nil) }
}

/// Dense ED of a random-field chain over a grid of sizes L and disorder
/// strengths W (study S10b). Output groups `/{name}/L{L}`: per task W,
/// realization, the sorted spectrum `energy`, `eps`, `r` (NaN at the ends),
/// `m_ea`, and the disorder (`h` [L] or `v` [L, 3]).
public struct RandomFieldChainStudy<Model: RandomFieldChainModel>: GridStudy {
    public static var name: String { Model.name }
    public static var summary: String { Model.summary }
    public static var supportsGroups: Bool { true }

    public struct Point: Sendable, Hashable { public var L: Int; public var W: Double }

    public let sizes: [Int]
    public let disorder: [Double]
    public let delta: Double
    /// 2 S^z_total of the sector (XXZ), nil = the lowest |S^z|.
    public let sz: Int?
    public let checkEigenpairs: Int
    /// S10b matrix-element observables (config `matrix_elements = true`;
    /// nil = off, and the payload is that of the plain study).
    public let matrixElements: MatrixElementOptions?
    public let grid: ParameterGrid<Point>
    public let campaign: CampaignSettings, parameterValues: ParameterValues

    public static var maxL: Int { 20 }

    public static var parameters: [Parameter] {
        [.ints("L", in: 2...maxL, example: [6], note: "for dense ED", unit: "sites", help: "chain sizes; one output block /\(name)/L{L} per size"),
         .doubles("W", lower: .atLeast(0), magnitude: PhysicalBounds.magnitude, example: [1], unit: "J",
                  help: "disorder strengths W (a realization's unit disorder is shared across W)").worded("finite and >= 0")]
            + Model.sectorParameters
            + [.checkEigenpairs]
            + MatrixElementOptions.parameters(maxL: maxL)
    }

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> Self {
        let v = try ParameterValues.parse(t, parameters)
        let sizes = v.ints("L"), W = v.doubles("W")
        let (delta, sz) = Model.sector(v)
        if let sz {
            for L in sizes where abs(sz) > L || (L - sz) % 2 != 0 {
                throw ConfigError("[\(name)] sz = \(sz) (twice S^z_total) is not a sector of L = \(L): need |sz| <= L and L - sz even")
            }
        }
        let me = try MatrixElementOptions.options(v, sizes: sizes)
        return Self(sizes: sizes, disorder: W, delta: delta, sz: sz, checkEigenpairs: v.int("check_eigenpairs"), matrixElements: me,
                    grid: ParameterGrid(sizes, W) { Point(L: $0, W: $1) }, campaign: campaign, parameterValues: v)
    }

    func dimension(_ L: Int) -> Int { Model.dimension(L: L, study: self) }

    public var blocks: [OutputBlock] {
        sizes.enumerated().map { b, L in
            let d = dimension(L)
            let ds = [DatasetSpec("W", .float64, units: "J", description: "disorder strength W (the fields scale with W; the realization's unit disorder is shared across W)"),
                      .realization(), .point(of: "(L, W)"),
                      Model.disorderColumn(L: L),
                      DatasetSpec("energy", .float64, [d], units: "J", description: "eigenvalues of the sector Hamiltonian, ascending"),
                      .energyDensity(d)] + DatasetSpec.gapRatioAndEdwardsAnderson(d)
                + DatasetSpec.spectrumEnds(units: "J", of: "the sector") + DatasetSpec.eigenpairChecks(energyUnits: "J")
                + DatasetSpec.denseEDSeconds() + [.wallSeconds("observables", "checks and observables")]
            var attributes = ["L": Double(L), "dimension": Double(d)]
            if let me = matrixElements { attributes.merge(me.attributes(operatorScale: Model.operatorScale)) { $1 } }
            return OutputBlock(path: "/\(Self.name)/L\(L)", rows: grid.pointsOf(block: b).count * campaign.realizations,
                               datasets: ds + (matrixElements?.datasets(dimension: d, operatorName: Model.operatorName) ?? []),
                               attributes: attributes, matrixDimension: d)
        }
    }

    public var tasks: [TaskSpec] {
        grid.tasks(campaign: campaign) { p in let d = Double(dimension(points[p].L)); return d * d * d }
    }

    /// Real: matrix + dsyevd workspace (3 D^2); complex: matrix, zheevd work
    /// and rwork (about 6 D^2 doubles) or matrix and eigenvectors for zheevr
    /// (4 D^2); divided over a ScaLAPACK group.
    public func peakBytesPerRank(_ task: TaskSpec, groupSize g: Int) -> Int {
        let d = Double(dimension(points[task.point].L))
        let complex = Model.Hamiltonian.Element.isComplex
        let solver = complex ? DenseEDPolicy.complexSolverEntries(campaign.complexLapackDriver, groupSize: g) : 3.0
        // S10b: the matrix elements M and the scaled copy diag(V) U alongside U.
        let perEntry = solver + (matrixElements == nil ? 0 : 2 * (complex ? 2 : 1))
        return DenseEDPolicy.bytesPerRank(dimension: d, perEntry: perEntry, groupSize: g)
    }

    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize g: Int) -> Double {
        let d = Double(dimension(points[task.point].L))
        if Model.Hamiltonian.Element.isComplex {
            return DenseEDPolicy.complexCoreSeconds(dimension: d, lapack: campaign.complexLapackDriver, scalapack: campaign.complexScalapackDriver,
                                                    matrixElements: matrixElements != nil, groupSize: g)
        }
        // S10b adds one GEMM (2 D^3 flops, about a third of a dsyevd).
        return DenseEDPolicy.coreSeconds(dimension: d, overhead: matrixElements == nil ? 1.05 : 1.4, groupSize: g)
    }

    /// Disorder stream: (seed, study, L, realization); W only scales it.
    static func streamKey(L: Int) -> String { "\(name)|L=\(L)" }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        let p = points[task.point]
        var rng = CounterRNG(seed: context.settings.seed, stream: StreamKey.make(Self.streamKey(L: p.L)), realization: task.realization)
        let (h, stored) = Model.hamiltonian(L: p.L, W: p.W, unitDisorder: Model.drawUnitDisorder(L: p.L, rng: &rng), study: self)
        let settings = context.settings.denseED(checking: checkEigenpairs)
        let result = try DenseED.withSpectrum(h, group: context.group, settings: settings,
                                              context: "\(Self.name) L=\(p.L) W=\(p.W) realization \(task.realization)") { s in
            // S10b first: the matrix elements need the eigenvectors intact; m_EA consumes them.
            var me: [String: RowValue] = [:]
            if let options = matrixElements {
                let t0 = MPIEnvironment.wtime()
                let values = h.pauliZDiagonal(site: options.operatorSite, scale: Model.operatorScale)
                let m = try MatrixElementKernels.diagonalOperator(s.vectors, diagonal: values)
                let stats = try MatrixElementKernels.statistics(m, energies: s.energies, eps: EigenstateObservables.energyDensity(ascending: s.energies),
                                                                settings: options.settings, group: context.group)
                me = options.rows(stats, operatorScale: Model.operatorScale, seconds: MPIEnvironment.wtime() - t0)
            }
            let t0 = MPIEnvironment.wtime()
            let m = try EigenstateKernels.edwardsAnderson(&s.vectors, hamiltonian: h, group: context.group)
            return (s, m, MPIEnvironment.wtime() - t0, me)
        }
        guard context.group.rank == 0 else { return nil }
        let (spectrum, mEA, tObs, me) = result
        let e = spectrum.energies
        let ed = StandardRows.denseED(residual: spectrum.residual, orthogonality: spectrum.orthogonality,
                                      build: spectrum.seconds.build, solve: spectrum.seconds.solve)
        return TaskOutput(rows: me + StandardRows.identity(task) + ed + [
            "W": .float64([p.W]), Model.disorderName: .float64(stored),
            "energy": .float64(e), "eps": .float64(EigenstateObservables.energyDensity(ascending: e)),
            "r": .float64(EigenstateObservables.gapRatios(e)), "m_ea": .float64(mEA),
            "e_min": .float64([e.first ?? 0]), "e_max": .float64([e.last ?? 0]), "seconds_observables": .float64([spectrum.seconds.check + tObs]),
        ])
    }
}

// @RegisteredStudy(XXZStudy, order: 6)
public typealias XXZStudy = RandomFieldChainStudy<XXZModel>
// @RegisteredStudy(HeisenbergO3Study, order: 7)
public typealias HeisenbergO3Study = RandomFieldChainStudy<HeisenbergO3Model>
