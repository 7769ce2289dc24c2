/// The De Roeck-Huveneers central-grain model (S8, seed 002 eqs. 1, 2, 12):
///
///     H = H_g + sum_{n=1}^N h_n sigma^z_n + sum_{n=1}^N J_n V_n,
///     J_n = J_1 a^(n-1),
///
/// with Pauli matrices (the l-bit term is h_n sigma^z_n, as in the seed's eq. 1:
/// the splitting of l-bit n is 2 h_n). The grain is three qubits (d_g = 8), H_g a
/// real symmetric 8 x 8 matrix on them. The coupling V_n (`DRHCoupling`) is the
/// seed's eq. 12 flip-flop sigma^x_g sigma^x_n + sigma^y_g sigma^y_n by default,
/// with sigma_g on grain qubit 0; `xx` keeps sigma^x_g sigma^x_n only, and
/// `random` is O_n sigma^x_n with O_n a GOE operator on the whole grain.
///
/// Bits of a basis index s (sites = 3 + N): bits 0, 1, 2 are the grain qubits
/// (grain index g = s & 7, qubit 0 = bit 0), bit 2 + n is l-bit n (n = 1...N), so
/// the last l-bit is bit N + 2 = sites - 1. Bit 0 means sigma^z = +1 (up).
/// sigma^x_g sigma^x_n + sigma^y_g sigma^y_n = 2 (sigma^+_g sigma^-_n + h.c.) flips an
/// antiparallel pair (grain qubit 0, l-bit n) with amplitude 2 J_n. No sector:
/// dimension 8 * 2^N, real symmetric.
public struct DeRoeckHuveneersModel: SectorHamiltonian {
    public typealias Element = Double
    public static let grainQubits = 3
    public static let grainDimension = 8
    /// Grain qubit that sigma_g acts on.
    public static let couplingQubit = 0

    public let lbits: Int
    /// H_g, column-major 8 x 8, symmetric.
    public let grain: [Double]
    /// h_n, n = 1...N.
    public let fields: [Double]
    /// J_n, n = 1...N.
    public let couplings: [Double]
    /// The operator V_n of the coupling J_n V_n.
    public let coupling: DRHCoupling
    /// `random` only: O_n for n = 1...N, each 8 x 8 column-major symmetric
    /// (entry (i, j) of O_n at 64 (n - 1) + i + 8 j); empty otherwise.
    public let grainOperators: [Double]

    public init(grain: [Double], fields: [Double], couplings: [Double], coupling: DRHCoupling = .flipflop, grainOperators: [Double] = []) {
        precondition(grain.count == 64 && fields.count == couplings.count && fields.count >= 1 && fields.count <= 24,
                     "DRH model: 8 x 8 grain and N = 1...24 l-bits")
        precondition(grainOperators.count == (coupling == .random ? 64 * fields.count : 0),
                     "DRH model: coupling = random needs one 8 x 8 grain operator per l-bit, the others none")
        lbits = fields.count
        self.grain = grain
        self.fields = fields
        self.couplings = couplings
        self.coupling = coupling
        self.grainOperators = grainOperators
    }

    /// J_n = J_1 a^(n-1) (a = 0: only the first l-bit is coupled).
    public static func couplings(N: Int, J1: Double, a: Double) -> [Double] {
        var out: [Double] = [], j = J1
        for _ in 0..<N { out.append(j); j *= a }
        return out
    }

    public var sites: Int { Self.grainQubits + lbits }
    public var dimension: Int { Self.dimension(lbits: lbits) }
    /// The dimension 8 * 2^N of the grain and N l-bits.
    public static func dimension(lbits N: Int) -> Int { grainDimension << N }

    /// GOE draw of the grain at the seed's bandwidth: `goe(rms:rng:)`, then
    /// the fields h_n = h + dh (2u - 1) from the same stream.
    public static func drawDisorder(N: Int, rms: Double = 1.5, h: Double = 1, dh: Double = 0.1,
                                    rng: inout CounterRNG) -> (grain: [Double], fields: [Double]) {
        let g = goe(rms: rms, rng: &rng)
        let f = (0..<N).map { _ in h + dh * (2 * rng.uniform() - 1) }
        return (g, f)
    }

    /// The `random` coupling's O_1 ... O_N, each `goe(rms: 1)` (tr(O_n^2)/8 = 1,
    /// the normalization of sigma^x_g), drawn after `drawDisorder` from the
    /// same stream, so a realization keeps its grain and fields under every
    /// coupling. Concatenated as `grainOperators` expects.
    public static func drawGrainOperators(N: Int, rng: inout CounterRNG) -> [Double] {
        (0..<N).flatMap { _ in goe(rms: 1, rng: &rng) }
    }

    /// A GOE 8 x 8 matrix: A with iid normal entries (upper triangle drawn
    /// column by column, i <= j), H = (A + A^T)/2 (so off-diagonal variance
    /// 1/2, diagonal variance 1), then scaled so that its RMS eigenvalue
    /// sqrt(tr(H^2)/8) equals `rms` exactly (docs/avalanche-ed-2d.md: a
    /// per-realization normalization, not an ensemble one).
    public static func goe(rms: Double, rng: inout CounterRNG) -> [Double] {
        var g = [Double](repeating: 0, count: 64)
        for j in 0..<8 {
            for i in 0...j {
                let x = rng.normal()
                if i == j { g[i + 8 * j] = x } else { g[i + 8 * j] = x / 2.0.squareRoot(); g[j + 8 * i] = g[i + 8 * j] }
            }
        }
        let scale = rms / grainRMS(g)
        for k in g.indices { g[k] *= scale }
        return g
    }

    /// sqrt(tr(H^2) / 8) = the RMS eigenvalue of a symmetric 8 x 8 matrix.
    public static func grainRMS(_ g: [Double]) -> Double {
        var s = 0.0
        for x in g { s += x * x }
        return (s / 8).squareRoot()
    }

    @inline(__always) public func forEachEntry(column s: Int, _ body: (Int, Double) -> Void) {
        let gIdx = s & 7, rest = s & ~7
        var d = grain[gIdx + 8 * gIdx]
        for n in 0..<lbits { d += ((s >> (3 + n)) & 1) == 0 ? fields[n] : -fields[n] }
        body(s, d)
        for g2 in 0..<8 where g2 != gIdx {
            let v = grain[g2 + 8 * gIdx]
            if v != 0 { body(rest | g2, v) }
        }
        switch coupling {
        case .flipflop:
            let q = s & 1
            for n in 0..<lbits where ((s >> (3 + n)) & 1) != q && couplings[n] != 0 {
                body(s ^ (1 | 1 << (3 + n)), 2 * couplings[n])
            }
        case .xx:
            for n in 0..<lbits where couplings[n] != 0 { body(s ^ (1 | 1 << (3 + n)), couplings[n]) }
        case .random:
            // <g2, s with l-bit n flipped| J_n O_n sigma^x_n |s> = J_n O_n[g2, g].
            for n in 0..<lbits where couplings[n] != 0 {
                let flipped = rest ^ (1 << (3 + n)), o = 64 * n + 8 * gIdx
                for g2 in 0..<8 {
                    let v = grainOperators[o + g2]
                    if v != 0 { body(flipped | g2, couplings[n] * v) }
                }
            }
        }
    }

    @inline(__always) public func forEachFullBasisComponent(of k: Int, _ body: (Int, Double) -> Void) { body(k, 1) }
    @inline(__always) public func diagonalValue(of k: Int, _ f: (Int) -> Double) -> Double { f(k) }
}

/// The operator V_n that couples l-bit n to the grain in the DRH model (the
/// `[drh] coupling` key; docs/avalanche-ed-2d.md, "Model and conventions").
public enum DRHCoupling: String, CaseIterable, Sendable {
    /// sigma^x_g sigma^x_n + sigma^y_g sigma^y_n on grain qubit 0 (seed eq. 12).
    case flipflop
    /// sigma^x_g sigma^x_n on grain qubit 0.
    case xx
    /// O_n sigma^x_n, O_n a GOE operator on the grain with tr(O_n^2)/8 = 1,
    /// drawn per l-bit and realization.
    case random
}
