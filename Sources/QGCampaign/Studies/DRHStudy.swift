import QGMPI
import QGPhysics
import QGED

// @RegisteredStudy(DRHStudy, order: 12)
/// S8, De Roeck-Huveneers ED (seed 002 Fig. 2): a GOE grain of 3 qubits
/// coupled to N l-bits with J_n = J_1 a^(n-1); full dense ED of the 8 * 2^N
/// states and, per eigenstate, the entanglement entropy of the last l-bit.
/// Table `[drh]`: `parameters` (docs/study-tables.md).
/// One block `/drh/N{N}` per size (docs/hdf5-schema.md, "DRH ED").
/// The disorder (grain matrix and fields) is keyed by (seed, study, N,
/// realization) and so is the same at every a.
public struct DRHStudy: GridStudy {
    public static let name = "drh"
    public static var supportsGroups: Bool { true }
    public static let summary = "S8: De Roeck-Huveneers central-grain ED (GOE grain d_g = 8, N l-bits), eigenstate entropy of the last l-bit vs a"

    public struct Point: Sendable, Hashable { public var N: Int; public var a: Double }

    public let grid: ParameterGrid<Point>
    /// The parameters' one home; the other values are read where used.
    public let campaign: CampaignSettings, parameterValues: ParameterValues
    public var sizes: [Int] { parameterValues.ints("N") }
    public var J1: Double { parameterValues.double("J1") }
    public var coupling: DRHCoupling { parameterValues.choice("coupling") }

    public static let maxN = 10

    public static let parameters: [Parameter] = [
        .ints("N", in: 1...maxN, example: [3], note: "(dimension 8 * 2^N <= 8192)", unit: "l-bits",
              help: "numbers of l-bits; one output block /drh/N{N} per value"),
        .doubles("a", lower: .atLeast(0), upper: .atMost(2), example: [0.5], unit: "1", help: "coupling decays a of J_n = J1 a^(n-1)"),
        .double("J1", lower: .atLeast(0), upper: .atMost(100), default: 0.41, unit: "energy", help: "coupling J_1 of the first l-bit to the grain"),
        .double("h", lower: .atLeast(-100), upper: .atMost(100), default: 1, unit: "energy", help: "mean l-bit field"),
        .double("dh", lower: .atLeast(0), upper: .atMost(100), default: 0.1, unit: "energy", help: "spread of the l-bit fields"),
        .double("grain_rms", lower: .above(0), upper: .atMost(100), default: 1.5, unit: "energy", help: "rms of the GOE grain's entries"),
        // Written only when not the default, so the canonical text of existing configs is unchanged.
        Parameter.choice("coupling", DRHCoupling.self, default: .flipflop,
                         help: "V_n of J_n V_n: flipflop = sx_g sx_n + sy_g sy_n (seed eq. 12), xx = sx_g sx_n, random = O_n sx_n with a GOE grain operator O_n per l-bit (tr O_n^2 / 8 = 1)")
            .omittedAtDefault(),
        .checkEigenpairs,
    ]

    public static func parse(_ t: ConfigTable, campaign: CampaignSettings) throws -> DRHStudy {
        let v = try ParameterValues.parse(t, parameters)
        return DRHStudy(grid: ParameterGrid(v.ints("N"), v.doubles("a")) { Point(N: $0, a: $1) }, campaign: campaign, parameterValues: v)
    }

    static func dimension(_ n: Int) -> Int { DeRoeckHuveneersModel.dimension(lbits: n) }

    public var blocks: [OutputBlock] {
        let v = parameterValues
        return sizes.enumerated().map { b, n in
            let d = Self.dimension(n)
            let ds = [DatasetSpec("a", .float64, units: "1", description: "coupling decay a of J_n = J1 a^(n-1)"),
                      .realization(), .point(of: "(N, a)"),
                      DatasetSpec("grain", .float64, [64], units: "energy", description: "grain Hamiltonian H_g, 8 x 8 column-major (grain index = bits 0-2)"),
                      DatasetSpec("h", .float64, [n], units: "energy", description: "l-bit fields h_n of the term h_n sigma^z_n, n = 1..N")]
                + (coupling == .random ? [DatasetSpec("grain_operators", .float64, [n, 64], units: "1",
                                                      description: "coupling = random: O_n of J_n O_n sigma^x_n, row n - 1 = O_n 8 x 8 column-major")] : [])
                + [
                      DatasetSpec("energy", .float64, [d], units: "energy", description: "eigenvalues, ascending"), .energyDensity(d),
                      DatasetSpec("s_end", .float64, [d], units: "nat", description: "entanglement entropy of the last l-bit (n = N) in each eigenstate")]
                + DatasetSpec.eigenpairChecks(energyUnits: "energy") + DatasetSpec.denseEDSeconds() + [.wallSeconds("observables", "checks and entropies")]
            // coupling_qubit: the grain qubit of sigma_g (flipflop, xx); -1 for random (O_n acts on the whole grain).
            return OutputBlock(path: "/drh/N\(n)", rows: grid.pointsOf(block: b).count * campaign.realizations, datasets: ds,
                               attributes: ["N": Double(n), "dimension": Double(d), "J1": J1, "h": v.double("h"), "dh": v.double("dh"), "grain_rms": v.double("grain_rms"),
                                            "coupling_qubit": coupling == .random ? -1 : Double(DeRoeckHuveneersModel.couplingQubit)],
                               matrixDimension: d)
        }
    }

    public var tasks: [TaskSpec] {
        grid.tasks(campaign: campaign) { p in let d = Double(Self.dimension(points[p].N)); return d * d * d }
    }

    public func peakBytesPerRank(_ task: TaskSpec, groupSize g: Int) -> Int {
        DenseEDPolicy.bytesPerRank(dimension: Double(Self.dimension(points[task.point].N)), perEntry: 3, groupSize: g)
    }

    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize g: Int) -> Double {
        DenseEDPolicy.coreSeconds(dimension: Double(Self.dimension(points[task.point].N)), overhead: 1.1, groupSize: g)
    }

    /// Disorder stream: (seed, study, N, realization); a does not enter. The
    /// `random` coupling's operators follow the grain and fields in it.
    static func streamKey(N: Int) -> String { "drh|N=\(N)" }

    /// The disorder of a realization (as stored) and the model at `a`.
    public func model(N: Int, a: Double, seed: UInt64, realization: Int) -> DeRoeckHuveneersModel {
        var rng = CounterRNG(seed: seed, stream: StreamKey.make(Self.streamKey(N: N)), realization: realization)
        let (g, f) = DeRoeckHuveneersModel.drawDisorder(N: N, rms: parameterValues.double("grain_rms"), h: parameterValues.double("h"),
                                                              dh: parameterValues.double("dh"), rng: &rng)
        let ops = coupling == .random ? DeRoeckHuveneersModel.drawGrainOperators(N: N, rng: &rng) : []
        return DeRoeckHuveneersModel(grain: g, fields: f, couplings: DeRoeckHuveneersModel.couplings(N: N, J1: J1, a: a),
                                     coupling: coupling, grainOperators: ops)
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        let p = points[task.point]
        let m = model(N: p.N, a: p.a, seed: context.settings.seed, realization: task.realization)
        let settings = context.settings.denseED(checking: parameterValues.int("check_eigenpairs"))
        let distributed = context.group.size > 1
        let result = try DenseED.withSpectrum(m, group: context.group, settings: settings,
                                              context: "drh N=\(p.N) a=\(p.a) realization \(task.realization)") { s in
            let t0 = MPIEnvironment.wtime()
            // All 8 * 2^N entropies of the last l-bit at once from its Bloch
            // vector: two GEMMs (PDGEMM on a group); consumes the eigenvectors.
            let S = try Entanglement.eigenstateQubitEntropies(&s.vectors, hamiltonian: m, qubit: m.sites - 1,
                                                              group: distributed ? context.group : nil)
            return (s.energies, s.residual, s.orthogonality, s.seconds, S, MPIEnvironment.wtime() - t0)
        }
        guard context.group.rank == 0 else { return nil }
        let (e, res, orth, secs, S, tObs) = result
        return TaskOutput(rows: StandardRows.identity(task) + StandardRows.denseED(residual: res, orthogonality: orth, build: secs.build, solve: secs.solve) + [
            "a": .float64([p.a]), "grain": .float64(m.grain), "h": .float64(m.fields),
        ] + (m.coupling == .random ? ["grain_operators": .float64(m.grainOperators)] : [:]) + [
            "energy": .float64(e), "eps": .float64(EigenstateObservables.energyDensity(ascending: e)),
            "s_end": .float64(S), "seconds_observables": .float64([secs.check + tObs]),
        ])
    }
}
