import XCTest
import QGPhysics
import QGED
import QGLinearAlgebra
import QGTestSupport

/// S5: the resonant-cluster Hamiltonian and the BLAS-3 quench kernels,
/// serial path (the group path is checked in the MPI selftest).
final class ResonantClusterTests: XCTestCase {
    /// An SFS state of a random chain (greedy relaxation, ring distance).
    func sfsChain(L: Int, alpha: Double = 0.7, seed: UInt64) -> (ClassicalChain, [Int8], [Double]) {
        var rng = CounterRNG(seed: seed, stream: StreamKey.make("resonant-cluster-test"), realization: 0)
        let chain = ClassicalChain(L: L, alpha: alpha, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
        let (z, phi, _) = SingleFlipStable.prepare(chain, kind: .sfs, order: .greedy, rng: &rng)
        return (chain, z, phi)
    }

    struct Spectrum { var energies: [Double]; var vectors: DenseBlock }

    func solve(_ h: ResonantCluster) throws -> Spectrum {
        let n = h.dimension
        var m = DenseMatrix(rows: n, cols: n, storage: h.denseMatrix())
        let e = try SymmetricEigensolver.solve(&m)
        return Spectrum(energies: e, vectors: DenseBlock(rows: n, cols: n, isComplex: false, storage: .serial(m.storage)))
    }

    func testSelectionIsAscendingAbsoluteFieldWithIndexTieBreak() {
        let phi = [0.3, -0.1, 0.1, 2.0, -0.05, 0.1]
        XCTAssertEqual(ResonantCluster.mostResonant(fields: phi, count: 4), [4, 1, 2, 5])
        XCTAssertEqual(ResonantCluster.mostResonant(fields: phi, count: 6), [4, 1, 2, 5, 0, 3])
    }

    /// The cluster H on a 5-spin chain against an independent construction:
    /// the full chain's classical energy with the frozen spins fixed (which
    /// must equal the cluster diagonal up to one constant), and the transverse
    /// field from explicit Kronecker products of Pauli X.
    func testClusterHamiltonianRebuiltByHandOnFiveSpinChain() throws {
        let (chain, z, phi) = sfsChain(L: 5, seed: 3)
        let hx = 0.37
        let c = ResonantCluster(chain: chain, state: z, fields: phi, size: 3, hx: hx)
        XCTAssertEqual(c.chainSites, ResonantCluster.mostResonant(fields: phi, count: 3))
        XCTAssertEqual(c.z, c.chainSites.map { z[$0] })
        // phi_I = h_I + sum_J K_IJ z_J (the field splits into frozen and cluster parts).
        for I in 0..<3 {
            var inner = 0.0
            for J in 0..<3 { inner += c.couplings[I * 3 + J] * Double(c.z[J]) }
            XCTAssertEqual(c.staticFields[I] + inner, phi[c.chainSites[I]], accuracy: 1e-12)
        }
        func chainEnergy(_ zz: [Int8]) -> Double {
            var e = 0.0
            for i in 0..<5 { for j in (i + 1)..<5 { e += chain.K[i * 5 + j] * Double(zz[i] * zz[j]) } }
            return e
        }
        var expected = [Double](repeating: 0, count: 64)
        for s in 0..<8 {
            var zz = z
            for I in 0..<3 { zz[c.chainSites[I]] = ((s >> I) & 1) == 0 ? 1 : -1 }
            expected[s + 8 * s] = chainEnergy(zz)
        }
        // Constant: H_cluster(s) = E_chain(s) - E_frozen-frozen.
        var frozen = 0.0
        let inC = Set(c.chainSites)
        for i in 0..<5 where !inC.contains(i) { for j in (i + 1)..<5 where !inC.contains(j) { frozen += chain.K[i * 5 + j] * Double(z[i] * z[j]) } }
        for s in 0..<8 { expected[s + 8 * s] -= frozen }
        // -hx sum_I X_I by Kronecker products (X on factor I, identity elsewhere).
        let X: [[Double]] = [[0, 1], [1, 0]], one: [[Double]] = [[1, 0], [0, 1]]
        func kron(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
            var r = [[Double]](repeating: [Double](repeating: 0, count: a.count * b.count), count: a.count * b.count)
            for i in a.indices { for j in a.indices { for k in b.indices { for l in b.indices { r[i * b.count + k][j * b.count + l] = a[i][j] * b[k][l] } } } }
            return r
        }
        for I in 0..<3 {
            // Basis index s = sum_I b_I 2^I: the most significant factor is spin 2.
            let factors = (0..<3).reversed().map { $0 == I ? X : one }
            let op = kron(kron(factors[0], factors[1]), factors[2])
            for r in 0..<8 { for col in 0..<8 { expected[r + 8 * col] -= hx * op[r][col] } }
        }
        XCTAssertLessThan(maxAbsDifference(c.denseMatrix(), expected), 1e-12)
        // The stored record rebuilds the same H.
        let again = ResonantCluster(chainSites: c.chainSites, initialFields: c.initialFields, z: c.z,
                                    staticFields: c.staticFields, couplings: c.couplings, hx: hx)
        XCTAssertEqual(again.denseMatrix(), c.denseMatrix())
    }

    /// h_x -> 0: the initial product state is an eigenstate, the remnant
    /// polarization is 1 (exactly at h_x = 0; 1 - O((h_x/|phi|)^2) just above).
    func testZeroTransverseFieldKeepsFullPolarization() throws {
        let (chain, z, phi) = sfsChain(L: 60, seed: 11)
        for hx in [0.0, 1e-7] {
            let c = ResonantCluster(chain: chain, state: z, fields: phi, size: 6, hx: hx)
            var s = try solve(c)
            let r = try QuenchKernels.clusterQuench(energies: s.energies, vectors: &s.vectors, cluster: c, times: [0, 1, 1e4], group: nil)
            for I in 0..<6 {
                XCTAssertEqual(r.remnant[I], 1, accuracy: hx == 0 ? 1e-12 : 1e-4)
                XCTAssertEqual(r.trace[I * 3], 1, accuracy: 1e-12, "t = 0 is the initial state")
            }
        }
    }

    /// L_s = 2 against the closed-form two-spin dynamics: eigenpairs from the
    /// secular quartic and the closed-form eigenvectors (no LAPACK), and at
    /// J = 0 the Rabi formula <Z(t)> = 1 - 2 (hx/Omega)^2 sin^2(Omega t).
    func testTwoSpinClusterAgainstClosedFormDynamics() throws {
        let times = [0.0, 0.3, 1.7, 12.5, 140.0]
        for (h1, h2, K, hx, z1, z2) in [(0.13, -0.4, 0.21, 0.17, Int8(1), Int8(-1)), (0.02, 0.05, -0.3, 0.1, -1, -1),
                                        (0.3, -0.2, 0.0, 0.25, 1, 1)] {
            let c = ResonantCluster(chainSites: [7, 3], initialFields: [0, 0], z: [z1, z2], staticFields: [h1, h2],
                                    couplings: [0, K, K, 0], hx: hx)
            var s = try solve(c)
            let r = try QuenchKernels.clusterQuench(energies: s.energies, vectors: &s.vectors, cluster: c, times: times, group: nil)
            // Closed form.
            let es = TwoSpinEntanglement.energies(phi1: h1, phi2: h2, J: K, hx: hx)
            let vs = es.map { TwoSpinEntanglement.eigenvector(energy: $0, phi1: h1, phi2: h2, J: K, hx: hx) }
            let s0 = c.initialStateIndex
            let cn = vs.map { $0[s0] }
            for (ti, t) in times.enumerated() {
                var psiRe = [Double](repeating: 0, count: 4), psiIm = [Double](repeating: 0, count: 4)
                for n in 0..<4 { for k in 0..<4 { psiRe[k] += cn[n] * cos(es[n] * t) * vs[n][k]; psiIm[k] -= cn[n] * sin(es[n] * t) * vs[n][k] } }
                for I in 0..<2 {
                    var zt = 0.0
                    for k in 0..<4 { zt += (psiRe[k] * psiRe[k] + psiIm[k] * psiIm[k]) * c.polarizationSign(state: k, spin: I) }
                    XCTAssertEqual(r.trace[I * times.count + ti], zt, accuracy: 1e-10, "spin \(I) t = \(t)")
                    if K == 0 {
                        let hI = I == 0 ? h1 : h2, om = (hI * hI + hx * hx).squareRoot()
                        XCTAssertEqual(zt, 1 - 2 * hx * hx / (om * om) * pow(sin(om * t), 2), accuracy: 1e-10)
                    }
                }
            }
            for I in 0..<2 {
                var de = 0.0
                for n in 0..<4 { for k in 0..<4 { de += cn[n] * cn[n] * vs[n][k] * vs[n][k] * c.polarizationSign(state: k, spin: I) } }
                XCTAssertEqual(r.remnant[I], de, accuracy: 1e-10)
                if K == 0 { let hI = I == 0 ? h1 : h2; XCTAssertEqual(de, hI * hI / (hI * hI + hx * hx), accuracy: 1e-10) }
            }
        }
    }

    /// The diagonal ensemble equals the long-time average of the trace: a
    /// uniform grid t_k = k dt, dt below pi / (spectral width), T >> 1/gap.
    func testDiagonalEnsembleEqualsLongTimeAverage() throws {
        let (chain, z, phi) = sfsChain(L: 40, seed: 5)
        let c = ResonantCluster(chain: chain, state: z, fields: phi, size: 4, hx: 0.4)
        var s = try solve(c)
        let e = s.energies
        var gap = Double.infinity
        for k in 1..<e.count { gap = min(gap, e[k] - e[k - 1]) }
        let width = e.last! - e.first!
        let dt = 0.5 * Double.pi / width
        let T = 2000 / gap
        let n = Int(T / dt)
        XCTAssertLessThan(n, 400_000, "grid too long for a unit test (gap \(gap))")
        let times = (0..<n).map { Double($0) * dt }
        let r = try QuenchKernels.clusterQuench(energies: s.energies, vectors: &s.vectors, cluster: c, times: times, group: nil)
        for I in 0..<4 {
            let avg = (0..<n).reduce(0.0) { $0 + r.trace[I * n + $1] } / Double(n)
            // |mean of cos(w t) over [0, T]| <= 1/(w T) and the off-diagonal weights sum to <= 1.
            XCTAssertEqual(avg, r.remnant[I], accuracy: 1 / (gap * T) + 1e-9, "spin \(I)")
        }
    }

    /// The time trace against an independent Runge-Kutta integration of
    /// i d psi/dt = H psi with the matrix-free H (step 1e-3, error ~1e-10).
    func testTimeTraceAgainstRungeKutta() throws {
        let (chain, z, phi) = sfsChain(L: 30, seed: 9)
        let c = ResonantCluster(chain: chain, state: z, fields: phi, size: 5, hx: 0.3)
        var s = try solve(c)
        let r = try QuenchKernels.clusterQuench(energies: s.energies, vectors: &s.vectors, cluster: c, times: [0.5, 2.0], group: nil)
        var re = [Double](repeating: 0, count: c.dimension), im = re
        re[c.initialStateIndex] = 1
        let dt = 1e-3
        func deriv(_ a: [Double], _ b: [Double]) -> ([Double], [Double]) { (c.apply(b), c.apply(a).map { -$0 }) }  // d(re)/dt = H im, d(im)/dt = -H re
        var t = 0.0
        for (ti, target) in [0.5, 2.0].enumerated() {
            while t < target - 1e-12 {
                let (k1r, k1i) = deriv(re, im)
                let (k2r, k2i) = deriv(zip(re, k1r).map { $0 + 0.5 * dt * $1 }, zip(im, k1i).map { $0 + 0.5 * dt * $1 })
                let (k3r, k3i) = deriv(zip(re, k2r).map { $0 + 0.5 * dt * $1 }, zip(im, k2i).map { $0 + 0.5 * dt * $1 })
                let (k4r, k4i) = deriv(zip(re, k3r).map { $0 + dt * $1 }, zip(im, k3i).map { $0 + dt * $1 })
                for k in re.indices {
                    re[k] += dt / 6 * (k1r[k] + 2 * k2r[k] + 2 * k3r[k] + k4r[k])
                    im[k] += dt / 6 * (k1i[k] + 2 * k2i[k] + 2 * k3i[k] + k4i[k])
                }
                t += dt
            }
            for I in 0..<5 {
                var zt = 0.0
                for k in re.indices { zt += (re[k] * re[k] + im[k] * im[k]) * c.polarizationSign(state: k, spin: I) }
                XCTAssertEqual(r.trace[I * 2 + ti], zt, accuracy: 1e-8)
            }
        }
    }

    func testLogTimeGridReachesPastTheInverseSpacing() {
        let g = QuenchKernels.logTimeGrid(energies: [0, 1, 1 + 1e-9, 3])
        XCTAssertEqual(g.first!, 0.1, accuracy: 1e-15)
        XCTAssertEqual(g.last!, 1e10, accuracy: 1e3, "10 / gap, the gap being 1e-9 up to rounding")
        XCTAssertTrue(zip(g, g.dropFirst()).allSatisfy { $0 < $1 })
        let plain = QuenchKernels.logTimeGrid(energies: [0, 1, 2])
        XCTAssertEqual(plain.last!, 1e8, accuracy: 1e-6)
        XCTAssertEqual(plain.count, 91)
    }

    func testOverlapsRejectComplexAndUnnormalizedVectors() {
        let v = DenseBlock(rows: 2, cols: 2, isComplex: false, storage: .serial([1, 0, 0, 0.5]))
        XCTAssertThrowsError(try QuenchKernels.overlaps(v, initialState: 1, group: nil))
        XCTAssertThrowsError(try QuenchKernels.overlaps(v, initialState: 2, group: nil))
        let w = DenseBlock(rows: 1, cols: 1, isComplex: true, storage: .serial([1, 0]))
        XCTAssertThrowsError(try QuenchKernels.overlaps(w, initialState: 0, group: nil)) { XCTAssertEqual($0 as? QuenchError, .complexEigenvectors) }
    }
}
