import XCTest
import QGPhysics
import QGLinearAlgebra
import QGTestSupport

/// Exact limits and hand-derived small cases of study S1 (docs/models.md, S1).
final class ModelTests: XCTestCase {
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
            let plus = try m.denseSectorSpectrum(parity: 1).values, minus = try m.denseSectorSpectrum(parity: -1).values
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
        let plus = try m.denseSectorSpectrum(parity: 1).values, minus = try m.denseSectorSpectrum(parity: -1).values
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
        let sectors = (try m.denseSectorSpectrum(parity: 1).values + m.denseSectorSpectrum(parity: -1).values).sorted()
        XCTAssertLessThan(maxAbsDifference(reference, sectors), 1e-12)
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

    /// The Gaussian density of states of a sector (the mid-spectrum solvers'
    /// estimate at the target): D / sqrt(2 pi var) at the mean 0, even in e,
    /// and it integrates to the sector dimension D.
    func testGaussianSectorDensity() {
        var rng = CounterRNG(seed: 2, stream: StreamKey.make("test-density"), realization: 0)
        let m = LongRangeSpinGlass(L: 6, alpha: 0.7, hx: 0.35, J: LongRangeSpinGlass.drawCouplings(L: 6, rng: &rng))
        for p in [1, -1] {
            let variance = m.sectorMoments(parity: p).variance, sigma = variance.squareRoot()
            let d = Double(m.sectorDimension)
            XCTAssertEqual(m.gaussianSectorDensity(parity: p, at: 0), d / (2 * Double.pi * variance).squareRoot(), accuracy: 1e-12 * d)
            XCTAssertEqual(m.gaussianSectorDensity(parity: p, at: 1.3 * sigma), m.gaussianSectorDensity(parity: p, at: -1.3 * sigma))
            XCTAssertEqual(m.gaussianSectorDensity(parity: p, at: sigma) / m.gaussianSectorDensity(parity: p, at: 0), exp(-0.5), accuracy: 1e-12)
            let n = 4000, h = 20 * sigma / Double(n)
            let integral = (0...n).reduce(0.0) { acc, k in
                let w = k == 0 || k == n ? 0.5 : 1.0
                return acc + w * h * m.gaussianSectorDensity(parity: p, at: -10 * sigma + Double(k) * h)
            }
            XCTAssertEqual(integral, d, accuracy: 1e-6 * d)
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
