import QGLinearAlgebra

/// Eigenstate observables of study S1 (docs/models.md S1).
public enum EigenstateObservables {
    /// Poisson limit of <r>: 2 ln 2 - 1.
    public static let poissonR = 2.0 * 0.693_147_180_559_945_3 - 1.0
    /// GOE limit of <r> (Atas et al. 2013): 4 - 2 sqrt(3) ≈ 0.5359 for the
    /// surmise; the large-N value used in the field is 0.5307.
    public static let goeR = 0.5307

    /// Gap ratios of one sorted spectrum: r_n = min(d_n, d_{n+1}) / max(d_n, d_{n+1})
    /// with d_n = E_n - E_{n-1}; NaN at both ends (and where both gaps vanish).
    public static func gapRatios(_ e: [Double]) -> [Double] {
        var r = [Double](repeating: .nan, count: e.count)
        guard e.count >= 3 else { return r }
        for n in 1..<(e.count - 1) {
            let d0 = e[n] - e[n - 1], d1 = e[n + 1] - e[n]
            let hi = max(d0, d1)
            r[n] = hi > 0 ? min(d0, d1) / hi : .nan
        }
        return r
    }

    /// eps_n = (E_n - E_min)/(E_max - E_min); 0 for a degenerate spectrum.
    public static func energyDensity(_ e: [Double], min lo: Double, max hi: Double) -> [Double] {
        let w = hi - lo
        return e.map { w > 0 ? ($0 - lo) / w : 0 }
    }

    /// The +-1 table T[s, p] = z_i(s) z_j(s) for all pairs p = (i<j), for the
    /// sector representatives s = k << 1 with global row indices `rows`
    /// (column-major, rows.count x L(L-1)/2).
    public static func pairTable(L: Int, rows: [Int]) -> [Double] {
        let pairs = L * (L - 1) / 2
        let m = rows.count
        var t = [Double](repeating: 0, count: max(1, m * pairs))
        var p = 0
        for i in 0..<L {
            for j in (i + 1)..<L {
                for (r, k) in rows.enumerated() {
                    let s = k << 1
                    t[r + p * m] = (((s >> i) ^ (s >> j)) & 1) == 0 ? 1 : -1
                }
                p += 1
            }
        }
        return t
    }

    /// m_EA(n) = (1/L^2) sum_{i,j} <n|Z_i Z_j|n>^2 for every column n of the
    /// sector eigenvector matrix `v` (n x n, column-major), with BLAS-3:
    /// W = v∘v (elementwise, in place), C = W^T T (one DGEMM over all
    /// eigenvectors), m = (L + 2 sum_p C[n,p]^2) / L^2. `v` is overwritten
    /// by W. Z_i Z_j is diagonal and commutes with P, so a sector state's
    /// correlator is the weight-average over its representatives.
    public static func edwardsAnderson(squaringInPlace v: inout [Double], dimension n: Int, L: Int) -> [Double] {
        let pairs = L * (L - 1) / 2
        if pairs == 0 { return [Double](repeating: 1, count: n) }
        v.withUnsafeMutableBufferPointer { p in
            for idx in 0..<(n * n) { p[idx] *= p[idx] }
        }
        let table = pairTable(L: L, rows: Array(0..<n))
        var c = [Double](repeating: 0, count: n * pairs)
        v.withUnsafeBufferPointer { w in
            table.withUnsafeBufferPointer { t in
                c.withUnsafeMutableBufferPointer { cp in
                    gemm(.transpose, .none, m: n, n: pairs, k: n, alpha: 1, a: w.baseAddress!, lda: n,
                         b: t.baseAddress!, ldb: n, beta: 0, c: cp.baseAddress!, ldc: n)
                }
            }
        }
        return sumSquaresPerRow(c, rows: n, cols: pairs, ld: n).map { (Double(L) + 2 * $0) / Double(L * L) }
    }

    /// Row sums of squares of a column-major block.
    public static func sumSquaresPerRow(_ c: [Double], rows: Int, cols: Int, ld: Int) -> [Double] {
        var s = [Double](repeating: 0, count: rows)
        for q in 0..<cols {
            for r in 0..<rows { let x = c[r + q * ld]; s[r] += x * x }
        }
        return s
    }

    /// Reference m_EA of one state by the definition (a per-state loop; for tests only).
    public static func edwardsAndersonReference(state psi: [Double], L: Int) -> Double {
        var total = 0.0
        for i in 0..<L {
            for j in 0..<L {
                var c = 0.0
                for (k, a) in psi.enumerated() {
                    let s = k << 1
                    c += a * a * ((((s >> i) ^ (s >> j)) & 1) == 0 ? 1 : -1)
                }
                total += c * c
            }
        }
        return total / Double(L * L)
    }
}

/// Eigenstate sums on a uniform eps grid [0,1] with `count` bins (the last
/// bin includes eps = 1): per bin the number of states, the number with a
/// finite r, sums of r, r^2, m_EA, m_EA^2, and the log sums behind typical
/// values (log r over finite r > 0, counted in `countLogR`; log m_EA, which
/// is always >= 1/L > 0).
public struct EpsHistogram: Sendable, Equatable {
    public let bins: Int
    public var count: [Double]
    public var countR: [Double]
    public var sumR: [Double]
    public var sumR2: [Double]
    public var sumM: [Double]
    public var sumM2: [Double]
    public var countLogR: [Double]
    public var sumLogR: [Double]
    public var sumLogM: [Double]

    public init(bins: Int) {
        self.bins = bins
        count = .init(repeating: 0, count: bins)
        countR = count; sumR = count; sumR2 = count; sumM = count; sumM2 = count
        countLogR = count; sumLogR = count; sumLogM = count
    }

    public static func bin(of eps: Double, bins: Int) -> Int { min(bins - 1, max(0, Int(eps * Double(bins)))) }

    public mutating func add(eps: Double, r: Double, m: Double) {
        let b = Self.bin(of: eps, bins: bins)
        count[b] += 1
        sumM[b] += m
        sumM2[b] += m * m
        sumLogM[b] += Foundation_log(m)
        if r.isFinite {
            countR[b] += 1
            sumR[b] += r
            sumR2[b] += r * r
            if r > 0 {
                countLogR[b] += 1
                sumLogR[b] += Foundation_log(r)
            }
        }
    }
}
