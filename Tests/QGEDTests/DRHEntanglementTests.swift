import XCTest
import QGPhysics
import QGED
import QGLinearAlgebra
import QGTestSupport

/// S8: the last l-bit's eigenstate entropy (QGED's serial entanglement
/// kernel) in the limits of the De Roeck-Huveneers model.
final class DRHEntanglementTests: XCTestCase {
    func drawn(N: Int, realization: Int = 0) -> ([Double], [Double]) {
        var rng = CounterRNG(seed: 3, stream: StreamKey.make("drh-test"), realization: realization)
        return DeRoeckHuveneersModel.drawDisorder(N: N, rng: &rng)
    }

    /// Entropy of the last l-bit in every eigenstate (serial dense ED).
    func lastLbitEntropies(_ m: DeRoeckHuveneersModel) throws -> (e: [Double], s: [Double]) {
        var mtx = DenseMatrix(rows: m.dimension, cols: m.dimension, storage: m.denseMatrix())
        let e = try SymmetricEigensolver.solve(&mtx)
        let block = DenseBlock(rows: m.dimension, cols: m.dimension, isComplex: false, storage: .serial(mtx.storage))
        let s = try Entanglement.eigenstateEntropies(block, hamiltonian: m, cut: .site(m.sites - 1, of: m.sites), group: nil)
        return (e, s)
    }

    func testDecoupledLastLbitHasZeroEntropy() throws {
        let (g, f) = drawn(N: 4)
        let (_, s) = try lastLbitEntropies(DeRoeckHuveneersModel(grain: g, fields: f, couplings: DeRoeckHuveneersModel.couplings(N: 4, J1: 0.41, a: 0)))
        XCTAssertLessThan(s.max()!, 1e-10)
        // Small a: still nearly decoupled (J_4 = 0.41 * 0.05^3 ~ 5e-5).
        let (_, s2) = try lastLbitEntropies(DeRoeckHuveneersModel(grain: g, fields: f, couplings: DeRoeckHuveneersModel.couplings(N: 4, J1: 0.41, a: 0.05)))
        XCTAssertLessThan(s2.reduce(0, +) / Double(s2.count), 1e-3)
    }

    func testStrongCouplingThermalizesLastLbit() throws {
        let (g, f) = drawn(N: 4)
        let m = DeRoeckHuveneersModel(grain: g, fields: f, couplings: DeRoeckHuveneersModel.couplings(N: 4, J1: 1.0, a: 1.0))
        let (e, s) = try lastLbitEntropies(m)
        let lo = e.first!, hi = e.last!
        var mid: [Double] = []
        for k in e.indices { let x = (e[k] - lo) / (hi - lo); if x >= 0.4 && x < 0.6 { mid.append(s[k]) } }
        let mean = mid.reduce(0, +) / Double(mid.count)
        XCTAssertGreaterThan(mean, 0.55, "mid-spectrum [S_end] \(mean) should approach ln 2")
        XCTAssertLessThanOrEqual(s.max()!, log(2.0) + 1e-12)
    }
}
