import XCTest
import QGPhysics
@testable import QGLinearAlgebra
import QGTestSupport

/// The complex Hermitian LAPACK drivers (issue 21 §5): zheevr against zheevd
/// (given the workspace that keeps its back-transformation blocked), on
/// random Hermitian matrices and on the Heisenberg-O(3) chain.
final class HermitianDriverTests: XCTestCase {
    /// Review of issue 21: a workspace past LAPACK's 32-bit integers (one
    /// rank's divide-and-conquer at orders past about 32 000) is a typed
    /// error naming the routine and advising a group, not a trap in Int32().
    func testWorkspacePastThirtyTwoBitsIsATypedError() throws {
        XCTAssertEqual(try lapackCount(1000.2, extra: 10, "dsyevd", n: 20), 1011)
        XCTAssertEqual(try lapackCount(Double(Int32.max), "dsyevd", n: 32_767), Int32.max)
        let n = 65_536, dsyevd = 1 + 6 * Double(n) + 2 * Double(n) * Double(n)
        XCTAssertThrowsError(try lapackCount(dsyevd, "dsyevd", n: n)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.hasPrefix("dsyevd: workspace of"), text)
            XCTAssertTrue(text.contains("order 65536") && text.contains("group_size"), text)
        }
        XCTAssertThrowsError(try lapackCount(Double(Int32.max), extra: 1, "zheevd", n: 40_000))
        XCTAssertThrowsError(try lapackCount(.nan, "pzheevd", n: 10))
    }

    /// A random Hermitian n x n matrix (column-major, both triangles filled).
    func randomHermitian(_ n: Int, seed: UInt64) -> [Complex] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func uniform() -> Double {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        var a = [Complex](repeating: .zero, count: n * n)
        for j in 0..<n {
            a[j + j * n] = Complex(uniform())
            for i in (j + 1)..<max(j + 1, n) {
                let z = Complex(uniform(), uniform())
                a[i + j * n] = z
                a[j + i * n] = z.conjugate
            }
        }
        return a
    }

    /// max ||H v_k - e_k v_k|| and max |(V^H V - 1)_kl| over all eigenpairs.
    func residualAndOrthogonality(_ h: [Complex], _ v: [Complex], _ e: [Double], n: Int) -> (Double, Double) {
        var res = 0.0
        for k in 0..<n {
            var s = 0.0
            for i in 0..<n {
                var acc = Complex.zero
                for j in 0..<n { acc += h[i + j * n] * v[j + k * n] }
                s += (acc - v[i + k * n].scaled(by: e[k])).normSquared
            }
            res = max(res, s.squareRoot())
        }
        let g = HermitianEigensolver.adjointTimes(v, v, k: n, m: n, n: n)
        var orth = 0.0
        for k in 0..<n { for l in 0..<n { orth = max(orth, (g[k + l * n] - Complex(k == l ? 1 : 0)).magnitude) } }
        return (res, orth)
    }

    /// Sizes below and above LAPACK's block size (the blocked and unblocked
    /// back-transformations): every eigenvalue to 1e-10, residuals and
    /// orthogonality of every eigenvector of each driver to 1e-12 n.
    func testZheevrMatchesZheevdOnRandomHermitianMatrices() throws {
        for (n, seed) in [(1, 1), (2, 2), (3, 3), (17, 4), (130, 5), (300, 6)] as [(Int, UInt64)] {
            let h = randomHermitian(n, seed: seed)
            var vd = h, vr = h
            let ed = try HermitianEigensolver.solve(&vd, dimension: n, driver: .zheevd)
            let er = try HermitianEigensolver.solve(&vr, dimension: n, driver: .zheevr)
            XCTAssertEqual(ed.count, n)
            XCTAssertEqual(zip(ed, ed.dropFirst()).allSatisfy { $0 <= $1 }, true, "zheevd ascending, n = \(n)")
            XCTAssertLessThanOrEqual(maxAbsDifference(ed, er), 1e-10, "eigenvalues zheevr vs zheevd, n = \(n)")
            for (name, v, e) in [("zheevd", vd, ed), ("zheevr", vr, er)] {
                let (res, orth) = residualAndOrthogonality(h, v, e, n: n)
                XCTAssertLessThanOrEqual(res, 1e-12 * Double(max(n, 10)), "\(name) residual, n = \(n)")
                XCTAssertLessThanOrEqual(orth, 1e-12 * Double(max(n, 10)), "\(name) orthogonality, n = \(n)")
            }
            // The trace is kept: sum of eigenvalues = sum of the diagonal.
            let trace = (0..<n).reduce(0.0) { $0 + h[$1 + $1 * n].re }
            XCTAssertEqual(er.reduce(0, +), trace, accuracy: 1e-10 * Double(n))
        }
    }

    /// The Heisenberg-O(3) chain at L = 8 (D = 256, no symmetry left): both
    /// drivers give the same eigenvalues (1e-10), gap ratios (1e-8) and, per
    /// eigenstate, <sigma^z_0> and the participation ratio sum |v_i|^4 (phase
    /// independent observables of the eigenvectors, 1e-8).
    func testZheevrMatchesZheevdOnTheO3ChainAtL8() throws {
        let L = 8
        var rng = CounterRNG(seed: 21, stream: StreamKey.make("hermitian-drivers"), realization: 0)
        let h = HeisenbergO3Chain(L: L, W: 2.0, v: HeisenbergO3Chain.drawFields(L: L, rng: &rng))
        let n = h.dimension
        XCTAssertEqual(n, 256)
        func observables(_ driver: HermitianLAPACKDriver) throws -> (e: [Double], r: [Double], sz: [Double], ipr: [Double]) {
            var a = h.denseMatrix()
            let e = try HermitianEigensolver.solve(&a, dimension: n, driver: driver)
            var sz = [Double](repeating: 0, count: n), ipr = [Double](repeating: 0, count: n)
            for k in 0..<n {
                for s in 0..<n {
                    let p = a[s + k * n].normSquared
                    sz[k] += (s & 1) == 0 ? p : -p
                    ipr[k] += p * p
                }
            }
            return (e, EigenstateObservables.gapRatios(e), sz, ipr)
        }
        let d = try observables(.zheevd), r = try observables(.zheevr)
        XCTAssertLessThanOrEqual(maxAbsDifference(d.e, r.e), 1e-10)
        // Gap ratios: NaN at both ends of the spectrum, equal elsewhere.
        let inner = 1..<(n - 1)
        XCTAssertLessThanOrEqual(maxAbsDifference(Array(d.r[inner]), Array(r.r[inner])), 1e-8)
        XCTAssertLessThanOrEqual(maxAbsDifference(d.sz, r.sz), 1e-8)
        XCTAssertLessThanOrEqual(maxAbsDifference(d.ipr, r.ipr), 1e-8)
        // Not a trivial agreement: the chain's states are not basis states.
        XCTAssertLessThan(d.ipr.max() ?? 1, 0.9)
        // Each driver's eigenpairs satisfy H v = E v.
        for driver in HermitianLAPACKDriver.allCases {
            var a = h.denseMatrix()
            let e = try HermitianEigensolver.solve(&a, dimension: n, driver: driver)
            let (res, orth) = residualAndOrthogonality(h.denseMatrix(), a, e, n: n)
            XCTAssertLessThanOrEqual(res, 1e-11, "\(driver) residual")
            XCTAssertLessThanOrEqual(orth, 1e-11, "\(driver) orthogonality")
        }
    }
}
