import XCTest
import QGPhysics
import QGLinearAlgebra
import QGTestSupport

/// S8 2D: the diamond lattice, the triangle-wave potential and the O(N^3)
/// linear assignment against brute force.
final class DiamondLatticeTests: XCTestCase {
    func testHungarianMatchesBruteForce() {
        var rng = CounterRNG(seed: 11, stream: StreamKey.make("lap-test"), realization: 0)
        for n in 1...8 {
            for trial in 0..<25 {
                // Random costs, some with ties (integers) and some spanning many decades (-ln of amplitudes).
                let cost: [Double] = (0..<(n * n)).map { _ in
                    switch trial % 3 {
                    case 0: return rng.uniform()
                    case 1: return Double(Int(rng.uniform() * 4))
                    default: return -log(max(1e-300, pow(rng.uniform(), 30)))
                    }
                }
                let h = LinearAssignment.solve(cost: cost, n: n)
                let b = LinearAssignment.bruteForce(cost: cost, n: n)
                XCTAssertEqual(h.total, b.total, accuracy: 1e-9 * max(1, abs(b.total)), "n \(n) trial \(trial)")
                XCTAssertEqual(Set(h.assignment), Set(0..<n), "not a permutation")
            }
        }
    }

    func testOrbitalLabelsOfEigenvectorsBeatGreedyOrMatch() throws {
        let lat = DiamondLattice(R: 2)
        XCTAssertEqual(lat.count, 13)
        var rng = CounterRNG(seed: 12, stream: StreamKey.make("lap-test-2"), realization: 0)
        let th = (0..<lat.count).map { _ in 2 * Double.pi * rng.uniform() }
        let (_, z) = try lat.diagonalize(angles: th, W: 2)
        let (site, lp) = DiamondLattice.orbitalSites(vectors: z, count: lat.count)
        XCTAssertEqual(Set(site), Set(0..<lat.count))
        var direct = 0.0
        for k in 0..<lat.count { direct += log(abs(z[site[k] + lat.count * k])) }
        XCTAssertEqual(lp, direct, accuracy: 1e-10)
        // Strong disorder: each orbital sits on its own site (|phi_kk| close to 1).
        let (_, z2) = try lat.diagonalize(angles: th, W: 1000)
        let (site2, _) = DiamondLattice.orbitalSites(vectors: z2, count: lat.count)
        for k in 0..<lat.count { XCTAssertGreaterThan(abs(z2[site2[k] + lat.count * k]), 0.99) }
    }

    func testLatticeGeometry() {
        for R in 0...6 {
            let lat = DiamondLattice(R: R)
            XCTAssertEqual(lat.count, 2 * R * R + 2 * R + 1)
            XCTAssertEqual(lat.n1[lat.origin], 0); XCTAssertEqual(lat.n2[lat.origin], 0)
            // Bonds: 4 per interior site / 2; count = 2 * (sum over sites of right/up neighbours inside).
            for (i, j) in lat.bonds { XCTAssertEqual(abs(lat.n1[i] - lat.n1[j]) + abs(lat.n2[i] - lat.n2[j]), 1) }
            XCTAssertEqual(lat.bonds.count, R == 0 ? 0 : 4 * R * R)
        }
    }

    /// g_k0 = g0 |phi_{k, origin}|: with the site basis as orbitals only the
    /// origin's orbital couples (ln g0; the others -inf); with every amplitude
    /// -1/2 each orbital has ln g0 + ln(1/2).
    func testLogBareCouplings() {
        let lattice = DiamondLattice(R: 1)
        let n = lattice.count
        var identity = [Double](repeating: 0, count: n * n)
        for k in 0..<n { identity[k + n * k] = 1 }
        let g = lattice.logBareCouplings(vectors: identity, g0: 3)
        for k in 0..<n { XCTAssertEqual(g[k], k == lattice.origin ? log(3.0) : -.infinity) }
        XCTAssertEqual(lattice.logBareCouplings(vectors: [Double](repeating: -0.5, count: n * n), g0: 3),
                       [Double](repeating: log(3.0) + log(0.5), count: n))
    }

    func testTriangleWave() {
        let W = 3.0, x0 = 2 * Double.pi / DiamondLattice.q.0
        XCTAssertEqual(DiamondLattice.potential(0, W: W), W, accuracy: 1e-14)
        XCTAssertEqual(DiamondLattice.potential(x0, W: W), -W, accuracy: 1e-12)
        XCTAssertEqual(DiamondLattice.potential(2 * Double.pi - 1e-12, W: W), W, accuracy: 1e-9)
        XCTAssertEqual(DiamondLattice.potential(x0 / 2, W: W), 0, accuracy: 1e-12)
        XCTAssertEqual(DiamondLattice.potential(x0 + (2 * Double.pi - x0) / 2, W: W), 0, accuracy: 1e-12)
        XCTAssertEqual(DiamondLattice.potential(-1, W: W), DiamondLattice.potential(2 * Double.pi - 1, W: W), accuracy: 1e-12)
        XCTAssertEqual(x0, 2 / (1 + 5.0.squareRoot()), accuracy: 1e-15)
        // Random theta uniform on the circle -> V uniform on [-W, W] (a box distribution).
        var rng = CounterRNG(seed: 2, stream: StreamKey.make("tri"), realization: 0)
        let v = (0..<200_000).map { _ in DiamondLattice.potential(2 * Double.pi * rng.uniform(), W: 1) }
        XCTAssertEqual(v.reduce(0, +) / Double(v.count), 0, accuracy: 0.01)
        XCTAssertEqual(v.map { $0 * $0 }.reduce(0, +) / Double(v.count), 1.0 / 3, accuracy: 0.01)
    }

    func testHamiltonianEntries() {
        let lat = DiamondLattice(R: 1)
        let th = lat.quasiperiodicAngles(theta0: 0.3)
        let h = lat.hamiltonian(angles: th, W: 2)
        let n = lat.count
        for i in 0..<n {
            XCTAssertEqual(h[i + n * i], DiamondLattice.potential(0.3 + DiamondLattice.q.0 * Double(lat.n1[i]) + DiamondLattice.q.1 * Double(lat.n2[i]), W: 2))
            for j in 0..<n where j != i {
                let nn = abs(lat.n1[i] - lat.n1[j]) + abs(lat.n2[i] - lat.n2[j]) == 1
                XCTAssertEqual(h[i + n * j], nn ? 1 : 0)
            }
        }
    }

    /// The `hopping` option (issue 23): every bond carries t, and H(t, W) = t H(1, W/t),
    /// so at t = 1/2 the eigenvalues are half those of H(1, 2W) and the orbitals (the
    /// only input of the mean field, through |phi_{k,0}|) are the same.
    func testHoppingScalesTheSpectrumAndKeepsTheOrbitals() throws {
        let lat = DiamondLattice(R: 3)
        let n = lat.count
        var rng = CounterRNG(seed: 13, stream: StreamKey.make("hopping-test"), realization: 0)
        let th = (0..<n).map { _ in 2 * Double.pi * rng.uniform() }
        let h = lat.hamiltonian(angles: th, W: 7, hopping: 0.5)
        for (i, j) in lat.bonds { XCTAssertEqual(h[i + n * j], 0.5); XCTAssertEqual(h[j + n * i], 0.5) }
        XCTAssertEqual(lat.hamiltonian(angles: th, W: 7), lat.hamiltonian(angles: th, W: 7, hopping: 1), "default hopping is 1")
        let (eHalf, zHalf) = try lat.diagonalize(angles: th, W: 7, hopping: 0.5)
        let (eOne, zOne) = try lat.diagonalize(angles: th, W: 14)
        for k in 0..<n {
            XCTAssertEqual(eHalf[k], 0.5 * eOne[k], accuracy: 1e-12)
            // Same orbital up to sign: |<phi_half_k | phi_one_k>| = 1 (random W: no degeneracy).
            var dot = 0.0
            for m in 0..<n { dot += zHalf[m + n * k] * zOne[m + n * k] }
            XCTAssertEqual(abs(dot), 1, accuracy: 1e-10, "orbital \(k)")
            XCTAssertEqual(abs(zHalf[lat.origin + n * k]), abs(zOne[lat.origin + n * k]), accuracy: 1e-10)
        }
        // Hopping 2 at W: twice the spectrum of hopping 1 at W/2.
        let (eTwo, _) = try lat.diagonalize(angles: th, W: 7, hopping: 2)
        let (eHalfW, _) = try lat.diagonalize(angles: th, W: 3.5)
        for k in 0..<n { XCTAssertEqual(eTwo[k], 2 * eHalfW[k], accuracy: 1e-12) }
    }
}
