import Foundation

/// Local micro-benchmarks of the linked BLAS/LAPACK (for `qglass bench` and
/// the harness in Benchmarks/).
public enum LinearAlgebraBenchmark {
    /// DGEMM rate in GFLOP/s for n x n matrices: median of `repeats` calls.
    public static func dgemmGflops(n: Int, repeats: Int = 3) -> Double {
        var a = [Double](repeating: 0, count: n * n), b = a, c = a
        for i in 0..<(n * n) { a[i] = Double(i % 7) - 3; b[i] = Double(i % 5) - 2 }
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = Date()
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                gemm(.none, .none, m: n, n: n, k: n, alpha: 1, a: ap.baseAddress!, lda: n, b: bp.baseAddress!, ldb: n,
                     beta: 0, c: cp.baseAddress!, ldc: n)
            } } }
            times.append(Date().timeIntervalSince(t0))
        }
        return 2 * pow(Double(n), 3) / times.sorted()[times.count / 2] / 1e9
    }

    /// Seconds of one symmetric eigensolve with eigenvectors (median of
    /// `repeats`) of a random symmetric n x n matrix.
    public static func eigensolveSeconds(n: Int, driver: LAPACKDriver, repeats: Int = 3) throws -> Double {
        var times: [Double] = []
        for r in 0..<repeats {
            var m = DenseMatrix(rows: n, cols: n)
            var x: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(r)
            for j in 0..<n { for i in j..<n {
                x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let v = Double(x >> 11) * 0x1.0p-53 - 0.5
                m[i, j] = v; m[j, i] = v
            } }
            let t0 = Date()
            _ = try SymmetricEigensolver.solve(&m, driver: driver)
            times.append(Date().timeIntervalSince(t0))
        }
        return times.sorted()[times.count / 2]
    }
}
