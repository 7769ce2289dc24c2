import XCTest
import QGPhysics
import QGED
import QGLinearAlgebra
import QGTestSupport

/// S10b: matrix elements of a one-site operator between all eigenstates
/// (M = U^dagger diag(V) U by GEMM) and their statistics, checked against
/// physics: the fidelity susceptibility against finite-difference
/// perturbation theory, the sum rule of S(omega), the normalization of
/// rho(v), and the infinite-time C_zz in the localized limit. Real (XXZ) and
/// complex (Heisenberg-O(3)) chains.
final class MatrixElementTests: XCTestCase {
    /// Dense H + lambda diag(d) (interleaved when complex), diagonalized:
    /// ascending energies and eigenvectors as a serial DenseBlock.
    func spectrum<H: SectorHamiltonian>(_ h: H, lambda: Double = 0, diagonal d: [Double]? = nil) throws -> ([Double], DenseBlock) {
        let n = h.dimension, w = H.Element.width
        var a = [Double](repeating: 0, count: n * n * w)
        a.withUnsafeMutableBufferPointer { p in
            for k in 0..<n { h.forEachEntry(column: k) { row, v in H.Element.accumulate(v, into: p.baseAddress!, entry: row + k * n) } }
            if let d { for k in 0..<n { p[(k + k * n) * w] += lambda * d[k] } }
        }
        if H.Element.isComplex {
            let e = try HermitianEigensolver.solve(interleaved: &a, dimension: n)
            return (e, DenseBlock(rows: n, cols: n, isComplex: true, storage: .serial(a)))
        }
        var m = DenseMatrix(rows: n, cols: n, storage: a)
        let e = try SymmetricEigensolver.solve(&m)
        return (e, DenseBlock(rows: n, cols: n, isComplex: false, storage: .serial(m.storage)))
    }

    func serial(_ b: DenseBlock) -> [Double] {
        guard case .serial(let a) = b.storage else { preconditionFailure() }
        return a
    }

    func xxz(L: Int, W: Double, seed: UInt64 = 3) -> XXZChain {
        var rng = CounterRNG(seed: seed, stream: StreamKey.make("matrix-element-tests"), realization: L)
        return XXZChain(L: L, fields: XXZChain.drawFields(L: L, W: W, rng: &rng))
    }

    func o3(L: Int, W: Double, seed: UInt64 = 3) -> HeisenbergO3Chain {
        var rng = CounterRNG(seed: seed, stream: StreamKey.make("matrix-element-tests-o3"), realization: L)
        return HeisenbergO3Chain(L: L, W: W, v: HeisenbergO3Chain.drawFields(L: L, rng: &rng))
    }

    func eps(_ e: [Double]) -> [Double] { EigenstateObservables.energyDensity(e, min: e.first!, max: e.last!) }

    /// M_ba = sum_k conj(U_kb) d_k U_ka (one pair at a time, test only) against the GEMM.
    func checkAgainstDirectProduct<H: SectorHamiltonian>(_ h: H, _ name: String) throws {
        let d = h.pauliZDiagonal(site: 1, scale: 0.5)
        let (_, u) = try spectrum(h)
        let m = serial(try MatrixElementKernels.diagonalOperator(u, diagonal: d)), uu = serial(u)
        let n = h.dimension, w = u.width
        var worst = 0.0
        for a in stride(from: 0, to: n, by: 3) {
            for b in stride(from: 0, to: n, by: 2) {
                var re = 0.0, im = 0.0
                for k in 0..<n {
                    let xb = (uu[(k + b * n) * w], w == 2 ? uu[(k + b * n) * w + 1] : 0), xa = (uu[(k + a * n) * w], w == 2 ? uu[(k + a * n) * w + 1] : 0)
                    re += d[k] * (xb.0 * xa.0 + xb.1 * xa.1)
                    im += d[k] * (xb.0 * xa.1 - xb.1 * xa.0)
                }
                worst = max(worst, abs(m[(b + a * n) * w] - re), w == 2 ? abs(m[(b + a * n) * w + 1] - im) : 0)
            }
        }
        XCTAssertLessThan(worst, 1e-13, name)
    }

    func testMatrixElementsAreTheGEMMOfThePairProducts() throws {
        try checkAgainstDirectProduct(xxz(L: 8, W: 2), "xxz L=8")
        try checkAgainstDirectProduct(o3(L: 5, W: 2), "o3 L=5")
    }

    /// chi_a = sum_b |V_ba|^2/(E_b - E_a)^2 is the fidelity susceptibility:
    /// |<a(0)|a(lambda)>|^2 = 1 - lambda^2 chi_a + O(lambda^4) for
    /// H(lambda) = H + lambda V (Richardson-extrapolated finite difference);
    /// and the same matrix elements give the second derivative of E_a,
    /// E_a'' = 2 sum_b |V_ba|^2 / (E_a - E_b) (central difference).
    func checkChi<H: SectorHamiltonian>(_ h: H, scale: Double, _ name: String) throws {
        let n = h.dimension, w = H.Element.width
        let d = h.pauliZDiagonal(site: 0, scale: scale)
        let (e, u) = try spectrum(h)
        let m = try MatrixElementKernels.diagonalOperator(u, diagonal: d)
        let st = try MatrixElementKernels.statistics(m, energies: e, eps: eps(e), settings: MatrixElementSettings(), group: nil)
        XCTAssertEqual(st.degeneratePairs, 0, name)
        let mm = serial(m), u0 = serial(u)
        func fidelityDeficit(_ lambda: Double, _ a: Int) throws -> Double {
            let (_, ul) = try spectrum(h, lambda: lambda, diagonal: d)
            let v = serial(ul)
            var re = 0.0, im = 0.0
            for k in 0..<n {
                let x = (u0[(k + a * n) * w], w == 2 ? u0[(k + a * n) * w + 1] : 0), y = (v[(k + a * n) * w], w == 2 ? v[(k + a * n) * w + 1] : 0)
                re += x.0 * y.0 + x.1 * y.1; im += x.0 * y.1 - x.1 * y.0
            }
            return (1 - (re * re + im * im)) / (lambda * lambda)
        }
        let lambda = 2e-3
        for a in [n / 3, n / 2, n / 2 + 1, 2 * n / 3] {
            // Even part (the odd lambda^3 term cancels), then Richardson on lambda^2.
            let g1 = (try fidelityDeficit(lambda, a) + fidelityDeficit(-lambda, a)) / 2
            let g2 = (try fidelityDeficit(lambda / 2, a) + fidelityDeficit(-lambda / 2, a)) / 2
            let chiFD = (4 * g2 - g1) / 3
            XCTAssertEqual(st.chi[a], chiFD, accuracy: 1e-6 * max(1, st.chi[a]), "\(name): chi of state \(a) vs fidelity")
            // Second-order energy shift.
            var pt = 0.0
            for b in 0..<n where b != a {
                let m2 = w == 1 ? mm[b + a * n] * mm[b + a * n] : mm[2 * (b + a * n)] * mm[2 * (b + a * n)] + mm[2 * (b + a * n) + 1] * mm[2 * (b + a * n) + 1]
                pt += 2 * m2 / (e[a] - e[b])
            }
            let dl = 1e-4
            let ep = try spectrum(h, lambda: dl, diagonal: d).0[a], em = try spectrum(h, lambda: -dl, diagonal: d).0[a]
            XCTAssertEqual((ep - 2 * e[a] + em) / (dl * dl), pt, accuracy: 1e-4 * max(1, abs(pt)), "\(name): E'' of state \(a)")
            // First order: dE_a/dlambda = V_aa.
            XCTAssertEqual((ep - em) / (2 * dl), st.diagonal[a], accuracy: 1e-7, "\(name): E' of state \(a)")
        }
    }

    func testChiAgainstFiniteDifferencePerturbationTheory() throws {
        try checkChi(xxz(L: 6, W: 2.5), scale: 0.5, "xxz L=6")
        try checkChi(o3(L: 4, W: 2), scale: 1, "o3 L=4")
    }

    /// Sum rule: the omega bins, the weight below and above them, and the
    /// diagonal (omega = 0) weight add up to <V^2> = tr(V^2)/D; the diagonal
    /// weight over <V^2> is the infinite-time C_zz, in [0, 1].
    func checkSumRule<H: SectorHamiltonian>(_ h: H, scale: Double, settings: MatrixElementSettings, _ name: String) throws -> MatrixElementStatistics {
        let d = h.pauliZDiagonal(site: 1, scale: scale)
        let (e, u) = try spectrum(h)
        let m = try MatrixElementKernels.diagonalOperator(u, diagonal: d)
        let st = try MatrixElementKernels.statistics(m, energies: e, eps: eps(e), settings: settings, group: nil)
        let v2 = d.map { $0 * $0 }.reduce(0, +) / Double(d.count)
        XCTAssertEqual(v2, scale * scale, accuracy: 1e-15)
        let total = st.spectralWeight.reduce(0, +) + st.diagonalWeight
        XCTAssertEqual(total, v2, accuracy: 1e-12, "\(name): sum rule")
        let czz = st.diagonalWeight / v2
        XCTAssertTrue(czz >= 0 && czz <= 1 + 1e-12, "\(name): C_zz(infinity) = \(czz)")
        return st
    }

    func testSpectralFunctionSumRule() throws {
        var narrow = MatrixElementSettings()
        narrow.omegaMin = 0.05; narrow.omegaMax = 2; narrow.omegaBins = 7  // under- and overflow populated
        for s in [MatrixElementSettings(), narrow] {
            let a = try checkSumRule(xxz(L: 10, W: 1), scale: 0.5, settings: s, "xxz L=10 W=1")
            _ = try checkSumRule(o3(L: 6, W: 3), scale: 1, settings: s, "o3 L=6 W=3")
            if s == narrow { XCTAssertTrue(a.spectralWeight[7] > 0 && a.spectralWeight[8] > 0, "narrow bins: both tails populated") }
        }
        // Localized limit: eigenstates are product states, V_aa = +-1/2, C_zz(infinity) -> 1;
        // thermal side: much smaller.
        let strong = try checkSumRule(xxz(L: 8, W: 400), scale: 0.5, settings: MatrixElementSettings(), "xxz W=400")
        XCTAssertGreaterThan(strong.diagonalWeight / 0.25, 0.999)
        let weak = try checkSumRule(xxz(L: 10, W: 0.5), scale: 0.5, settings: MatrixElementSettings(), "xxz W=0.5")
        XCTAssertLessThan(weak.diagonalWeight / 0.25, 0.2)
    }

    /// rho(v): its histogram counts every (mid-spectrum a, partner b) pair
    /// once, so that int rho(v) dv = rho = (partners per state)/omega, the
    /// density of states from the energies alone; int v rho(v) dv = rho v_bar
    /// to within the log-bin width.
    func testRhoVNormalization() throws {
        for (name, h, scale) in [("xxz", AnyChain(xxz(L: 10, W: 1)), 0.5), ("o3", AnyChain(o3(L: 7, W: 2)), 1.0)] {
            var s = MatrixElementSettings()
            s.window = 0.3
            let (e, st) = try h.stats(scale: scale, settings: s, test: self)
            let ep = eps(e)
            let mid = e.indices.filter { ep[$0] >= 0.4 && ep[$0] < 0.6 }
            XCTAssertFalse(mid.isEmpty)
            var partners = 0.0
            for a in mid {
                let c = e.indices.filter { $0 != a && abs(e[$0] - e[a]) <= 0.15 }.count
                XCTAssertEqual(st.windowCount[a], Double(c), "\(name): partners of \(a)")
                partners += Double(c)
            }
            XCTAssertEqual(Double(st.vCounts.reduce(0, +)), partners, "\(name): histogram counts every pair once")
            let edges = s.vEdges
            let na = Double(mid.count)
            var norm = 0.0, first = 0.0
            for k in 0..<s.vBins {
                let dv = edges[k + 1] - edges[k]
                let rho = Double(st.vCounts[k]) / (na * s.window * dv)  // rho(v) in bin k
                norm += rho * dv
                first += rho * dv * (edges[k] * edges[k + 1]).squareRoot()
            }
            let rhoDOS = partners / (na * s.window)
            let out = Double(st.vCounts[s.vBins] + st.vCounts[s.vBins + 1]) / (na * s.window)
            XCTAssertEqual(norm + out, rhoDOS, accuracy: 1e-12 * rhoDOS, "\(name): int rho(v) dv = rho")
            let rvb = mid.map { st.windowSum[$0] / s.window }.reduce(0, +) / na
            let binFactor = edges[1] / edges[0]
            XCTAssertTrue(first <= rvb * binFactor.squareRoot() * (1 + 1e-12) && first >= rvb / binFactor.squareRoot() * (1 - 1e-12),
                          "\(name): int v rho(v) dv = \(first) vs rho v_bar = \(rvb)")
        }
    }
}

/// A chain of either element type, for table-driven tests.
struct AnyChain {
    let stats: (Double, MatrixElementSettings, MatrixElementTests) throws -> ([Double], MatrixElementStatistics)
    init<H: SectorHamiltonian>(_ h: H) {
        stats = { scale, settings, t in
            let d = h.pauliZDiagonal(site: 2, scale: scale)
            let (e, u) = try t.spectrum(h)
            let m = try MatrixElementKernels.diagonalOperator(u, diagonal: d)
            return (e, try MatrixElementKernels.statistics(m, energies: e, eps: t.eps(e), settings: settings, group: nil))
        }
    }
    func stats(scale: Double, settings: MatrixElementSettings, test: MatrixElementTests) throws -> ([Double], MatrixElementStatistics) {
        try stats(scale, settings, test)
    }
}
