import XCTest
import QGPhysics
import QGED
import QGLinearAlgebra
import QGTestSupport

/// S6b: the closed-form eigenstate entanglement of H2 against 4 x 4 ED.
final class TwoSpinEntanglementTests: XCTestCase {
    /// ED of H2 (LAPACK) with the entropy of spin 1 from the Gram method.
    func ed(_ p1: Double, _ p2: Double, _ J: Double, _ hx: Double) throws -> (e: [Double], s: [Double], v: [Double]) {
        var m = DenseMatrix(rows: 4, cols: 4, storage: TwoSpinEntanglement.matrix(phi1: p1, phi2: p2, J: J, hx: hx))
        let e = try SymmetricEigensolver.solve(&m)
        let ws = try EntropyWorkspace(cut: .site(0, of: 2), complex: false)
        let s = try (0..<4).map { j in try m.storage.withUnsafeBufferPointer { try ws.entropy(full: $0.baseAddress! + 4 * j) } }
        return (e, s, m.storage)
    }

    func testClosedFormAgainstExactDiagonalization() throws {
        var rng = CounterRNG(seed: 8, stream: StreamKey.make("two-spin-test"), realization: 0)
        var worstE = 0.0, worstS = 0.0, worstV = 0.0
        for _ in 0..<200 {
            let p1 = rng.normal(), p2 = rng.normal(), J = rng.normal(), hx = 0.05 + rng.uniform()
            let (e, s, v) = try ed(p1, p2, J, hx)
            let cf = TwoSpinEntanglement.eigenstates(phi1: p1, phi2: p2, J: J, hx: hx)
            for k in 0..<4 {
                worstE = max(worstE, abs(cf[k].energy - e[k]))
                worstS = max(worstS, abs(cf[k].entropy - s[k]))
                let u = TwoSpinEntanglement.eigenvector(energy: cf[k].energy, phi1: p1, phi2: p2, J: J, hx: hx)
                let dot = (0..<4).reduce(0.0) { $0 + u[$1] * v[$1 + 4 * k] }
                worstV = max(worstV, 1 - abs(dot))
            }
        }
        XCTAssertLessThan(worstE, 1e-12)
        XCTAssertLessThan(worstS, 1e-9)
        XCTAssertLessThan(worstV, 1e-10)
    }

    /// The Bell lines: phi1 = -phi2 has the eigenstate (|++> - |-->)/sqrt 2
    /// at E = J, phi1 = phi2 the singlet at E = -J, both with S = ln 2 (the
    /// maximum over all parameters); J = 0 gives product eigenstates.
    func testBellLinesReachTheMaximumAndFreeSpinsAreProducts() throws {
        let ln2 = log(2.0)
        for (p1, p2, J, hx, E) in [(0.3, -0.3, 0.2, 0.1, 0.2), (0.25, 0.25, -0.4, 0.3, 0.4), (0.0, 0.0, 1.0, 0.5, 1.0)] {
            let cf = TwoSpinEntanglement.eigenstates(phi1: p1, phi2: p2, J: J, hx: hx)
            guard let k = cf.firstIndex(where: { abs($0.energy - E) < 1e-10 }) else { return XCTFail("no eigenvalue \(E)") }
            XCTAssertEqual(cf[k].entropy, ln2, accuracy: 1e-12)
            let (e, s, _) = try ed(p1, p2, J, hx)
            for j in 0..<4 { XCTAssertEqual(cf[j].energy, e[j], accuracy: 1e-10); XCTAssertEqual(cf[j].entropy, s[j], accuracy: 1e-7) }
        }
        for st in TwoSpinEntanglement.eigenstates(phi1: 0.3, phi2: -0.7, J: 0, hx: 0.4) { XCTAssertEqual(st.entropy, 0) }
        // Maximum over a parameter scan never exceeds ln 2 and approaches it near the lines.
        var best = 0.0
        var rng = CounterRNG(seed: 9, stream: StreamKey.make("two-spin-test"), realization: 0)
        for _ in 0..<2000 {
            let st = TwoSpinEntanglement.eigenstates(phi1: rng.normal(), phi2: rng.normal(), J: rng.normal(), hx: rng.uniform())
            best = max(best, st.map(\.entropy).max()!)
        }
        XCTAssertLessThanOrEqual(best, TwoSpinEntanglement.maximumEntropy + 1e-12)
        XCTAssertGreaterThan(best, 0.99 * ln2)
    }

    /// The entropy from the concurrence: C = 1 gives ln 2, C = 0 gives 0,
    /// and S(C) increases monotonically in between.
    func testEntropyOfConcurrence() {
        XCTAssertEqual(TwoSpinEntanglement.entropy(concurrence: 1), log(2.0), accuracy: 1e-15)
        XCTAssertEqual(TwoSpinEntanglement.entropy(concurrence: 0), 0)
        let s = stride(from: 0.0, through: 1.0, by: 0.05).map { TwoSpinEntanglement.entropy(concurrence: $0) }
        XCTAssertTrue(zip(s, s.dropFirst()).allSatisfy { $0 < $1 })
    }
}

/// The pair-sum estimate against brute force on a small chain.
final class TwoSpinPairSumTests: XCTestCase {
    /// For every pair across the cut, the connected eigenstate's entropy from
    /// 4 x 4 LAPACK (largest overlap with |z_i z_j>), summed, equals the
    /// closed-form pair sum; and h_x -> 0 gives 0.
    func testPairSumMatchesExactDiagonalizationOfEachPair() throws {
        var rng = CounterRNG(seed: 10, stream: StreamKey.make("two-spin-test"), realization: 0)
        let L = 12, hx = 0.3
        let chain = ClassicalChain(L: L, alpha: 0.7, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
        let (z, phi, _) = SingleFlipStable.prepare(chain, kind: .sfs, order: .greedy, rng: &rng)
        var brute = 0.0
        let ws = try EntropyWorkspace(cut: .site(0, of: 2), complex: false)
        for i in 0..<(L / 2) {
            for j in (L / 2)..<L {
                let k = chain.K[i * L + j]
                let p1 = phi[i] - k * Double(z[j]), p2 = phi[j] - k * Double(z[i])
                var m = DenseMatrix(rows: 4, cols: 4, storage: TwoSpinEntanglement.matrix(phi1: p1, phi2: p2, J: k, hx: hx))
                _ = try SymmetricEigensolver.solve(&m)
                let s0 = (z[i] < 0 ? 1 : 0) + (z[j] < 0 ? 2 : 0)
                let n = (0..<4).max { abs(m.storage[s0 + 4 * $0]) < abs(m.storage[s0 + 4 * $1]) }!
                brute += try m.storage.withUnsafeBufferPointer { try ws.entropy(full: $0.baseAddress! + 4 * n) }
            }
        }
        let cf = TwoSpinEntanglement.pairSumAcrossCut(chain: chain, state: z, fields: phi, hx: hx)
        XCTAssertEqual(cf, brute, accuracy: 1e-8)
        XCTAssertGreaterThan(cf, 0)
        XCTAssertEqual(TwoSpinEntanglement.pairSumAcrossCut(chain: chain, state: z, fields: phi, hx: 0), 0)
    }
}
