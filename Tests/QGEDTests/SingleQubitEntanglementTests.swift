import XCTest
import QGPhysics
import QGED
import QGLinearAlgebra
import QGTestSupport

/// S8: the batched single-qubit entropy kernel (Bloch vector from two GEMMs)
/// against the general per-state Gram kernel with a one-site cut, serial path
/// (the group path is checked in Tests/MPISelfTest).
final class SingleQubitEntanglementTests: XCTestCase {
    /// A DRH model of N l-bits: its sector basis is the computational basis, so
    /// it unfolds any 8 * 2^N vector for the reference kernel.
    func drh(N: Int, a: Double, realization: Int = 0) -> DeRoeckHuveneersModel {
        var rng = CounterRNG(seed: 11, stream: StreamKey.make("single-qubit-test"), realization: realization)
        let (g, f) = DeRoeckHuveneersModel.drawDisorder(N: N, rng: &rng)
        return DeRoeckHuveneersModel(grain: g, fields: f, couplings: DeRoeckHuveneersModel.couplings(N: N, J1: 0.41, a: a))
    }

    /// Largest |new - old| over every qubit for the columns of `v` (D x D).
    func maxDifference(_ v: [Double], _ h: DeRoeckHuveneersModel) throws -> Double {
        let D = h.dimension
        var worst = 0.0
        for q in 0..<h.sites {
            let block = DenseBlock(rows: D, cols: D, isComplex: false, storage: .serial(v))
            let old = try Entanglement.eigenstateEntropies(block, hamiltonian: h, cut: .site(q, of: h.sites), group: nil)
            var consumed = block
            let new = try Entanglement.eigenstateQubitEntropies(&consumed, hamiltonian: h, qubit: q, group: nil)
            XCTAssertEqual(new.count, D)
            for j in 0..<D { worst = max(worst, abs(new[j] - old[j])) }
        }
        return worst
    }

    /// A random real orthogonal matrix (eigenvectors of a GOE matrix) of
    /// dimension 2^7: every column, every qubit, to 1e-12.
    func testRandomOrthogonalMatrixMatchesPerStateKernel() throws {
        let h = drh(N: 4, a: 0.7)
        let D = h.dimension
        var rng = CounterRNG(seed: 12, stream: StreamKey.make("single-qubit-test"), realization: 0)
        var a = [Double](repeating: 0, count: D * D)
        for j in 0..<D { for i in 0...j { let x = rng.normal(); a[i + D * j] = x; a[j + D * i] = x } }
        var m = DenseMatrix(rows: D, cols: D, storage: a)
        _ = try SymmetricEigensolver.solve(&m)
        let worst = try maxDifference(m.storage, h)
        print("single-qubit kernel vs per-state kernel, random orthogonal D = \(D): max |dS| = \(worst)")
        XCTAssertLessThan(worst, 1e-12)
    }

    /// The eigenvectors of DRH Hamiltonians (nearly decoupled a = 0.1, where
    /// many entropies are tiny, and strongly coupled a = 1), every qubit.
    func testDRHEigenvectorsMatchPerStateKernel() throws {
        for a in [0.1, 0.7071067811865476, 1.0] {
            let h = drh(N: 5, a: a)
            var m = DenseMatrix(rows: h.dimension, cols: h.dimension, storage: h.denseMatrix())
            _ = try SymmetricEigensolver.solve(&m)
            let worst = try maxDifference(m.storage, h)
            print("single-qubit kernel vs per-state kernel, DRH N = 5 a = \(a): max |dS| = \(worst)")
            XCTAssertLessThan(worst, 1e-12, "a = \(a)")
        }
    }

    /// Analytic cases on 4 qubits (D = 16): a random real product state (0 on
    /// every qubit), a basis state (0), and a Bell pair (|0000> + |0101>)/sqrt 2
    /// on qubits 0 and 2 (ln 2 on those, 0 on qubits 1 and 3).
    func testProductStatesAndBellPair() throws {
        let D = 16
        var rng = CounterRNG(seed: 13, stream: StreamKey.make("single-qubit-test"), realization: 0)
        var product = [Double](repeating: 1, count: D)
        for q in 0..<4 {
            let t = 2 * Double.pi * rng.uniform()
            for k in 0..<D { product[k] *= ((k >> q) & 1) == 0 ? cos(t) : sin(t) }
        }
        var basis = [Double](repeating: 0, count: D)
        basis[11] = 1
        var bell = [Double](repeating: 0, count: D)
        bell[0] = 1 / 2.0.squareRoot(); bell[5] = -1 / 2.0.squareRoot()
        let cols = product + basis + bell
        let expected: [[Double]] = [[0, 0, log(2.0)], [0, 0, 0], [0, 0, log(2.0)], [0, 0, 0]]
        for q in 0..<4 {
            var block = DenseBlock(rows: D, cols: 3, isComplex: false, storage: .serial(cols))
            let s = try Entanglement.singleQubitEntropies(&block, qubit: q, group: nil)
            for j in 0..<3 { XCTAssertEqual(s[j], expected[q][j], accuracy: 1e-14, "qubit \(q) column \(j)") }
        }
        XCTAssertEqual(Entanglement.blochEntropy(x: 0, z: 1 + 1e-15), 0)
        XCTAssertEqual(Entanglement.blochEntropy(x: 0, z: 0), log(2.0), accuracy: 1e-15)
        // Near r = 1: p = 1e-13, S = -p ln p - (1 - p) ln(1 - p) ~ p (1 - ln p).
        let z = 1 - 2e-13, p = (1 - z) / 2  // p exact for this z (Sterbenz)
        XCTAssertEqual(Entanglement.blochEntropy(x: 0, z: z), p * (1 - log(p)), accuracy: 1e-24)
    }

    /// Typed refusals: complex vectors, a symmetry sector, an unnormalized state.
    func testRefusals() throws {
        var complex = DenseBlock(rows: 4, cols: 1, isComplex: true, storage: .serial([1, 0, 0, 0, 0, 0, 0, 0]))
        XCTAssertThrowsError(try Entanglement.singleQubitEntropies(&complex, qubit: 0, group: nil)) {
            guard case .unsupported = $0 as? EntanglementError else { return XCTFail("\($0)") }
        }
        var rng = CounterRNG(seed: 14, stream: StreamKey.make("single-qubit-test"), realization: 0)
        let sector = LRSGParitySector(model: LongRangeSpinGlass(L: 4, alpha: 0.7, hx: 0.4, J: LongRangeSpinGlass.drawCouplings(L: 4, rng: &rng)), parity: 1)
        var v = DenseBlock(rows: sector.dimension, cols: 1, isComplex: false, storage: .serial([1] + [Double](repeating: 0, count: sector.dimension - 1)))
        XCTAssertThrowsError(try Entanglement.eigenstateQubitEntropies(&v, hamiltonian: sector, qubit: 0, group: nil)) {
            guard case .unsupported = $0 as? EntanglementError else { return XCTFail("\($0)") }
        }
        var twice = DenseBlock(rows: 4, cols: 1, isComplex: false, storage: .serial([2, 0, 0, 0]))
        XCTAssertThrowsError(try Entanglement.singleQubitEntropies(&twice, qubit: 1, group: nil)) {
            guard case .notNormalized = $0 as? EntanglementError else { return XCTFail("\($0)") }
        }
    }
}
