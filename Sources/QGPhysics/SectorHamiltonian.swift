import QGLinearAlgebra

/// The scalar of a Hamiltonian matrix: `Double` (real symmetric) or
/// `Complex` (complex Hermitian). Dense storage is `[Double]` in both cases,
/// `width` doubles per entry (complex: interleaved re, im, as LAPACK wants).
public protocol HamiltonianElement: Sendable, Equatable {
    static var zero: Self { get }
    init(real: Double)
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    /// Complex conjugate (identity for real numbers).
    var conjugate: Self { get }
    /// |x|^2.
    var normSquared: Double { get }
    /// |x|.
    var magnitude: Double { get }
    /// True for complex Hermitian element types.
    static var isComplex: Bool { get }
    /// Doubles per entry in dense storage.
    static var width: Int { get }
    /// Adds `v` to entry `entry` of dense storage `p`.
    static func accumulate(_ v: Self, into p: UnsafeMutablePointer<Double>, entry: Int)
    /// Entry `entry` of dense storage `p`.
    static func load(_ p: UnsafePointer<Double>, entry: Int) -> Self
}

extension Double: HamiltonianElement {
    public static var zero: Double { 0 }
    @inlinable public init(real: Double) { self = real }
    @inlinable public var conjugate: Double { self }
    @inlinable public var normSquared: Double { self * self }
    public static var isComplex: Bool { false }
    public static var width: Int { 1 }
    @inlinable public static func accumulate(_ v: Double, into p: UnsafeMutablePointer<Double>, entry: Int) { p[entry] += v }
    @inlinable public static func load(_ p: UnsafePointer<Double>, entry: Int) -> Double { p[entry] }
}

extension Complex: HamiltonianElement {
    @inlinable public init(real: Double) { self.init(real, 0) }
    public static var isComplex: Bool { true }
    public static var width: Int { 2 }
    @inlinable public static func accumulate(_ v: Complex, into p: UnsafeMutablePointer<Double>, entry: Int) {
        p[2 * entry] += v.re
        p[2 * entry + 1] += v.im
    }
    @inlinable public static func load(_ p: UnsafePointer<Double>, entry: Int) -> Complex { Complex(p[2 * entry], p[2 * entry + 1]) }
}

extension Array where Element == Double {
    /// Interleaved dense storage read as `E` entries.
    public func entries<E: HamiltonianElement>(as: E.Type) -> [E] {
        withUnsafeBufferPointer { p in (0..<(count / E.width)).map { E.load(p.baseAddress!, entry: $0) } }
    }
}

/// One symmetry sector of a spin Hamiltonian on `sites` spins, as the dense-ED
/// layer sees it: a dimension, the nonzero entries of any column (so that a
/// serial fill and a block-cyclic fill call the same code), and the map from
/// the sector basis to the 2^sites computational basis (bit s_i = 0 means
/// Z_i = +1). Pure Swift, local.
public protocol SectorHamiltonian: Sendable {
    associatedtype Element: HamiltonianElement
    /// Number of spins; the full basis has 2^sites states.
    var sites: Int { get }
    /// Dimension of this sector.
    var dimension: Int { get }
    /// Calls `body(row, value)` for the nonzero entries H[row, k] of column
    /// `k`, the diagonal included. A row may be reported more than once; the
    /// values add.
    func forEachEntry(column k: Int, _ body: (Int, Element) -> Void)
    /// Calls `body(s, amplitude)` for the full-basis components of sector
    /// basis state `k`: |k> = sum_s amplitude |s>.
    func forEachFullBasisComponent(of k: Int, _ body: (Int, Element) -> Void)
    /// See the extension's default.
    func diagonalValue(of k: Int, _ f: (Int) -> Double) -> Double
}

extension SectorHamiltonian {
    /// The value on sector basis state k of an operator that is diagonal in
    /// the computational basis, f(s): sum_s |amplitude_s|^2 f(s) over the
    /// state's components. Conformers whose components all share f (e.g. the
    /// parity sectors for operators that commute with P) may override it.
    public func diagonalValue(of k: Int, _ f: (Int) -> Double) -> Double {
        var total = 0.0
        forEachFullBasisComponent(of: k) { s, a in total += a.normSquared * f(s) }
        return total
    }

    /// The diagonal of scale sigma^z_site over the sector basis (bit s_site = 0
    /// means Z = +1), summed over every state's components: a one-site
    /// operator, e.g. the V of the S10b matrix elements. Not `diagonalValue`,
    /// which the parity sectors answer for operators commuting with P only.
    public func pauliZDiagonal(site: Int, scale: Double = 1) -> [Double] {
        (0..<dimension).map { k in
            var total = 0.0
            forEachFullBasisComponent(of: k) { s, a in total += a.normSquared * (((s >> site) & 1) == 0 ? scale : -scale) }
            return total
        }
    }

    /// Dense matrix, column-major, both triangles.
    public func denseMatrix() -> [Element] {
        let n = dimension
        var h = [Element](repeating: .zero, count: n * n)
        h.withUnsafeMutableBufferPointer { hp in
            for k in 0..<n { forEachEntry(column: k) { row, v in hp[row + k * n] = hp[row + k * n] + v } }
        }
        return h
    }

    /// Matrix-free y = H x (for eigenpair checks): y_row = sum_k H[row, k] x_k.
    public func apply(_ x: [Element]) -> [Element] {
        precondition(x.count == dimension, "vector length \(x.count) != dimension \(dimension)")
        var y = [Element](repeating: .zero, count: dimension)
        y.withUnsafeMutableBufferPointer { yp in
            for k in 0..<dimension {
                let xk = x[k]
                forEachEntry(column: k) { row, v in yp[row] = yp[row] + v * xk }
            }
        }
        return y
    }

    /// The sector vector `v` written in the full 2^sites basis.
    public func unfold(_ v: [Element]) -> [Element] {
        precondition(v.count == dimension)
        var full = [Element](repeating: .zero, count: 1 << sites)
        for k in 0..<dimension {
            forEachFullBasisComponent(of: k) { s, a in full[s] = full[s] + a * v[k] }
        }
        return full
    }
}

/// Fixed-popcount bit strings of length `sites` in ascending numeric order,
/// with O(sites) ranking by the combinatorial number system: the rank of a
/// string whose set bits sit at positions p_1 < p_2 < ... < p_m is
/// sum_k binomial(p_k, k).
public struct FixedWeightBasis: Sendable {
    public let sites: Int
    public let weight: Int
    /// The basis strings, ascending; index = rank.
    public let states: [Int]
    /// binomial[n][k] for n <= sites.
    let binomial: [[Int]]

    public init(sites: Int, weight: Int) {
        precondition(sites >= 1 && sites <= 30 && weight >= 0 && weight <= sites)
        self.sites = sites
        self.weight = weight
        var b = [[Int]](repeating: [Int](repeating: 0, count: sites + 2), count: sites + 1)
        for n in 0...sites {
            b[n][0] = 1
            if n > 0 { for k in 1...n { b[n][k] = b[n - 1][k - 1] + b[n - 1][k] } }
        }
        binomial = b
        var out: [Int] = []
        out.reserveCapacity(b[sites][weight])
        if weight == 0 {
            out = [0]
        } else {
            // Gosper's hack: next larger integer with the same popcount.
            var s = (1 << weight) - 1
            while s < (1 << sites) {
                out.append(s)
                let c = s & -s, r = s + c
                s = (((r ^ s) >> 2) / c) | r
            }
        }
        states = out
    }

    public var count: Int { states.count }

    /// binomial(n, k) for 0 <= k <= n <= sites.
    public func choose(_ n: Int, _ k: Int) -> Int { k < 0 || k > n ? 0 : binomial[n][k] }

    /// Index of `s` in `states` (s must have `weight` set bits).
    @inline(__always) public func rank(_ s: Int) -> Int {
        var r = 0, k = 1, x = s
        while x != 0 {
            let p = x.trailingZeroBitCount
            r += binomial[p][k]
            k += 1
            x &= x - 1
        }
        return r
    }
}
