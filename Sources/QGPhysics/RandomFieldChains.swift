import QGLinearAlgebra

/// Random-field XXZ chain of spins S = sigma/2 (study S10, issue "one room per
/// model"), in a sector of fixed magnetization:
///
///     H = sum_bonds (S^x_i S^x_j + S^y_i S^y_j + Delta S^z_i S^z_j) + sum_i h_i S^z_i
///
/// with bonds (i, i+1) and, for periodic boundaries, (L-1, 0). Bit s_i = 0 is
/// spin up (S^z_i = +1/2). The sector holds the basis strings with
/// `downSpins` set bits, i.e. S^z_total = L/2 - downSpins. Real symmetric.
public struct XXZChain: SectorHamiltonian {
    public typealias Element = Double
    public let sites: Int
    public let delta: Double
    /// Fields h_i (L values).
    public let fields: [Double]
    public let boundary: Boundary
    public let basis: FixedWeightBasis
    /// The bonds (i, j).
    public let bonds: [(Int, Int)]

    public init(L: Int, delta: Double = 1, fields h: [Double], downSpins: Int, boundary: Boundary = .periodic) {
        precondition(L >= 2 && h.count == L, "XXZChain needs L >= 2 and L fields")
        sites = L
        self.delta = delta
        fields = h
        self.boundary = boundary
        basis = FixedWeightBasis(sites: L, weight: downSpins)
        var b = (0..<(L - 1)).map { ($0, $0 + 1) }
        if boundary == .periodic { b.append((L - 1, 0)) }
        bonds = b
    }

    /// The S^z_total = 0 sector (L even) or S^z_total = 1/2 (L odd).
    public init(L: Int, delta: Double = 1, fields h: [Double], boundary: Boundary = .periodic) {
        self.init(L: L, delta: delta, fields: h, downSpins: L / 2, boundary: boundary)
    }

    /// Down spins of the sector with 2 S^z_total = `sz` (nil: the lowest |S^z|, L/2 down spins).
    public static func downSpins(L: Int, sz: Int?) -> Int { sz.map { (L - $0) / 2 } ?? L / 2 }

    public var dimension: Int { basis.count }

    /// Fields h_i uniform in [-W, W], drawn in site order.
    public static func drawFields(L: Int, W: Double, rng: inout CounterRNG) -> [Double] {
        (0..<L).map { _ in W * (2 * rng.uniform() - 1) }
    }

    /// The diagonal entry of basis string `s`.
    @inline(__always) public func diagonal(_ s: Int) -> Double {
        var e = 0.0
        for (i, j) in bonds { e += ((((s >> i) ^ (s >> j)) & 1) == 0 ? 0.25 : -0.25) * delta }
        for i in 0..<sites { e += ((s >> i) & 1) == 0 ? 0.5 * fields[i] : -0.5 * fields[i] }
        return e
    }

    @inline(__always) public func forEachEntry(column k: Int, _ body: (Int, Double) -> Void) {
        let s = basis.states[k]
        body(k, diagonal(s))
        // S^x S^x + S^y S^y = (S^+ S^- + S^- S^+)/2: flip an antiparallel pair, amplitude 1/2.
        for (i, j) in bonds where (((s >> i) ^ (s >> j)) & 1) == 1 {
            body(basis.rank(s ^ (1 << i | 1 << j)), 0.5)
        }
    }

    @inline(__always) public func forEachFullBasisComponent(of k: Int, _ body: (Int, Double) -> Void) {
        body(basis.states[k], 1)
    }

    @inline(__always) public func diagonalValue(of k: Int, _ f: (Int) -> Double) -> Double { f(basis.states[k]) }
}

/// Heisenberg chain with O(3) random fields (seed 004 eq. (61)), no sector:
///
///     H = (J/2) sum_bonds sigma_n . sigma_m + (W/2) sum_n v_n . sigma_n
///
/// with Pauli matrices, bonds (n, n+1) and, for periodic boundaries, (L-1, 0).
/// The v_n are iid with zero mean and [v_n . v_n] = 1: components iid normal
/// with variance 1/3 (not unit vectors, with which every local splitting
/// equals W and the chain never localizes). Complex Hermitian through
/// sigma^y: <s ^ bit n| sigma^y_n |s> = +i if spin n of s is up (bit 0), -i if down.
public struct HeisenbergO3Chain: SectorHamiltonian {
    public typealias Element = Complex
    public let sites: Int
    public let J: Double
    public let W: Double
    /// Field vectors v_n, row-major L x 3 (x, y, z).
    public let v: [Double]
    public let boundary: Boundary
    public let bonds: [(Int, Int)]

    public init(L: Int, J: Double = 1, W: Double, v: [Double], boundary: Boundary = .periodic) {
        precondition(L >= 2 && v.count == 3 * L, "HeisenbergO3Chain needs L >= 2 and 3L field components")
        sites = L
        self.J = J
        self.W = W
        self.v = v
        self.boundary = boundary
        var b = (0..<(L - 1)).map { ($0, $0 + 1) }
        if boundary == .periodic { b.append((L - 1, 0)) }
        bonds = b
    }

    public var dimension: Int { 1 << sites }

    /// Field vectors with components iid normal(0, 1/3), in site order (x, y, z per site).
    public static func drawFields(L: Int, rng: inout CounterRNG) -> [Double] {
        let sd = (1.0 / 3.0).squareRoot()
        return (0..<(3 * L)).map { _ in sd * rng.normal() }
    }

    @inline(__always) public func forEachEntry(column s: Int, _ body: (Int, Complex) -> Void) {
        var d = 0.0
        for (i, j) in bonds {
            if (((s >> i) ^ (s >> j)) & 1) == 0 {
                d += 0.5 * J
            } else {
                d -= 0.5 * J
                // sigma^x sigma^x + sigma^y sigma^y = 2 (sigma^+ sigma^- + h.c.): amplitude (J/2) * 2.
                body(s ^ (1 << i | 1 << j), Complex(J, 0))
            }
        }
        let h = 0.5 * W
        for n in 0..<sites {
            let up = ((s >> n) & 1) == 0
            d += up ? h * v[3 * n + 2] : -h * v[3 * n + 2]
            body(s ^ (1 << n), Complex(h * v[3 * n], up ? h * v[3 * n + 1] : -h * v[3 * n + 1]))
        }
        body(s, Complex(d, 0))
    }

    @inline(__always) public func forEachFullBasisComponent(of k: Int, _ body: (Int, Complex) -> Void) {
        body(k, Complex(1, 0))
    }
}

/// One parity sector (P = prod_i X_i = `parity`) of the S1 model as a
/// `SectorHamiltonian`: sector state k is (|s> + parity |~s>)/sqrt(2) with
/// s = k << 1 (spin 0 up).
public struct LRSGParitySector: SectorHamiltonian {
    public typealias Element = Double
    public let model: LongRangeSpinGlass
    public let parity: Int
    /// The diagonal, `model.diagonal()` (shared by both sectors).
    public let diagonal: [Double]

    public init(model: LongRangeSpinGlass, parity: Int) {
        self.init(model: model, parity: parity, diagonal: model.diagonal())
    }

    /// `diagonal` must be `model.diagonal()` (the same in both sectors).
    init(model: LongRangeSpinGlass, parity: Int, diagonal: [Double]) {
        precondition(parity == 1 || parity == -1)
        precondition(diagonal.count == model.sectorDimension)
        self.model = model
        self.parity = parity
        self.diagonal = diagonal
    }

    /// Sectors +1 and -1, sharing one diagonal (computed once).
    public static func bothSectors(of model: LongRangeSpinGlass) -> [LRSGParitySector] {
        let d = model.diagonal()
        return [1, -1].map { LRSGParitySector(model: model, parity: $0, diagonal: d) }
    }

    public var sites: Int { model.L }
    public var dimension: Int { model.sectorDimension }

    @inline(__always) public func forEachEntry(column k: Int, _ body: (Int, Double) -> Void) {
        body(k, diagonal[k])
        model.forEachOffDiagonal(column: k, parity: parity, body)
    }

    @inline(__always) public func forEachFullBasisComponent(of k: Int, _ body: (Int, Double) -> Void) {
        let a = (0.5).squareRoot()
        let s = model.representative(k)
        body(s, a)
        body(s ^ ((1 << model.L) - 1), a * Double(parity))
    }

    /// Operators diagonal in Z that commute with P take the same value on both
    /// components: the representative's value, exactly.
    @inline(__always) public func diagonalValue(of k: Int, _ f: (Int) -> Double) -> Double { f(model.representative(k)) }
}
