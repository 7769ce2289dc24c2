import QGMPI
import QGLinearAlgebra
import QGDistributedLinearAlgebra

/// A dense real or complex matrix that one rank holds whole (serial, LAPACK
/// and BLAS) or that the ranks of a group hold block-cyclically (ScaLAPACK and
/// PBLAS). Every kernel below has its serial and its distributed branch side
/// by side, so a group of one and a group of many run the same code path up
/// to the library call.
public struct DenseBlock: Sendable {
    public enum Storage: Sendable {
        /// Column-major, whole matrix; complex entries as interleaved (re, im).
        case serial([Double])
        case distributed(DistributedMatrix)
    }

    public let rows: Int
    public let cols: Int
    public let isComplex: Bool
    public var storage: Storage

    /// Doubles per entry.
    public var width: Int { isComplex ? 2 : 1 }

    public init(rows: Int, cols: Int, isComplex: Bool, storage: Storage) {
        self.rows = rows; self.cols = cols; self.isComplex = isComplex; self.storage = storage
    }

    /// Local: a real block of the same distribution as `self` (same grid and
    /// block size when distributed), with entries `value(row, col)` filled
    /// from global indices.
    public func realBlock(rows m: Int, cols n: Int, _ value: (Int, Int) -> Double) throws -> DenseBlock {
        switch storage {
        case .serial:
            var a = [Double](repeating: 0, count: max(1, m * n))
            for j in 0..<n { for i in 0..<m { a[i + j * m] = value(i, j) } }
            return DenseBlock(rows: m, cols: n, isComplex: false, storage: .serial(a))
        case .distributed(let d):
            var a = try DistributedMatrix(grid: d.grid, rows: m, cols: n, blockSize: d.nb)
            let globalRows = (0..<a.localRows).map { a.globalRow($0) }
            for lc in 0..<a.localCols {
                let j = a.globalCol(lc)
                for lr in 0..<a.localRows { a.local[lr + lc * a.lld] = value(globalRows[lr], j) }
            }
            return DenseBlock(rows: m, cols: n, isComplex: false, storage: .distributed(a))
        }
    }

    /// Local: replaces every entry by its squared modulus |x|^2; a complex
    /// block becomes real (same distribution).
    public mutating func squareModuliInPlace() throws {
        func square(_ a: inout [Double], complex: Bool) {
            if complex {
                let count = a.count / 2
                for e in 0..<count { a[e] = a[2 * e] * a[2 * e] + a[2 * e + 1] * a[2 * e + 1] }
                a.removeLast(a.count - count)
            } else {
                a.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= p[i] } }
            }
        }
        switch storage {
        case .serial(var a):
            storage = .serial([])
            square(&a, complex: isComplex)
            storage = .serial(a)
        case .distributed(var d):
            if isComplex {
                var real = try DistributedMatrix(grid: d.grid, rows: d.rows, cols: d.cols, blockSize: d.nb)
                let count = real.local.count
                for e in 0..<count where 2 * e + 1 < d.local.count { real.local[e] = d.local[2 * e] * d.local[2 * e] + d.local[2 * e + 1] * d.local[2 * e + 1] }
                d = real
            } else {
                d.local.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= p[i] } }
            }
            storage = .distributed(d)
        }
        self = DenseBlock(rows: rows, cols: cols, isComplex: false, storage: storage)
    }

    /// Collective over the group when distributed: C = op(A) B for real
    /// blocks of the same distribution, op = transpose or none (DGEMM or
    /// PDGEMM). The one GEMM kernel behind `transposeTimes` and `times`.
    public static func product(_ ta: Transpose, _ a: DenseBlock, _ b: DenseBlock) throws -> DenseBlock {
        let k = ta == .transpose ? a.rows : a.cols
        precondition(!a.isComplex && !b.isComplex && k == b.rows, "product needs real blocks with matching inner dimension")
        let m = ta == .transpose ? a.cols : a.rows, n = b.cols
        switch (a.storage, b.storage) {
        case (.serial(let av), .serial(let bv)):
            var c = [Double](repeating: 0, count: max(1, m * n))
            av.withUnsafeBufferPointer { ap in
                bv.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        gemm(ta, .none, m: m, n: n, k: k, alpha: 1, a: ap.baseAddress!, lda: a.rows,
                             b: bp.baseAddress!, ldb: k, beta: 0, c: cp.baseAddress!, ldc: m)
                    }
                }
            }
            return DenseBlock(rows: m, cols: n, isComplex: false, storage: .serial(c))
        case (.distributed(let ad), .distributed(let bd)):
            var c = try DistributedMatrix(grid: ad.grid, rows: m, cols: n, blockSize: ad.nb)
            DistributedEigensolver.gemm(ta, .none, alpha: 1, ad, bd, beta: 0, &c)
            return DenseBlock(rows: m, cols: n, isComplex: false, storage: .distributed(c))
        default:
            preconditionFailure("product: serial and distributed blocks mixed")
        }
    }

    /// Collective when distributed: C = A^T B (real, same distribution).
    public static func transposeTimes(_ a: DenseBlock, _ b: DenseBlock) throws -> DenseBlock { try product(.transpose, a, b) }

    /// Collective when distributed: C = A B (real, same distribution).
    public static func times(_ a: DenseBlock, _ b: DenseBlock) throws -> DenseBlock { try product(.none, a, b) }

    /// Collective over `group` when distributed: sum_j |C[i, j]|^2 for every
    /// row i of a real block, replicated on every rank (local sums, then one
    /// allreduce). `group` may be nil for a serial block (no MPI needed).
    public func rowSumsOfSquares(group: Communicator?) throws -> [Double] {
        precondition(!isComplex)
        switch storage {
        case .serial(let c):
            return sumSquaresPerRow(c, rows: rows, cols: cols, ld: rows)
        case .distributed(let d):
            guard let group else { preconditionFailure("a distributed block needs its group") }
            var partial = [Double](repeating: 0, count: rows)
            let local = sumSquaresPerRow(d.local, rows: d.localRows, cols: d.localCols, ld: d.lld)
            for lr in 0..<d.localRows { partial[d.globalRow(lr)] = local[lr] }
            return try group.allreduce(partial, .sum)
        }
    }

    /// Collective over `group` when distributed: the whole matrix, column-major,
    /// on every rank (interleaved when complex). For small blocks only.
    public func gathered(group: Communicator) throws -> [Double] {
        switch storage {
        case .serial(let a): return a
        case .distributed(let d):
            var full = [Double](repeating: 0, count: rows * cols * width)
            for lc in 0..<d.localCols {
                let j = d.globalCol(lc)
                for lr in 0..<d.localRows {
                    for c in 0..<width { full[(d.globalRow(lr) + j * rows) * width + c] = d.local[(lr + lc * d.lld) * width + c] }
                }
            }
            return try group.allreduce(full, .sum)
        }
    }

    /// Collective over `group` when distributed: column `j` (interleaved when complex).
    public func column(_ j: Int, group: Communicator) throws -> [Double] {
        switch storage {
        case .serial(let a): return Array(a[(j * rows * width)..<((j + 1) * rows * width)])
        case .distributed(let d): return try d.column(j, comm: group)
        }
    }
}

/// Row sums of squares of a column-major block (local).
public func sumSquaresPerRow(_ c: [Double], rows: Int, cols: Int, ld: Int) -> [Double] {
    var s = [Double](repeating: 0, count: rows)
    for q in 0..<cols {
        for r in 0..<rows { let x = c[r + q * ld]; s[r] += x * x }
    }
    return s
}
