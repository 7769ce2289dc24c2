import QGPhysics

// @RegisteredStudy(TwoFlipStudy, order: 4)
/// Study S4: two-spin-flip resonances (docs/models.md S4, seed 001 eq. 6). For
/// every pair of a random or single-flip-stable state, the seed's amplitude
/// A_12 and the plain perturbative one A_12 / 4 are compared with 1; a
/// resonant pair is genuine if neither spin is single-flip resonant. All h_x
/// of the list are counted on the same state. Config table `[twoflip]`;
/// output groups `/twoflip/L{L}`.
public struct TwoFlipStudy: ChainFieldListStudy {
    public static let name = "twoflip"
    public static let summary = "S4: all and genuine two-spin-flip resonances (seed amplitude eq. 6 and plain 2nd-order PT) vs L"

    /// The chains, states and h_x list (shared with S6b).
    public let setup: ChainFieldList
    public let campaign: CampaignSettings, parameterValues: ParameterValues

    public static let maxL = 40_000
    public static let defaultStates: [InitialState] = [.random, .sfs]

    public static let countNames = ["count_all", "count_genuine", "count_all_pt", "count_genuine_pt", "count_single"]
    static let countDescriptions = [
        "count_all": "pairs with |A_12| > 1 per h_x", "count_genuine": "of those, pairs with neither spin single-flip resonant",
        "count_all_pt": "pairs with |A_12| / 4 > 1 (plain perturbative amplitude) per h_x",
        "count_genuine_pt": "of those, pairs with neither spin single-flip resonant",
        "count_single": "single-flip resonant spins, |phi_i| < h_x, per h_x",
    ]

    public var blocks: [OutputBlock] {
        setup.blocks(study: Self.name, campaign: campaign, attributes: ["perturbative_factor": TwoFlipResonances.perturbativeFactor]) { _ in
            Self.countNames.map { DatasetSpec($0, .int64, [setup.fields.count], units: "", description: Self.countDescriptions[$0] ?? $0) }
        }
    }

    /// ~1.5e-9 s per pair and field.
    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize: Int) -> Double {
        setup.coreSeconds(task, groupSize: groupSize) { L in 1.5e-9 * L * L / 2 }
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        setup.run(task, context: context) { chain, z, phi in
            let counts = TwoFlipResonances.count(chain, z: z, phi: phi, hx: setup.fields)
            return ["count_all": .int64(counts.map(\.all)), "count_genuine": .int64(counts.map(\.genuine)),
                    "count_all_pt": .int64(counts.map(\.allPT)), "count_genuine_pt": .int64(counts.map(\.genuinePT)),
                    "count_single": .int64(counts.map(\.single))]
        }
    }
}
