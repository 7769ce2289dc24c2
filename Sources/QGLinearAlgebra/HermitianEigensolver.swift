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

/// Dense complex Hermitian eigensolver on one process (LAPACK ZHEEVD).
public enum HermitianEigensolver {
    /// Local: all eigenvalues (ascending) of the n x n Hermitian matrix held
    /// column-major in `a` (lower triangle referenced). On return `a` holds
    /// the orthonormal eigenvectors as columns.
    public static func solve(_ a: inout [Complex], dimension n: Int) throws(LinearAlgebraError) -> [Double] {
        precondition(a.count == n * n, "eigensolver needs an n x n matrix")
        var w = [Double](repeating: 0, count: n)
        if n == 0 { return w }
        var failure: LinearAlgebraError?
        a.withUnsafeMutableBytes { raw in
            let ap = raw.baseAddress!.assumingMemoryBound(to: Double.self)
            w.withUnsafeMutableBufferPointer { wp in
                do throws(LinearAlgebraError) { try raw_zheevd(n: n, a: ap, lda: n, w: wp.baseAddress!, vectors: true) } catch { failure = error }
            }
        }
        if let failure { throw failure }
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
