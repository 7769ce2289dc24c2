import XCTest
import QGPhysics
import QGLinearAlgebra
import QGTestSupport
import QGED

/// Study S1's eigenstate observable m_EA through QGED's production kernel
/// (serial block), in the exact limits and against the definition.
final class EdwardsAndersonKernelTests: XCTestCase {
    /// m_EA of every column of `v` through the production kernel (serial block, one DGEMM).
    func edwardsAnderson(_ v: DenseMatrix, _ m: LongRangeSpinGlass, parity: Int) throws -> [Double] {
        var block = DenseBlock(rows: v.rows, cols: v.cols, isComplex: false, storage: .serial(v.storage))
        return try EigenstateKernels.edwardsAnderson(&block, hamiltonian: LRSGParitySector(model: m, parity: parity), group: nil)
    }

    /// m_EA of one sector state by the definition, (1/L^2) sum_{i,j} <Z_i Z_j>^2
    /// with <Z_i Z_j> = sum_k psi_k^2 z_i z_j over the representatives s = k << 1
    /// (a per-state loop: the independent reference of the GEMM kernel).
    func edwardsAndersonReference(state psi: [Double], L: Int) -> Double {
        var total = 0.0
        for i in 0..<L {
            for j in 0..<L {
                var c = 0.0
                for (k, a) in psi.enumerated() {
                    let s = k << 1
                    c += a * a * ((((s >> i) ^ (s >> j)) & 1) == 0 ? 1 : -1)
                }
                total += c * c
            }
        }
        return total / Double(L * L)
    }

    /// h_x = 0: every eigenstate is a product state, m_EA = 1 exactly, and the
    /// energies are the classical energies (each twice: s and its flip).
    func testClassicalLimit() throws {
        let L = 7
        var rng = CounterRNG(seed: 3, stream: StreamKey.make("test-classical"), realization: 5)
        let m = LongRangeSpinGlass(L: L, alpha: 0.7, hx: 0, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
        let classical = (0..<(1 << L)).map { m.classicalEnergy($0) }.sorted()
        var all: [Double] = []
        for p in [1, -1] {
            let (e, v) = try m.denseSectorSpectrum(parity: p)
            all += e
            let mea = try edwardsAnderson(v, m, parity: p)
            XCTAssertTrue(mea.allSatisfy { $0 == 1.0 }, "m_EA must be exactly 1 at h_x = 0")
        }
        XCTAssertEqual(all.sorted(), classical, "sector energies must equal classical energies exactly")
    }

    /// Large h_x: the ground state is all spins along +x, <Z_i Z_j> = delta_ij,
    /// so m_EA -> 1/L (corrections O((J/h)^2)).
    func testLargeFieldGroundState() throws {
        let L = 8
        var rng = CounterRNG(seed: 5, stream: StreamKey.make("test-large-h"), realization: 1)
        let J = LongRangeSpinGlass.drawCouplings(L: L, rng: &rng)
        var previous = Double.infinity
        for h in [10.0, 100.0, 1000.0] {
            let m = LongRangeSpinGlass(L: L, alpha: 0.7, hx: h, J: J)
            let (_, v) = try m.denseSectorSpectrum(parity: 1)  // the x-polarized state has P = +1
            let mea = try edwardsAnderson(v, m, parity: 1)
            let dev = abs(mea[0] - 1.0 / Double(L))
            XCTAssertLessThan(dev, 1.0 / (h * h) * 50)
            XCTAssertLessThan(dev, previous)
            previous = dev
        }
    }

    /// The BLAS-3 m_EA equals the per-state definition.
    func testEdwardsAndersonGEMMMatchesDefinition() throws {
        let L = 6
        var rng = CounterRNG(seed: 9, stream: StreamKey.make("test-mea"), realization: 2)
        let m = LongRangeSpinGlass(L: L, alpha: 0.8, hx: 0.5, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
        for p in [1, -1] {
            let (_, v) = try m.denseSectorSpectrum(parity: p)
            let n = m.sectorDimension
            let reference = (0..<n).map { edwardsAndersonReference(state: Array(v.storage[($0 * n)..<(($0 + 1) * n)]), L: L) }
            let fast = try edwardsAnderson(v, m, parity: p)
            XCTAssertLessThan(maxAbsDifference(reference, fast), 1e-13)
        }
    }
}
