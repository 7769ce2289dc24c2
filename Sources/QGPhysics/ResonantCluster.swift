/// The resonant-cluster Hamiltonian of study S5 (docs/quench-entanglement.md).
///
/// From an L-spin chain with couplings K_ij = J_ij / d_ij^alpha in a
/// single-flip-stable state z with fields phi_i = sum_j K_ij z_j, the L_s spins
/// with the smallest |phi_i| form the cluster; all other spins are frozen at
/// their z values. Cluster spins are labelled I = 0..L_s-1 in ascending order
/// of |phi|, ties broken by the lower chain index (a stable order, so the
/// selection is a pure function of (phi, L_s)). The cluster Hamiltonian is
///
///     H = sum_I h_I Z_I + sum_{I<J} K_IJ Z_I Z_J - h_x sum_I X_I,
///     h_I = sum_{j frozen} K_{i_I j} z_j,
///
/// with K_IJ the chain coupling between the chain sites i_I and i_J (in the
/// chain's own distance and boundary). Note h_I != phi_I: phi_I also contains
/// the other cluster spins, phi_I = h_I + sum_{J != I} K_IJ z_J, and the
/// classical energy of the initial cluster state equals the chain energy up
/// to a constant that does not depend on the cluster spins.
///
/// No symmetry is used: D = 2^L_s, the full basis of the cluster (bit s_I = 0
/// means Z_I = +1). Every column has the diagonal and L_s single-flip entries
/// -h_x. The struct stores the chain indices, initial fields, z values, static
/// fields and couplings, so H can be rebuilt from the stored record alone
/// (`init(chainSites:initialFields:z:staticFields:couplings:hx:)`).
public struct ResonantCluster: SectorHamiltonian {
    public typealias Element = Double
    /// L_s.
    public let sites: Int
    /// Chain indices i_I of the cluster spins, ascending |phi| (ties: lower index).
    public let chainSites: [Int]
    /// The initial fields phi_{i_I} of the chain state, in cluster order.
    public let initialFields: [Double]
    /// The initial z_{i_I} = +-1, in cluster order.
    public let z: [Int8]
    /// h_I: the static field of the frozen spins on cluster spin I.
    public let staticFields: [Double]
    /// K_IJ, L_s x L_s row-major, symmetric, zero diagonal.
    public let couplings: [Double]
    public let hx: Double
    /// Diagonal of H on the 2^L_s basis states (tabulated once, O(2^L_s L_s^2)).
    let diagonal: [Double]

    /// Rebuilds a cluster from its stored record.
    public init(chainSites: [Int], initialFields: [Double], z: [Int8], staticFields: [Double], couplings: [Double], hx: Double) {
        let n = staticFields.count
        precondition(n >= 1 && n <= 26, "cluster size out of range for dense ED")
        precondition(chainSites.count == n && initialFields.count == n && z.count == n && couplings.count == n * n,
                     "cluster record: inconsistent lengths")
        sites = n
        self.chainSites = chainSites
        self.initialFields = initialFields
        self.z = z
        self.staticFields = staticFields
        self.couplings = couplings
        self.hx = hx
        var d = [Double](repeating: 0, count: 1 << n)
        for s in 0..<(1 << n) { d[s] = Self.classicalEnergy(s, fields: staticFields, couplings: couplings, n: n) }
        diagonal = d
    }

    /// Builds the cluster of the `size` spins with the smallest |phi| of a
    /// chain in state (z, phi); phi must be the fields of z (e.g. from
    /// `SingleFlipStable.prepare`). The static fields are summed over the
    /// frozen spins directly (not as phi minus the cluster part), in chain order.
    public init(chain: ClassicalChain, state zChain: [Int8], fields phi: [Double], size: Int, hx: Double) {
        let L = chain.L
        precondition(zChain.count == L && phi.count == L, "state and fields must have L entries")
        precondition(size >= 1 && size <= L, "cluster size must be in 1...L")
        let chosen = Self.mostResonant(fields: phi, count: size)
        var inCluster = [Bool](repeating: false, count: L)
        for i in chosen { inCluster[i] = true }
        var h = [Double](repeating: 0, count: size)
        var K = [Double](repeating: 0, count: size * size)
        for (I, i) in chosen.enumerated() {
            var acc = 0.0
            for j in 0..<L where !inCluster[j] { acc += chain.K[i * L + j] * Double(zChain[j]) }
            h[I] = acc
            for (J, j) in chosen.enumerated() where J != I { K[I * size + J] = chain.K[i * L + j] }
        }
        self.init(chainSites: chosen, initialFields: chosen.map { phi[$0] }, z: chosen.map { zChain[$0] },
                  staticFields: h, couplings: K, hx: hx)
    }

    /// Indices of the `count` smallest |phi_i|, ascending |phi|; equal |phi|
    /// are ordered by the lower index.
    public static func mostResonant(fields phi: [Double], count: Int) -> [Int] {
        let order = phi.indices.sorted { a, b in
            let x = abs(phi[a]), y = abs(phi[b])
            return x < y || (x == y && a < b)
        }
        return Array(order.prefix(count))
    }

    /// sum_I h_I z_I + sum_{I<J} K_IJ z_I z_J of basis state s.
    @inline(__always)
    static func classicalEnergy(_ s: Int, fields h: [Double], couplings K: [Double], n: Int) -> Double {
        var e = 0.0
        for I in 0..<n {
            let bI = (s >> I) & 1
            e += bI == 0 ? h[I] : -h[I]
            for J in (I + 1)..<max(I + 1, n) { e += (bI ^ ((s >> J) & 1)) == 0 ? K[I * n + J] : -K[I * n + J] }
        }
        return e
    }

    public var dimension: Int { 1 << sites }

    /// The initial product state: bit I set where z_I = -1.
    public var initialStateIndex: Int {
        var s = 0
        for I in 0..<sites where z[I] < 0 { s |= 1 << I }
        return s
    }

    /// The classical (h_x = 0) energy of basis state s.
    public func classicalEnergy(_ s: Int) -> Double { diagonal[s] }

    /// T[s, I] = Z_I on basis state s, times z_I: the table whose expectation
    /// gives z_I <Z_I>, the polarization relative to the initial state.
    @inline(__always) public func polarizationSign(state s: Int, spin I: Int) -> Double {
        let zI = ((s >> I) & 1) == 0 ? 1.0 : -1.0
        return zI * Double(z[I])
    }

    @inline(__always) public func forEachEntry(column s: Int, _ body: (Int, Double) -> Void) {
        body(s, diagonal[s])
        for I in 0..<sites { body(s ^ (1 << I), -hx) }
    }

    @inline(__always) public func forEachFullBasisComponent(of k: Int, _ body: (Int, Double) -> Void) { body(k, 1) }

    @inline(__always) public func diagonalValue(of k: Int, _ f: (Int) -> Double) -> Double { f(k) }
}
