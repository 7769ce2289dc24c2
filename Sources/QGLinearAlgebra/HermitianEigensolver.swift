/// A complex number with the memory layout of Fortran's COMPLEX*16 (real
/// part, then imaginary part), so that `[Complex]` storage can be handed to
/// LAPACK as interleaved doubles.
public struct Complex: Sendable, Hashable, CustomStringConvertible {
    public var re: Double
    public var im: Double
    @inlinable public init(_ re: Double, _ im: Double = 0) { self.re = re; self.im = im }
    public static let zero = Complex(0, 0)
    @inlinable public var conjugate: Complex { Complex(re, -im) }
    /// |z|^2.
    @inlinable public var normSquared: Double { re * re + im * im }
    /// |z|.
    @inlinable public var magnitude: Double { normSquared.squareRoot() }
    @inlinable public static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    @inlinable public static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    @inlinable public static func * (a: Complex, b: Complex) -> Complex {
        Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
    }
    /// x z for real x (a method, not an operator overload, to keep
    /// mixed Double expressions cheap for the type checker).
    @inlinable public func scaled(by x: Double) -> Complex { Complex(x * re, x * im) }
    @inlinable public static func += (a: inout Complex, b: Complex) { a = a + b }
    public var description: String { "\(re)\(im < 0 ? "-" : "+")\(abs(im))i" }
}

/// Dense complex Hermitian eigensolvers on one process (LAPACK): `zheevd`
/// (divide and conquer, given the workspace that keeps its back-transformation
/// blocked) or `zheevr` (MRRR, one extra n x n complex array, less workspace).
/// The default was chosen by measurement (docs/performance.md, "The complex
/// Hermitian path").
public enum HermitianLAPACKDriver: String, Sendable, CaseIterable, Codable {
    case zheevd, zheevr
    /// The measured-faster driver, the default of `complex_lapack_driver`.
    public static let measuredDefault: HermitianLAPACKDriver = .zheevd
}

/// Dense complex Hermitian eigensolver on one process (LAPACK ZHEEVD or ZHEEVR).
public enum HermitianEigensolver {
    /// Local: all eigenvalues (ascending) of the n x n Hermitian matrix held
    /// column-major in `a` as interleaved (re, im) doubles (lower triangle
    /// referenced). On return `a` holds the orthonormal eigenvectors as columns.
    public static func solve(interleaved a: inout [Double], dimension n: Int,
                             driver: HermitianLAPACKDriver = .measuredDefault) throws(LinearAlgebraError) -> [Double] {
        precondition(a.count == 2 * n * n, "eigensolver needs an n x n complex matrix")
        var w = [Double](repeating: 0, count: n)
        if n == 0 { return w }
        switch driver {
        case .zheevd:
            try a.withUnsafeMutableBufferPointer { (ap) throws(LinearAlgebraError) in
                try w.withUnsafeMutableBufferPointer { (wp) throws(LinearAlgebraError) in
                    try raw_zheevd(n: n, a: ap.baseAddress!, lda: n, w: wp.baseAddress!, vectors: true)
                }
            }
        case .zheevr:
            var z = [Double](repeating: 0, count: 2 * n * n)
            try a.withUnsafeMutableBufferPointer { (ap) throws(LinearAlgebraError) in
                try w.withUnsafeMutableBufferPointer { (wp) throws(LinearAlgebraError) in
                    try z.withUnsafeMutableBufferPointer { (zp) throws(LinearAlgebraError) in
                        try raw_zheevr(n: n, a: ap.baseAddress!, lda: n, w: wp.baseAddress!, z: zp.baseAddress!, ldz: n)
                    }
                }
            }
            a = z
        }
        return w
    }

    /// Local: as `solve(interleaved:dimension:driver:)`, for `[Complex]` storage.
    public static func solve(_ a: inout [Complex], dimension n: Int,
                             driver: HermitianLAPACKDriver = .measuredDefault) throws(LinearAlgebraError) -> [Double] {
        var flat = a.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        let w = try solve(interleaved: &flat, dimension: n, driver: driver)
        a = flat.withUnsafeBytes { Array($0.bindMemory(to: Complex.self)) }
        return w
    }

    /// Local: C = A^H B for column-major complex A (k x m) and B (k x n); the
    /// result is m x n column-major (ZGEMM).
    public static func adjointTimes(_ a: [Complex], _ b: [Complex], k: Int, m: Int, n: Int) -> [Complex] {
        var c = [Complex](repeating: .zero, count: m * n)
        if m == 0 || n == 0 { return c }
        a.withUnsafeBytes { ar in
            b.withUnsafeBytes { br in
                c.withUnsafeMutableBytes { cr in
                    raw_zgemm(ch("C"), ch("N"), m: m, n: n, k: k, alpha: (1, 0),
                              a: ar.baseAddress!.assumingMemoryBound(to: Double.self), lda: k,
                              b: br.baseAddress!.assumingMemoryBound(to: Double.self), ldb: k,
                              beta: (0, 0), c: cr.baseAddress!.assumingMemoryBound(to: Double.self), ldc: m)
                }
            }
        }
        return c
    }
}
