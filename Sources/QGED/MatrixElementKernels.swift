import Foundation
import QGMPI
import QGLinearAlgebra
import QGDistributedLinearAlgebra
import QGNumerics

extension DenseBlock {
    /// Local: a copy with row i multiplied by the real `d[i]` (diag(d) times
    /// the block), same distribution and element type.
    public func rowScaled(by d: [Double]) -> DenseBlock {
        precondition(d.count == rows, "rowScaled needs one factor per row")
        let w = width
        switch storage {
        case .serial(var a):
            a.withUnsafeMutableBufferPointer { p in
                for j in 0..<cols { for i in 0..<rows { for c in 0..<w { p[(i + j * rows) * w + c] *= d[i] } } }
            }
            return DenseBlock(rows: rows, cols: cols, isComplex: isComplex, storage: .serial(a))
        case .distributed(var m):
            let lay = m.layout, lr = m.localRows, lc = m.localCols, lld = m.lld
            let f = (0..<lr).map { d[lay.globalRow($0)] }
            m.local.withUnsafeMutableBufferPointer { p in
                for j in 0..<lc { for i in 0..<lr { for c in 0..<w { p[(i + j * lld) * w + c] *= f[i] } } }
            }
            return DenseBlock(rows: rows, cols: cols, isComplex: isComplex, storage: .distributed(m))
        }
    }

    /// Collective over the group when distributed: C = A^dagger B (A^T B when
    /// real) for A (k x m) and B (k x n) of the same element type and
    /// distribution: DGEMM / ZGEMM serially, PDGEMM / PZGEMM on a group.
    public static func adjointTimes(_ a: DenseBlock, _ b: DenseBlock) throws -> DenseBlock {
        precondition(a.isComplex == b.isComplex && a.rows == b.rows, "adjointTimes needs blocks of one element type with equal row counts")
        if !a.isComplex { return try transposeTimes(a, b) }
        let m = a.cols, n = b.cols, k = a.rows
        switch (a.storage, b.storage) {
        case (.serial(let av), .serial(let bv)):
            var c = [Double](repeating: 0, count: max(1, m * n) * 2)
            av.withUnsafeBufferPointer { ap in
                bv.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        zgemm(.adjoint, .none, m: m, n: n, k: k, alpha: (1, 0), a: ap.baseAddress!, lda: k,
                              b: bp.baseAddress!, ldb: k, beta: (0, 0), c: cp.baseAddress!, ldc: m)
                    }
                }
            }
            return DenseBlock(rows: m, cols: n, isComplex: true, storage: .serial(c))
        case (.distributed(let ad), .distributed(let bd)):
            var c = try DistributedMatrix(grid: ad.grid, rows: m, cols: n, blockSize: ad.nb, complex: true)
            DistributedEigensolver.zgemm(.adjoint, .none, alpha: (1, 0), ad, bd, beta: (0, 0), &c)
            return DenseBlock(rows: m, cols: n, isComplex: true, storage: .distributed(c))
        default:
            preconditionFailure("adjointTimes: serial and distributed blocks mixed")
        }
    }
}

/// How the statistics of the matrix elements of a local operator between
/// eigenstates are binned (study S10b, docs/resonance-model.md).
public struct MatrixElementSettings: Sendable, Equatable {
    /// Width omega of the energy window: partner states b of a reference state
    /// a are those with 0 < |E_b - E_a| <= window / 2.
    public var window = 0.2
    /// Reference states a of the rho(v) histogram: eps_a in [lo, hi).
    public var midSpectrum = (lo: 0.4, hi: 0.6)
    /// Log-spaced bins of |V_ba| for rho(v): `vBins` bins on [vMin, vMax].
    public var vMin = 1e-14, vMax = 10.0, vBins = 96
    /// Log-spaced bins of omega = |E_b - E_a| for [S(omega)]: on [omegaMin, omegaMax].
    public var omegaMin = 1e-4, omegaMax = 100.0, omegaBins = 72
    /// Pairs with |E_a - E_b| <= degeneracy are numerically degenerate: left
    /// out of chi (and counted), put in the omega -> 0 bin of S.
    public var degeneracy = 1e-10
    public init() {}
    public static func == (a: Self, b: Self) -> Bool {
        a.window == b.window && a.midSpectrum == b.midSpectrum && a.vMin == b.vMin && a.vMax == b.vMax && a.vBins == b.vBins
            && a.omegaMin == b.omegaMin && a.omegaMax == b.omegaMax && a.omegaBins == b.omegaBins && a.degeneracy == b.degeneracy
    }
    /// Bin edges (vBins + 1 values, log-spaced).
    public var vEdges: [Double] { Grid.logarithmic(vMin, vMax, vBins + 1) }
    /// Bin edges (omegaBins + 1 values, log-spaced).
    public var omegaEdges: [Double] { Grid.logarithmic(omegaMin, omegaMax, omegaBins + 1) }
}

/// Per-task results of `MatrixElementKernels.statistics` (all replicated on
/// every rank of the group). Per-state arrays have one entry per eigenstate in
/// ascending energy.
public struct MatrixElementStatistics: Sendable {
    /// V_aa.
    public var diagonal: [Double]
    /// chi_a = sum_{b != a, non-degenerate} |V_ba|^2 / (E_b - E_a)^2.
    public var chi: [Double]
    /// sum over partners b (0 < |E_b - E_a| <= omega/2) of |V_ba|.
    public var windowSum: [Double]
    /// Number of partners b.
    public var windowCount: [Double]
    /// rho(v) histogram over reference states in the mid-spectrum band and
    /// their partners: counts per |V_ba| bin, then below vMin, then above vMax.
    public var vCounts: [Int64]
    /// (1/D) sum_{a != b, |E_b - E_a| in bin k} |V_ba|^2 per omega bin (both
    /// orderings), then the weight below omegaMin (degenerate pairs included)
    /// and above omegaMax.
    public var spectralWeight: [Double]
    /// (1/D) sum_a |V_aa|^2 (the omega = 0 part of S, = [C_zz] <V^2>).
    public var diagonalWeight: Double
    /// Pairs a != b closer than `degeneracy` (ordered pairs).
    public var degeneratePairs: Int64
}

/// Matrix elements of an operator between all eigenstates from BLAS-3, and
/// their statistics without storing anything of size D x D beyond the one
/// matrix M = U^dagger V U (study S10b).
public enum MatrixElementKernels {
    /// Collective over the group when distributed: M_ba = <E_b|V|E_a> for an
    /// operator V diagonal in the sector basis with values `diagonal` (one per
    /// basis state), as M = U^dagger (diag(V) U): the row scaling is the
    /// product with the diagonal matrix, the second product one GEMM
    /// (DGEMM / ZGEMM, PDGEMM / PZGEMM on a group). Same distribution and
    /// element type as the eigenvectors U; U is not modified.
    public static func diagonalOperator(_ u: DenseBlock, diagonal: [Double]) throws -> DenseBlock {
        let du = u.rowScaled(by: diagonal)
        return try DenseBlock.adjointTimes(u, du)
    }

    /// Collective over `group` when distributed (nil for a serial block): the
    /// statistics of M (from `diagonalOperator`) listed in
    /// `MatrixElementStatistics`, given the ascending energies and the energy
    /// densities eps. One pass over the locally held entries, then one
    /// allreduce of the partial sums.
    public static func statistics(_ m: DenseBlock, energies e: [Double], eps: [Double], settings s: MatrixElementSettings,
                                  group: Communicator?) throws -> MatrixElementStatistics {
        let n = e.count
        precondition(m.rows == n && m.cols == n && eps.count == n)
        let w = m.width
        let nv = s.vBins, no = s.omegaBins
        let lvMin = log(s.vMin), ivStep = Double(nv) / (log(s.vMax) - lvMin)
        let loMin = log(s.omegaMin), ioStep = Double(no) / (log(s.omegaMax) - loMin)
        let half = 0.5 * s.window
        // Local partial sums, laid out as one vector for a single allreduce.
        var diag = [Double](repeating: 0, count: n), chi = diag, wsum = diag, wcount = diag
        var vCounts = [Double](repeating: 0, count: nv + 2)
        var sw = [Double](repeating: 0, count: no + 2)
        var dw = 0.0, degenerate = 0.0

        func visit(_ p: UnsafePointer<Double>, ld: Int, rowsG: [Int], colsG: [Int]) {
            for (lc, a) in colsG.enumerated() {
                let ea = e[a]
                let mid = eps[a] >= s.midSpectrum.lo && eps[a] < s.midSpectrum.hi
                var c = 0.0, ws = 0.0, wc = 0.0
                for (lr, b) in rowsG.enumerated() {
                    let off = (lr + lc * ld) * w
                    let m2 = w == 1 ? p[off] * p[off] : p[off] * p[off] + p[off + 1] * p[off + 1]
                    if b == a { diag[a] = p[off]; dw += m2; continue }
                    let de = e[b] - ea, om = abs(de)
                    if om <= s.degeneracy {
                        degenerate += 1
                        sw[no] += m2
                        continue
                    }
                    c += m2 / (de * de)
                    if om < s.omegaMin { sw[no] += m2 } else if om >= s.omegaMax { sw[no + 1] += m2 } else {
                        sw[min(no - 1, Int((log(om) - loMin) * ioStep))] += m2
                    }
                    if om <= half {
                        let v = m2.squareRoot()
                        ws += v; wc += 1
                        if mid {
                            if v < s.vMin { vCounts[nv] += 1 } else if v >= s.vMax { vCounts[nv + 1] += 1 } else {
                                vCounts[min(nv - 1, Int((log(v) - lvMin) * ivStep))] += 1
                            }
                        }
                    }
                }
                chi[a] += c; wsum[a] += ws; wcount[a] += wc
            }
        }
        switch m.storage {
        case .serial(let a):
            let idx = Array(0..<n)
            a.withUnsafeBufferPointer { visit($0.baseAddress!, ld: n, rowsG: idx, colsG: idx) }
        case .distributed(let d):
            let rowsG = (0..<d.localRows).map { d.globalRow($0) }, colsG = (0..<d.localCols).map { d.globalCol($0) }
            d.local.withUnsafeBufferPointer { visit($0.baseAddress!, ld: d.lld, rowsG: rowsG, colsG: colsG) }
        }
        let invD = 1 / Double(n)
        var packed = diag + chi + wsum + wcount + vCounts + sw + [dw, degenerate]
        if case .distributed = m.storage {
            guard let group else { preconditionFailure("a distributed block needs its group") }
            packed = try group.allreduce(packed, .sum)
        }
        var o = 0
        func take(_ k: Int) -> [Double] { defer { o += k }; return Array(packed[o..<(o + k)]) }
        let d0 = take(n), c0 = take(n), ws0 = take(n), wc0 = take(n), vc0 = take(nv + 2), sw0 = take(no + 2), tail = take(2)
        return MatrixElementStatistics(diagonal: d0, chi: c0, windowSum: ws0, windowCount: wc0,
                                       vCounts: vc0.map { Int64($0.rounded()) }, spectralWeight: sw0.map { $0 * invD },
                                       diagonalWeight: tail[0] * invD, degeneratePairs: Int64(tail[1].rounded()))
    }
}
