import QGHDF5
import QGPhysics
import QGED

/// Output columns that several studies write, declared once: the task's
/// identity (`realization`, `point`), the dense-ED eigenpair checks and
/// wall times, the spectrum's ends and its per-eigenstate observables, the
/// classical chain's disorder, a chain's interaction exponent and the mean
/// field's n_*. A study lists them among its own
/// `DatasetSpec`s (docs/adding-a-study.md); the row helpers below fill the
/// same names. Units follow `DatasetSpec`: "1" for dimensionless numbers,
/// "" for labels, codes and indices.
extension DatasetSpec {
    /// `realization`: the task's disorder realization index r (from
    /// `first_realization` on); `what` names what a realization draws where
    /// the study says so.
    public static func realization(draws what: String? = nil) -> DatasetSpec {
        DatasetSpec("realization", .int64, units: "", description: "disorder realization index r" + (what.map { " (\($0))" } ?? ""))
    }

    /// `point`: the index of the task's parameter point, e.g. "(L, W)", in the config's point list.
    public static func point(of what: String = "the task's point") -> DatasetSpec {
        DatasetSpec("point", .int64, units: "", description: "index of \(what) in the config's point list")
    }

    /// `residual_max` and `orthogonality_max`: the dense-ED checks of the
    /// first `check_eigenpairs` eigenpairs (`DenseEDSettings`).
    public static func eigenpairChecks(energyUnits: String) -> [DatasetSpec] {
        [DatasetSpec("residual_max", .float64, units: energyUnits, description: "max over checked eigenpairs of ||H v - E v||_2"),
         DatasetSpec("orthogonality_max", .float64, units: "1", description: "max over checked pairs of |<v_i|v_j> - delta_ij|")]
    }

    /// Whether the column is a numerical check, a residual that is 0 up to
    /// rounding, quadrature or solver tolerance, whose worst |value| the
    /// end-of-run summary shows (`RunSummary`): a float64 column of the
    /// eigenpair checks (`eigenpairChecks`) or named `residual` or
    /// `*_residual`. A study declares a check column by naming it so.
    public var isCheck: Bool {
        type == .float64 && (name.hasSuffix("residual") || Self.eigenpairChecks(energyUnits: "").contains { $0.name == name })
    }

    /// `seconds_{name}`: wall seconds of one step of a task.
    public static func wallSeconds(_ name: String, _ what: String) -> DatasetSpec {
        DatasetSpec("seconds_\(name)", .float64, units: "s", description: "wall time of \(what)")
    }

    /// `seconds_solve`: the dense eigensolver (`SectorSpectrum.seconds.solve`), `scope` appended (e.g. " (both sectors)").
    public static func solveSeconds(_ scope: String = "") -> DatasetSpec { wallSeconds("solve", "the eigensolver" + scope) }

    /// `seconds_build` and `seconds_solve` of a dense ED (`SectorSpectrum.seconds`).
    public static func denseEDSeconds(_ scope: String = "") -> [DatasetSpec] {
        [wallSeconds("build", "the Hamiltonian fill" + scope), solveSeconds(scope)]
    }

    /// `e_min` and `e_max`: the ends of the task's spectrum (`of`, e.g. "the sector").
    public static func spectrumEnds(units: String, of what: String) -> [DatasetSpec] {
        [DatasetSpec("e_min", .float64, units: units, description: "lowest eigenvalue of \(what)"),
         DatasetSpec("e_max", .float64, units: units, description: "highest eigenvalue of \(what)")]
    }

    /// `eps` [n]: the energy density of each eigenstate (`EigenstateObservables.energyDensity`).
    public static func energyDensity(_ n: Int) -> DatasetSpec {
        DatasetSpec("eps", .float64, [n], units: "1", description: "energy density (E - e_min) / (e_max - e_min) of each eigenstate, e_min and e_max the ends of the task's spectrum")
    }

    /// `r` [n] and `m_ea` [n]: the gap ratio (`EigenstateObservables.gapRatios`) and the Edwards-Anderson order (`EigenstateKernels.edwardsAnderson`).
    public static func gapRatioAndEdwardsAnderson(_ n: Int) -> [DatasetSpec] {
        [DatasetSpec("r", .float64, [n], units: "1", description: "gap ratio min(d_n, d_n+1) / max(d_n, d_n+1) within the sector; NaN at both ends of each sector"),
         DatasetSpec("m_ea", .float64, [n], units: "1", description: "Edwards-Anderson order (1/L^2) sum_ij <n|Z_i Z_j|n>^2 of each eigenstate")]
    }

    /// `disorder_stream`: the key of the classical chain's stream (`ClassicalChainSpec.disorderKey`).
    public static let classicalDisorderStream = DatasetSpec(
        "disorder_stream", .int64, units: "", description: "64-bit key (bit pattern) of the counter-based stream of J (FNV-1a of classical|L=..)")

    /// `alpha`: the interaction exponent of a long-range chain's task (S1 and the classical studies).
    public static let interactionExponent = DatasetSpec(
        "alpha", .float64, units: "1", description: "interaction exponent alpha (couplings J_ij / d_ij^alpha)")

    /// `n_star`: the avalanche mean field's n_* (`AvalancheMeanField.solveChain`, S8 meanfield and diamond).
    public static let nStar = DatasetSpec(
        "n_star", .float64, units: "1", description: "n_* = (eta_tot - N eta(0)) / ln 2")

    /// `J` [L, L]: the drawn couplings of an L-site chain (`LongRangeSpinGlass.drawCouplings`).
    public static func couplings(L: Int) -> DatasetSpec {
        DatasetSpec("J", .float64, [L, L], units: "J", description: "raw couplings J_ij (standard normal, symmetric, zero diagonal)")
    }

    /// `times` [nt]: the quench studies' log time grid (`LogTimeGrid.times`).
    public static func logTimes(_ nt: Int) -> DatasetSpec {
        DatasetSpec("times", .float64, [nt], units: "1/J", description: "the log time grid from t_min to t_max (the same in every row)")
    }

    /// `state`: the initial-state kind of a classical chain (`InitialState.code`).
    public static let initialStateKind = DatasetSpec("state", .int8, units: "", description: "initial state kind: 0 random (T = inf), 1 single-flip stable")
}

extension Parameter {
    /// `check_eigenpairs`: how many eigenpairs of a dense ED are checked
    /// (the `eigenpairChecks` columns); declared once for every dense-ED study.
    static let checkEigenpairs = Parameter.int("check_eigenpairs", in: 0...64, default: 4,
                                               help: "eigenpairs whose residual and orthogonality are checked per task")
}

extension CampaignSettings {
    /// The campaign's dense-ED settings (`denseED`) checking `n` eigenpairs (`check_eigenpairs`).
    func denseED(checking n: Int) -> DenseEDSettings {
        var s = denseED
        s.checkEigenpairs = n
        return s
    }
}

/// The rows of the standard columns (`DatasetSpec` above), by the same names.
public enum StandardRows {
    /// `realization` and `point` of a task.
    public static func identity(_ task: TaskSpec) -> [String: RowValue] {
        ["realization": .int64([Int64(task.realization)]), "point": .int64([Int64(task.point)])]
    }

    /// `residual_max`, `orthogonality_max`, `seconds_build`, `seconds_solve`.
    public static func denseED(residual: Double, orthogonality: Double, build: Double, solve: Double) -> [String: RowValue] {
        ["residual_max": .float64([residual]), "orthogonality_max": .float64([orthogonality]),
         "seconds_build": .float64([build]), "seconds_solve": .float64([solve])]
    }
}

extension Dictionary where Key == String, Value == RowValue {
    /// The rows of `a` and `b` (a name of both: b's row).
    static func + (a: Self, b: Self) -> Self { a.merging(b) { $1 } }
}
