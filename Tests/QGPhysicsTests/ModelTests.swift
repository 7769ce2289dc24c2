import XCTest
import QGPhysics
import QGLinearAlgebra
import QGTestSupport
import QGED

/// Exact limits and hand-derived small cases of study S1 (STUDIES.md S1).
final class ModelTests: XCTestCase {
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

    func spectrum(_ m: LongRangeSpinGlass, parity: Int) throws -> (values: [Double], vectors: DenseMatrix) {
        let n = m.sectorDimension
        var h = DenseMatrix(rows: n, cols: n)
        h.storage = m.sectorMatrix(parity: parity)
        let e = try SymmetricEigensolver.solve(&h)
        return (e, h)
    }

    func couplings(_ L: Int, _ pairs: [(Int, Int, Double)]) -> [Double] {
        var J = [Double](repeating: 0, count: L * L)
        for (i, j, v) in pairs { J[i * L + j] = v; J[j * L + i] = v }
        return J
    }

    /// L = 2: H = K Z0 Z1 - h (X0 + X1), K = J01 (d = 1).
    /// Sector +1 spans (|uu>+|dd>, |ud>+|du>): [[K, -2h], [-2h, -K]] -> +-sqrt(K^2 + 4h^2).
    /// Sector -1 spans (|uu>-|dd>, |ud>-|du>): X0 + X1 vanishes -> {-K, K}.
    func testTwoSpinsHandDerived() throws {
        for (K, h) in [(0.7, 0.3), (-1.3, 2.0), (0.0, 0.5)] {
            let m = LongRangeSpinGlass(L: 2, alpha: 0.7, hx: h, J: couplings(2, [(0, 1, K)]))
            let s = (K * K + 4 * h * h).squareRoot()
            let plus = try spectrum(m, parity: 1).values, minus = try spectrum(m, parity: -1).values
            XCTAssertEqual(plus[0], -s, accuracy: 1e-13); XCTAssertEqual(plus[1], s, accuracy: 1e-13)
            XCTAssertEqual(minus[0], -abs(K), accuracy: 1e-13); XCTAssertEqual(minus[1], abs(K), accuracy: 1e-13)
        }
    }

    /// L = 3 with only J01 != 0: spin 2 is free in a field h (energies -+h for
    /// X2 = +-1) and P = P01 X2. Sector +1: two-spin sector +1 with X2 = +1,
    /// and two-spin sector -1 with X2 = -1; sector -1 the other way round.
    func testThreeSpinsHandDerived() throws {
        let K = 0.9, h = 0.4
        let m = LongRangeSpinGlass(L: 3, alpha: 0.7, hx: h, J: couplings(3, [(0, 1, K)]))
        let s = (K * K + 4 * h * h).squareRoot()
        let expPlus = [-s - h, s - h, -K + h, K + h].sorted()
        let expMinus = [-s + h, s + h, -K - h, K - h].sorted()
        let plus = try spectrum(m, parity: 1).values, minus = try spectrum(m, parity: -1).values
        for (a, b) in zip(plus, expPlus) { XCTAssertEqual(a, b, accuracy: 1e-13) }
        for (a, b) in zip(minus, expMinus) { XCTAssertEqual(a, b, accuracy: 1e-13) }
    }

    /// Periodic and open distances, and the alpha scaling of K.
    func testDistancesAndScaledCouplings() {
        XCTAssertEqual(LongRangeSpinGlass.distance(0, 7, L: 8, boundary: .periodic), 1)
        XCTAssertEqual(LongRangeSpinGlass.distance(0, 7, L: 8, boundary: .open), 7)
        XCTAssertEqual(LongRangeSpinGlass.distance(1, 5, L: 8, boundary: .periodic), 4)
        var J = [Double](repeating: 0, count: 64)
        J[0 * 8 + 4] = 2; J[4 * 8 + 0] = 2
        let m = LongRangeSpinGlass(L: 8, alpha: 0.5, hx: 0, J: J)
        XCTAssertEqual(m.K[4], 2 / 4.0.squareRoot(), accuracy: 1e-15)
    }

    /// The two sectors together reproduce the spectrum of H built
    /// independently in the full 2^L basis (no symmetry used).
    func testSectorsReproduceFullSpectrum() throws {
        let L = 6
        var rng = CounterRNG(seed: 11, stream: StreamKey.make("test-full"), realization: 0)
        let J = LongRangeSpinGlass.drawCouplings(L: L, rng: &rng)
        let m = LongRangeSpinGlass(L: L, alpha: 0.7, hx: 0.6, boundary: .open, J: J)
        let n = 1 << L
        var full = DenseMatrix(rows: n, cols: n)
        for s in 0..<n {
            var e = 0.0
            for i in 0..<L { for j in (i + 1)..<L {
                let zi = (s >> i) & 1 == 0 ? 1.0 : -1.0, zj = (s >> j) & 1 == 0 ? 1.0 : -1.0
                e += J[i * L + j] / pow(Double(j - i), 0.7) * zi * zj
            } }
            full[s, s] = e
            for i in 0..<L { full[s ^ (1 << i), s] = -0.6 }
        }
        let reference = try SymmetricEigensolver.eigenvalues(&full)
        let sectors = (try spectrum(m, parity: 1).values + spectrum(m, parity: -1).values).sorted()
        XCTAssertLessThan(maxAbsDifference(reference, sectors), 1e-12)
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
            let (e, v) = try spectrum(m, parity: p)
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
            let (_, v) = try spectrum(m, parity: 1)  // the x-polarized state has P = +1
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
            let (_, v) = try spectrum(m, parity: p)
            let n = m.sectorDimension
            let reference = (0..<n).map { edwardsAndersonReference(state: Array(v.storage[($0 * n)..<(($0 + 1) * n)]), L: L) }
            let fast = try edwardsAnderson(v, m, parity: p)
            XCTAssertLessThan(maxAbsDifference(reference, fast), 1e-13)
        }
    }

    /// The closed-form spectral moments of a sector (used to place the
    /// mid-spectrum filter) equal tr H / D and tr H^2 / D of the sector
    /// matrix, including the merged entry at L = 2.
    func testSectorMomentsAreTheTraces() {
        var rng = CounterRNG(seed: 4, stream: StreamKey.make("test-moments"), realization: 0)
        for L in [2, 3, 6] {
            let m = LongRangeSpinGlass(L: L, alpha: 0.7, hx: 0.35, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
            let n = m.sectorDimension
            for p in [1, -1] {
                let h = m.sectorMatrix(parity: p)
                let trace = (0..<n).reduce(0.0) { $0 + h[$1 + $1 * n] } / Double(n)
                let square = h.reduce(0.0) { $0 + $1 * $1 } / Double(n)
                let (mean, variance) = m.sectorMoments(parity: p)
                XCTAssertEqual(mean, trace, accuracy: 1e-12, "L = \(L), P = \(p)")
                XCTAssertEqual(variance, square - trace * trace, accuracy: 1e-12, "L = \(L), P = \(p)")
            }
        }
    }

    /// Matrix-free H v agrees with the dense sector matrix.
    func testMatrixFreeApply() {
        let L = 5
        var rng = CounterRNG(seed: 1, stream: StreamKey.make("test-apply"), realization: 0)
        let m = LongRangeSpinGlass(L: L, alpha: 0.7, hx: 0.3, J: LongRangeSpinGlass.drawCouplings(L: L, rng: &rng))
        let n = m.sectorDimension
        let x = (0..<n).map { Double($0 % 5) - 1.5 }
        for p in [1, -1] {
            let h = m.sectorMatrix(parity: p)
            var y = [Double](repeating: 0, count: n)
            for j in 0..<n { for i in 0..<n { y[i] += h[i + j * n] * x[j] } }
            XCTAssertLessThan(maxAbsDifference(y, m.apply(parity: p, diagonal: m.diagonal(), to: x)), 1e-13)
        }
    }
}
