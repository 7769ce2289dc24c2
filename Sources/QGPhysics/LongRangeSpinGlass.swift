/// Boundary conditions for the distance d_ij.
public enum Boundary: String, Sendable, Codable, CaseIterable {
    /// d_ij = min(|i-j|, L-|i-j|).
    case periodic
    /// d_ij = |i-j|.
    case open
}

/// Study S1 model: H = sum_{i<j} J_ij / d_ij^alpha Z_i Z_j - h_x sum_i X_i
/// on L spins (docs/models.md S1). Bit s_i = 0 means Z_i = +1.
public struct LongRangeSpinGlass: Sendable {
    public let L: Int
    public let alpha: Double
    public let hx: Double
    public let boundary: Boundary
    /// Raw couplings J_ij, symmetric L x L (row-major), zero diagonal.
    public let J: [Double]
    /// Scaled couplings K_ij = J_ij / d_ij^alpha, symmetric L x L, zero diagonal.
    public let K: [Double]

    public init(L: Int, alpha: Double, hx: Double, boundary: Boundary = .periodic, J: [Double]) {
        precondition(L >= 2 && L <= 30, "L out of range for the dense model")
        precondition(J.count == L * L, "J must be L x L")
        self.L = L
        self.alpha = alpha
        self.hx = hx
        self.boundary = boundary
        self.J = J
        var K = [Double](repeating: 0, count: L * L)
        for i in 0..<L {
            for j in 0..<L where j != i {
                K[i * L + j] = J[i * L + j] / Foundation_pow(Double(Self.distance(i, j, L: L, boundary: boundary)), alpha)
            }
        }
        self.K = K
    }

    /// d_ij for the given boundary.
    public static func distance(_ i: Int, _ j: Int, L: Int, boundary: Boundary) -> Int {
        let d = abs(i - j)
        return boundary == .periodic ? min(d, L - d) : d
    }

    /// Draws J_ij iid normal(0,1) for i<j (in row-major order of the upper
    /// triangle) and symmetrizes.
    public static func drawCouplings(L: Int, rng: inout CounterRNG) -> [Double] {
        var J = [Double](repeating: 0, count: L * L)
        for i in 0..<L {
            for j in (i + 1)..<L {
                let v = rng.normal()
                J[i * L + j] = v
                J[j * L + i] = v
            }
        }
        return J
    }

    /// Sector dimension 2^(L-1).
    public var sectorDimension: Int { 1 << (L - 1) }

    /// The basis state (bit string) of sector index k: the representative
    /// with spin 0 up (bit 0 clear), s = k << 1. Its partner under P = prod X
    /// is ~s.
    @inline(__always) public func representative(_ k: Int) -> Int { k << 1 }

    /// Classical energy sum_{i<j} K_ij z_i z_j of bit string s (all L bits).
    @inline(__always) public func classicalEnergy(_ s: Int) -> Double {
        var e = 0.0
        for i in 0..<L {
            let bi = (s >> i) & 1
            let row = i * L
            for j in (i + 1)..<L {
                // z_i z_j = +1 if bits agree, -1 otherwise.
                e += ((bi ^ ((s >> j) & 1)) == 0) ? K[row + j] : -K[row + j]
            }
        }
        return e
    }

    /// Mean and variance of the eigenvalues of the sector-`parity`
    /// Hamiltonian, tr H / D and tr H^2 / D - mean^2, in closed form. The
    /// mean is 0: every Z_i Z_j is traceless, and s and ~s have the same
    /// classical energy, so a sector holds half the full trace. The diagonal
    /// contributes sum_{i<j} K_ij^2 (the products z_i z_j are orthonormal over
    /// bit strings); each column has L off-diagonal entries -h_x (two of them
    /// merge into one entry -h_x (1 + parity) at L = 2).
    public func sectorMoments(parity: Int) -> (mean: Double, variance: Double) {
        var diagonal = 0.0
        for i in 0..<L { for j in (i + 1)..<L { diagonal += K[i * L + j] * K[i * L + j] } }
        let offDiagonal = L == 2 ? (1 + Double(parity)) * (1 + Double(parity)) * hx * hx : Double(L) * hx * hx
        return (0, diagonal + offDiagonal)
    }

    /// The Gaussian density of states of the sector-`parity` Hamiltonian at
    /// energy e, eigenvalues per unit energy: D / sqrt(2 pi var)
    /// exp(-(e - mean)^2 / (2 var)), D = `sectorDimension`, with the
    /// closed-form `sectorMoments` (the variance floored at 1e-300).
    public func gaussianSectorDensity(parity: Int, at e: Double) -> Double {
        let moments = sectorMoments(parity: parity)
        let variance = max(moments.variance, 1e-300), x = e - moments.mean
        return Double(sectorDimension) / (2 * Double.pi * variance).squareRoot() * exp(-x * x / (2 * variance))
    }

    /// The diagonal of the sector Hamiltonian (the same in both sectors).
    public func diagonal() -> [Double] {
        (0..<sectorDimension).map { classicalEnergy(representative($0)) }
    }

    /// Calls `body(row, value)` for every nonzero off-diagonal entry in column
    /// `k` of the sector-`parity` Hamiltonian (parity = +1 or -1).
    ///
    /// In sector index space, flipping spin i >= 1 is k ^ (1 << (i-1)) with
    /// amplitude -h_x. Flipping spin 0 leaves the representatives; its
    /// representative is the flip of all other spins, k ^ (2^(L-1) - 1), and
    /// the sector state picks up the parity: amplitude -h_x * parity. For L = 2
    /// both moves reach the same state and their amplitudes add.
    @inline(__always)
    public func forEachOffDiagonal(column k: Int, parity: Int, _ body: (Int, Double) -> Void) {
        let ones = sectorDimension - 1
        let flipAll = k ^ ones
        var allAdded = false
        for b in 0..<(L - 1) {
            let row = k ^ (1 << b)
            if row == flipAll {
                body(row, -hx - hx * Double(parity))
                allAdded = true
            } else {
                body(row, -hx)
            }
        }
        if !allAdded { body(flipAll, -hx * Double(parity)) }
    }

    /// Dense sector Hamiltonian, column-major, full (both triangles).
    public func sectorMatrix(parity: Int, diagonal d: [Double]? = nil) -> [Double] {
        let n = sectorDimension
        let diag = d ?? diagonal()
        var h = [Double](repeating: 0, count: n * n)
        h.withUnsafeMutableBufferPointer { hp in
            for k in 0..<n {
                hp[k + k * n] = diag[k]
                forEachOffDiagonal(column: k, parity: parity) { row, v in hp[row + k * n] += v }
            }
        }
        return h
    }

    /// y = H_sector x, computed on the fly from the bit rules (no stored matrix).
    public func apply(parity: Int, diagonal diag: [Double], to x: [Double]) -> [Double] {
        let n = sectorDimension
        var y = [Double](repeating: 0, count: n)
        for k in 0..<n {
            var acc = diag[k] * x[k]
            forEachOffDiagonal(column: k, parity: parity) { row, v in acc += v * x[row] }  // H is symmetric
            y[k] = acc
        }
        return y
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func Foundation_pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
#else
import Darwin
@inline(__always) func Foundation_pow(_ x: Double, _ y: Double) -> Double { Darwin.pow(x, y) }
#endif
