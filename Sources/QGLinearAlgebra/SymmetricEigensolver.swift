/// Dense symmetric eigensolvers on one process (LAPACK).
///
/// The default driver was chosen by measurement on this project's reference
/// machine (see docs/performance.md): `dsyevd` (divide and conquer).
public enum LAPACKDriver: String, Sendable, CaseIterable, Codable {
    case dsyevd, dsyevr
}

/// A column-major dense matrix owned by one process.
public struct DenseMatrix: Sendable {
    public let rows: Int
    public let cols: Int
    public var storage: [Double]

    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        self.rows = rows
        self.cols = cols
        self.storage = [Double](repeating: value, count: rows * cols)
    }

    /// Wraps existing column-major storage (rows * cols elements) without copying.
    public init(rows: Int, cols: Int, storage: [Double]) {
        precondition(storage.count == rows * cols, "storage size")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    public subscript(i: Int, j: Int) -> Double {
        get { storage[i + j * rows] }
        set { storage[i + j * rows] = newValue }
    }
}

public enum SymmetricEigensolver {
    /// Local: all eigenvalues (ascending) and eigenvectors of the symmetric
    /// matrix `a` (lower triangle referenced). On return `a` holds the
    /// eigenvectors as columns.
    public static func solve(_ a: inout DenseMatrix, driver: LAPACKDriver = .dsyevd) throws(LinearAlgebraError) -> [Double] {
        precondition(a.rows == a.cols, "eigensolver needs a square matrix")
        let n = a.rows
        var w = [Double](repeating: 0, count: n)
        if n == 0 { return w }
        switch driver {
        case .dsyevd:
            try a.storage.withUnsafeMutableBufferPointer { (ap) throws(LinearAlgebraError) in
                try w.withUnsafeMutableBufferPointer { (wp) throws(LinearAlgebraError) in
                    try raw_dsyevd(n: n, a: ap.baseAddress!, lda: n, w: wp.baseAddress!, vectors: true)
                }
            }
        case .dsyevr:
            var z = [Double](repeating: 0, count: n * n)
            try a.storage.withUnsafeMutableBufferPointer { (ap) throws(LinearAlgebraError) in
                try w.withUnsafeMutableBufferPointer { (wp) throws(LinearAlgebraError) in
                    try z.withUnsafeMutableBufferPointer { (zp) throws(LinearAlgebraError) in
                        try raw_dsyevr(n: n, a: ap.baseAddress!, lda: n, w: wp.baseAddress!, z: zp.baseAddress!, ldz: n)
                    }
                }
            }
            a.storage = z
        }
        return w
    }

    /// Local: eigenvalues only (ascending); `a` is destroyed.
    public static func eigenvalues(_ a: inout DenseMatrix) throws(LinearAlgebraError) -> [Double] {
        let n = a.rows
        var w = [Double](repeating: 0, count: n)
        if n == 0 { return w }
        try a.storage.withUnsafeMutableBufferPointer { (ap) throws(LinearAlgebraError) in
            try w.withUnsafeMutableBufferPointer { (wp) throws(LinearAlgebraError) in
                try raw_dsyevd(n: n, a: ap.baseAddress!, lda: n, w: wp.baseAddress!, vectors: false)
            }
        }
        return w
    }
}

/// Reusable LAPACK workspace for the eigenvalues of many small symmetric
/// matrices of one order (e.g. one reduced density matrix per eigenstate):
/// the workspace is queried and allocated once, so the loop over matrices
/// allocates nothing. Local; not thread-safe.
public final class SymmetricEigenvalueWorkspace {
    public let order: Int
    var work: [Double]
    var iwork: [Int32]

    public init(order n: Int) throws(LinearAlgebraError) {
        order = n
        let (lw, liw) = try raw_dsyevdValuesQuery(n: n)
        work = [Double](repeating: 0, count: lw)
        iwork = [Int32](repeating: 0, count: liw)
    }

    /// Local: the eigenvalues (ascending) of the order x order symmetric
    /// matrix at `a` (column-major, lower triangle referenced; destroyed) into `w`.
    public func eigenvalues(_ a: UnsafeMutablePointer<Double>, into w: UnsafeMutablePointer<Double>) throws(LinearAlgebraError) {
        let n = order, lw = work.count, liw = iwork.count
        var failure: LinearAlgebraError?
        work.withUnsafeMutableBufferPointer { wk in
            iwork.withUnsafeMutableBufferPointer { iw in
                do throws(LinearAlgebraError) {
                    try raw_dsyevdValues(n: n, a: a, w: w, work: wk.baseAddress!, lwork: lw, iwork: iw.baseAddress!, liwork: liw)
                } catch { failure = error }
            }
        }
        if let failure { throw failure }
    }
}
