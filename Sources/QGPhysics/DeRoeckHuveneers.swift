/// The De Roeck-Huveneers central-grain model (S8, seed 002 eqs. 1, 2, 12):
///
///     H = H_g + sum_{n=1}^N h_n sigma^z_n + sum_{n=1}^N J_n (sigma^x_g sigma^x_n + sigma^y_g sigma^y_n),
///     J_n = J_1 a^(n-1),
///
/// with Pauli matrices (the l-bit term is h_n sigma^z_n, as in the seed's eq. 1:
/// the splitting of l-bit n is 2 h_n). The grain is three qubits (d_g = 8), H_g a
/// real symmetric 8 x 8 matrix on them; sigma_g acts on grain qubit 0.
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

    public init(grain: [Double], fields: [Double], couplings: [Double]) {
        precondition(grain.count == 64 && fields.count == couplings.count && fields.count >= 1 && fields.count <= 24,
                     "DRH model: 8 x 8 grain and N = 1...24 l-bits")
        lbits = fields.count
        self.grain = grain
        self.fields = fields
        self.couplings = couplings
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

    /// GOE draw of the grain at the seed's bandwidth: A with iid normal entries
    /// (upper triangle drawn column by column, i <= j), H = (A + A^T)/2 (so
    /// off-diagonal variance 1/2, diagonal variance 1), then scaled so that
    /// this realization's RMS eigenvalue sqrt(tr(H^2)/8) equals `rms` exactly
    /// (docs/avalanche-ed-2d.md: a per-realization normalization, not an
    /// ensemble one). Then the fields h_n = h + dh (2u - 1).
    public static func drawDisorder(N: Int, rms: Double = 1.5, h: Double = 1, dh: Double = 0.1,
                                    rng: inout CounterRNG) -> (grain: [Double], fields: [Double]) {
        var g = [Double](repeating: 0, count: 64)
        for j in 0..<8 {
            for i in 0...j {
                let x = rng.normal()
                if i == j { g[i + 8 * j] = x } else { g[i + 8 * j] = x / 2.0.squareRoot(); g[j + 8 * i] = g[i + 8 * j] }
            }
        }
        let scale = rms / grainRMS(g)
        for k in g.indices { g[k] *= scale }
        let f = (0..<N).map { _ in h + dh * (2 * rng.uniform() - 1) }
        return (g, f)
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
        let q = s & 1
        for n in 0..<lbits where ((s >> (3 + n)) & 1) != q && couplings[n] != 0 {
            body(s ^ (1 | 1 << (3 + n)), 2 * couplings[n])
        }
    }

    @inline(__always) public func forEachFullBasisComponent(of k: Int, _ body: (Int, Double) -> Void) { body(k, 1) }
    @inline(__always) public func diagonalValue(of k: Int, _ f: (Int) -> Double) -> Double { f(k) }
}
