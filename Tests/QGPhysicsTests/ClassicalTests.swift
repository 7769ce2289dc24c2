import XCTest
import QGPhysics
import QGLinearAlgebra

/// Exact facts of the classical toolkit (docs/models.md, "Classical toolkit": S2, S3, S4, S7).
final class ClassicalTests: XCTestCase {
    func couplings(_ L: Int, _ pairs: [(Int, Int, Double)]) -> [Double] {
        var J = [Double](repeating: 0, count: L * L)
        for (i, j, v) in pairs { J[i * L + j] = v; J[j * L + i] = v }
        return J
    }

    func randomChain(L: Int, alpha: Double, realization: Int, boundary: Boundary = .periodic, scale: Double = 1) -> ClassicalChain {
        var rng = CounterRNG(seed: 11, stream: StreamKey.make("classical-tests|\(L)"), realization: realization)
        return ClassicalChain(L: L, alpha: alpha, boundary: boundary, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng), scale: scale)
    }

    /// L = 4 periodic, alpha = 1: d(0,1) = d(0,3) = 1, d(0,2) = 2.
    /// z = (+, -, +, +): phi_0 = J01 (-1) + J02/2 + J03 = -1 + 0.25 + 0.5 = -0.25, etc., by hand.
    func testFieldSumsOnFourSpins() {
        let J = couplings(4, [(0, 1, 1.0), (0, 2, 0.5), (0, 3, 0.5), (1, 2, -2.0), (1, 3, 0.8), (2, 3, 1.5)])
        let c = ClassicalChain(L: 4, alpha: 1, J: J)
        let z: [Int8] = [1, -1, 1, 1]
        let phi = c.fields(z)
        XCTAssertEqual(phi[0], -1.0 + 0.5 / 2 + 0.5, accuracy: 1e-15)
        XCTAssertEqual(phi[1], 1.0 + -2.0 + 0.8 / 2, accuracy: 1e-15)
        XCTAssertEqual(phi[2], 0.5 / 2 + 2.0 + 1.5, accuracy: 1e-15)
        XCTAssertEqual(phi[3], 0.5 - 0.8 / 2 + 1.5, accuracy: 1e-15)
        // E = sum_{i<j} K_ij z_i z_j = (1/2) sum z_i phi_i.
        let e = -1.0 + 0.25 + 0.5 + 2.0 - 0.4 + 1.5
        XCTAssertEqual(ClassicalChain.energy(z: z, phi: phi), e, accuracy: 1e-14)
        // Open boundary: d(0,3) = 3.
        let open = ClassicalChain(L: 4, alpha: 1, boundary: .open, J: J).fields(z)
        XCTAssertEqual(open[0], -1.0 + 0.25 + 0.5 / 3, accuracy: 1e-15)
        // Exact T = inf variance: L = 4, alpha = 1/2 periodic: 1 + 1/2 + 1.
        XCTAssertEqual(ClassicalChain.fieldVariance(site: 0, L: 4, alpha: 0.5, boundary: .periodic), 2.5, accuracy: 1e-15)
        XCTAssertEqual(ClassicalChain.meanFieldTemperature(L: 4, alpha: 0.5, boundary: .periodic), 2.5.squareRoot(), accuracy: 1e-15)
    }

    /// Flip updates equal recomputed fields; the flip changes E by -2 z_i phi_i.
    func testFlipUpdatesFields() {
        let c = randomChain(L: 37, alpha: 0.7, realization: 1)
        var rng = CounterRNG(seed: 3, stream: 9, realization: 0)
        var z = SingleFlipStable.randomState(L: 37, rng: &rng)
        var phi = c.fields(z)
        for step in 0..<200 {
            let i = (step * 17) % 37
            let e0 = ClassicalChain.energy(z: z, phi: phi), cost = -2 * Double(z[i]) * phi[i]
            c.flip(i, z: &z, phi: &phi)
            XCTAssertEqual(ClassicalChain.energy(z: z, phi: phi) - e0, cost, accuracy: 1e-10)
        }
        let exact = c.fields(z)
        for i in 0..<37 { XCTAssertEqual(phi[i], exact[i], accuracy: 1e-11) }
    }

    /// At T = inf the mean of phi^2 is sum_j d_ij^(-2 alpha), exactly in the mean.
    func testInfiniteTemperatureFieldVariance() {
        let L = 64, alpha = 0.7, n = 300
        var samples: [Double] = []
        for r in 0..<n {
            let c = randomChain(L: L, alpha: alpha, realization: r)
            var rng = CounterRNG(seed: 5, stream: 1, realization: r)
            let phi = c.fields(SingleFlipStable.randomState(L: L, rng: &rng))
            samples.append(phi.reduce(0) { $0 + $1 * $1 } / Double(L))
        }
        let mean = samples.reduce(0, +) / Double(n)
        let sd = (samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)).squareRoot()
        let exact = ClassicalChain.fieldVariance(site: 0, L: L, alpha: alpha, boundary: .periodic)
        XCTAssertEqual(mean, exact, accuracy: 4 * sd / Double(n).squareRoot())
    }

    /// Every spin of an SFS state has z_i phi_i < 0, for both orders, and relaxation lowers the energy.
    func testSingleFlipStableStates() {
        for order in RelaxationOrder.allCases {
            for r in 0..<5 {
                let c = randomChain(L: 150, alpha: 0.7, realization: r)
                var rng = CounterRNG(seed: 2, stream: 4, realization: r)
                var z = SingleFlipStable.randomState(L: 150, rng: &rng)
                var phi = c.fields(z)
                let e0 = ClassicalChain.energy(z: z, phi: phi)
                let flips = SingleFlipStable.relax(c, z: &z, phi: &phi, order: order)
                XCTAssertGreaterThan(flips, 0)
                for i in 0..<150 { XCTAssertLessThan(Double(z[i]) * phi[i], 0, "\(order) spin \(i)") }
                XCTAssertLessThan(ClassicalChain.energy(z: z, phi: phi), e0)
                let exact = c.fields(z)
                for i in 0..<150 { XCTAssertEqual(phi[i], exact[i], accuracy: 1e-10) }
            }
        }
    }

    /// Hand-made chain (d = 1 for every pair of L = 3 periodic): K01 = 0.3,
    /// K02 = 0.15, K12 = 0.4, all spins up, h_x = 0.5. phi = (0.45, 0.7, 0.55):
    /// only spin 0 is resonant. Flipping it gives phi_1 = 0.7 - 0.6 = 0.1 and
    /// phi_2 = 0.55 - 0.3 = 0.25: both become resonant, so the ever-resonant
    /// count is 1 before the first step and 3 after every step.
    func testAvalancheBookkeepingOnHandMadeChain() {
        let c = ClassicalChain(L: 3, alpha: 0.9, J: couplings(3, [(0, 1, 0.3), (0, 2, 0.15), (1, 2, 0.4)]))
        var z: [Int8] = [1, 1, 1]
        var phi = c.fields(z)
        XCTAssertEqual(phi, [0.45, 0.7, 0.55], accuracy: 1e-15)
        var rng = CounterRNG(seed: 1, stream: 2, realization: 0)
        let run = ResonanceAvalanche.run(c, z: &z, phi: &phi, hx: 0.5, steps: 6, rng: &rng)
        XCTAssertEqual(run.ever, [1, 3, 3, 3, 3, 3, 3])
        XCTAssertEqual(run.taken, 6)
        // No resonant spin at all: nothing happens.
        var z2: [Int8] = [1, 1, 1]
        var phi2 = c.fields(z2)
        let none = ResonanceAvalanche.run(c, z: &z2, phi: &phi2, hx: 0.1, steps: 4, rng: &rng)
        XCTAssertEqual(none.ever, [0, 0, 0, 0, 0])
        XCTAssertEqual(none.taken, 0)
        XCTAssertEqual(z2, [1, 1, 1])
    }

    /// On a random chain the count never decreases, never exceeds L, and the fields stay exact.
    func testAvalancheInvariants() {
        let c = randomChain(L: 200, alpha: 0.7, realization: 3)
        var rng = CounterRNG(seed: 8, stream: 8, realization: 0)
        var z = SingleFlipStable.randomState(L: 200, rng: &rng)
        var phi = c.fields(z)
        let run = ResonanceAvalanche.run(c, z: &z, phi: &phi, hx: 0.3, steps: 500, rng: &rng)
        XCTAssertEqual(run.ever.count, 501)
        for s in 1...500 { XCTAssertGreaterThanOrEqual(run.ever[s], run.ever[s - 1]) }
        XCTAssertLessThanOrEqual(run.ever[500], 200)
        XCTAssertGreaterThan(run.ever[500], run.ever[0], "T = inf states avalanche")
        let exact = c.fields(z)
        for i in 0..<200 { XCTAssertEqual(phi[i], exact[i], accuracy: 1e-10) }
    }

    /// Three spins, d = 1, K01 = 0.3, K02 = -1.0, K12 = -0.7, all up: phi = (-0.7, -0.4, -1.7)
    /// (an SFS state). Pair (0, 1): pt = (-0.7, -0.4), K01 z0 z1 = 0.3, so by hand
    /// A_01 = h^2 / (0.7 + 0.4 + 0.6) * (1/(-0.7) + 1/(-0.4)) = h^2 * (-3.9285714) / 1.7.
    /// Exact diagonalization of H = sum K Z Z - h (X0 + X1) in the z_2 = +1 block (spin 2
    /// frozen, as the rest of a chain is in S4) at small h: the amplitude of |flip 0 and 1>
    /// in the eigenstate continued from |all up> equals -A_01 / 4 (plain second-order PT).
    func testTwoFlipAmplitudeAgainstExactDiagonalization() throws {
        let c = ClassicalChain(L: 3, alpha: 0.8, J: couplings(3, [(0, 1, 0.3), (0, 2, -1.0), (1, 2, -0.7)]))
        let z: [Int8] = [1, 1, 1]
        let phi = c.fields(z)
        XCTAssertEqual(phi[0], -0.7, accuracy: 1e-15); XCTAssertEqual(phi[1], -0.4, accuracy: 1e-15)
        let h = 1e-3
        let a = TwoFlipResonances.amplitude(phiTilde1: phi[0], phiTilde2: phi[1], couplingTimesZZ: 0.3, hx: h)
        XCTAssertEqual(a, h * h * (-3.9285714285714284) / 1.7, accuracy: 1e-18)
        // 4 x 4 block: basis bits (s0, s1) of spins 0 and 1, spin 2 up.
        var m = DenseMatrix(rows: 4, cols: 4)
        for s in 0..<4 {
            let zz: [Int8] = [(s & 1) == 0 ? 1 : -1, (s & 2) == 0 ? 1 : -1, 1]
            m.storage[s * 4 + s] = ClassicalChain.energy(z: zz, phi: c.fields(zz))
            for k in 0..<2 { m.storage[(s ^ (1 << k)) * 4 + s] = -h }
        }
        let e = try SymmetricEigensolver.solve(&m)
        XCTAssertEqual(e.count, 4)
        // The eigenvector with the largest weight on |00>.
        let k = (0..<4).max { abs(m.storage[$0 * 4]) < abs(m.storage[$1 * 4]) }!
        let ratio = m.storage[k * 4 + 3] / m.storage[k * 4 + 0]
        XCTAssertEqual(ratio / a, -TwoFlipResonances.perturbativeFactor, accuracy: 1e-4)
    }

    /// Counting: brute force over pairs with the amplitude function agrees with the fast count.
    func testTwoFlipCountsAgainstBruteForce() {
        let c = randomChain(L: 120, alpha: 0.7, realization: 4)
        var rng = CounterRNG(seed: 6, stream: 6, realization: 0)
        for kind in InitialState.allCases {
            let s = SingleFlipStable.prepare(c, kind: kind, order: .greedy, rng: &rng)
            let hx = [0.05, 0.3, 1.0]
            let fast = TwoFlipResonances.count(c, z: s.z, phi: s.phi, hx: hx)
            for (k, h) in hx.enumerated() {
                var ref = TwoFlipResonances.Counts()
                ref.single = Int64(s.phi.filter { abs($0) < h }.count)
                for i in 0..<120 {
                    for j in (i + 1)..<120 {
                        let A = TwoFlipResonances.amplitude(phiTilde1: Double(s.z[i]) * s.phi[i], phiTilde2: Double(s.z[j]) * s.phi[j],
                                                            couplingTimesZZ: c.K[i * 120 + j] * Double(s.z[i] * s.z[j]), hx: h)
                        let genuine: Int64 = abs(s.phi[i]) >= h && abs(s.phi[j]) >= h ? 1 : 0
                        if abs(A) > 1 { ref.all += 1; ref.genuine += genuine }
                        if abs(A) * TwoFlipResonances.perturbativeFactor > 1 { ref.allPT += 1; ref.genuinePT += genuine }
                    }
                }
                XCTAssertEqual(fast[k], ref, "\(kind) hx = \(h)")
            }
            XCTAssertGreaterThan(fast[2].all, 0)
        }
    }

    /// Binder ratio limits: 1 for q = +-1, 0 for Gaussian q.
    func testBinderLimits() {
        XCTAssertEqual(ParallelTempering.binder(q2: 1, q4: 1), 1)
        var rng = CounterRNG(seed: 4, stream: 4, realization: 0)
        var s2 = 0.0, s4 = 0.0
        let n = 400_000
        for _ in 0..<n { let q = 0.3 * rng.normal(); s2 += q * q; s4 += q * q * q * q }
        XCTAssertEqual(ParallelTempering.binder(q2: s2 / Double(n), q4: s4 / Double(n)), 0, accuracy: 0.02)
    }

    /// Parallel tempering against exact enumeration on L = 6: energy and overlap moments.
    func testParallelTemperingMatchesEnumeration() {
        let c = randomChain(L: 6, alpha: 0.75, realization: 2)
        let temps = [0.4, 0.7, 1.0, 1.6]
        var rng = CounterRNG(seed: 12, stream: 12, realization: 0)
        let stages = ParallelTempering.run(c, schedule: .init(temperatures: temps, initialSweeps: 60_000, stages: 1), rng: &rng)
        XCTAssertEqual(stages.count, 1)
        XCTAssertEqual(stages[0].sweeps, 60_000)
        for (t, T) in temps.enumerated() {
            let exact = ParallelTempering.exactAverages(c, temperature: T)
            XCTAssertEqual(stages[0].energy[t], exact.energy, accuracy: 0.01, "E/L at T = \(T)")
            XCTAssertEqual(stages[0].q2[t], exact.q2, accuracy: 0.02, "<q^2> at T = \(T)")
            XCTAssertEqual(stages[0].q4[t], exact.q4, accuracy: 0.02, "<q^4> at T = \(T)")
        }
        for a in stages[0].exchangeAcceptance { XCTAssertGreaterThan(a, 0.2) }
        // Deep in the ordered phase both copies sit in the ground-state pair: g -> 1.
        let cold = ParallelTempering.run(c, schedule: .init(temperatures: [0.02, 0.05, 0.1], initialSweeps: 2000, stages: 2), rng: &rng)
        XCTAssertEqual(ParallelTempering.binder(q2: cold[1].q2[0], q4: cold[1].q4[0]), 1, accuracy: 1e-9)
        XCTAssertEqual(cold[1].ql[0], 1, accuracy: 1e-9, "q_l -> 1 when every <S_i S_j>^2 = 1")
    }

    func testLogHistogram() {
        var h = LogHistogram(lo: 1e-2, hi: 10, perDecade: 5)
        XCTAssertEqual(h.counts.count, 15)
        XCTAssertEqual(h.edges.first!, 1e-2, accuracy: 1e-18)
        XCTAssertEqual(h.edges[5], 0.1, accuracy: 1e-15)
        for x in [0.005, 0.011, -0.011, 0.099, 0.1, 9.99, 10, 50] { h.add(x) }
        XCTAssertEqual(h.underflow, 1); XCTAssertEqual(h.overflow, 2)
        XCTAssertEqual(h.counts[0], 2); XCTAssertEqual(h.counts[4], 1); XCTAssertEqual(h.counts[5], 1); XCTAssertEqual(h.counts[14], 1)
    }
}

/// Element-wise equality of two arrays within `accuracy` (the physics tests').
func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
