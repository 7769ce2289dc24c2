import QGPhysics

// @RegisteredStudy(TwoSpinStudy, order: 9)
/// Study S6b: the talk's estimate of the bipartite entanglement of a large
/// chain in a single-flip-stable state as the sum, over pairs (i in A, j in B)
/// across the half-chain cut, of the closed-form two-spin entropy
/// (`TwoSpinEntanglement.pairSumAcrossCut`, docs/quench-entanglement.md).
/// The chain of realization r is the classical one (stream `classical|L=..`,
/// shared with S2-S5 and S7); all h_x of the list are evaluated on the same
/// state. Config table `[twospin]`; output groups `/twospin/L{L}`.
public struct TwoSpinStudy: ChainFieldListStudy {
    public static let name = "twospin"
    public static let summary = "S6b: sum of closed-form two-spin entanglements across the half-chain cut of SFS chains vs L"

    /// The chains, states and h_x list (shared with S4).
    public let setup: ChainFieldList
    public let campaign: CampaignSettings, parameterValues: ParameterValues

    public static let maxL = 20_000
    public static let defaultStates: [InitialState] = [.sfs]

    public var sizes: [Int] { setup.chain.sizes }

    public var blocks: [OutputBlock] {
        setup.blocks(study: Self.name, campaign: campaign, attributes: ["maximum_pair_entropy": TwoSpinEntanglement.maximumEntropy]) { _ in
            [DatasetSpec("entropy_sum", .float64, [setup.fields.count], units: "nats",
                         description: "sum over pairs across the half-chain cut of the two-spin entropy of the eigenstate connected to |z_i z_j>")]
        }
    }

    /// ~1e-6 s per pair and field (a quartic and four eigenvectors).
    public func estimatedCoreSeconds(_ task: TaskSpec, groupSize: Int) -> Double {
        setup.coreSeconds(task, groupSize: groupSize) { L in 1e-6 * L * L / 4 }
    }

    public func run(_ task: TaskSpec, context: TaskContext) throws -> TaskOutput? {
        setup.run(task, context: context) { chain, z, phi in
            ["entropy_sum": .float64(setup.fields.map { TwoSpinEntanglement.pairSumAcrossCut(chain: chain, state: z, fields: phi, hx: $0) })]
        }
    }
}
